"""What people type, made into one query that both engines run (docs/search.md, "Text").

A query is words, "quoted phrases", `or` between alternatives and `-word` exclusions. Both
engines read the same parsed query: apostrophes of every kind and possessives are dropped
("women's", "women’s" and "womens" are all the word women, stemmed alike by both engines),
hyphenated words match written together or apart ("re-offending", "reoffending",
"re offending"), the synonym groups kept as data (SearchSynonym) widen a word or phrase to
its group, and a word that no organisation uses is corrected from the directory's own words
(spelling.py's job: see ``correct_spelling``).

SQLite runs it as an FTS5 expression (the porter stemmer: whole words, never part of one);
PostgreSQL as a ``to_tsquery`` (the english configuration's stemmer), where a quoted phrase
with stop words is also matched word for word against a vector of the text as written (the
english vectors leave stop words out, so "through the gate" would otherwise be any "gate").
"""

import re
import unicodedata
from dataclasses import dataclass, field, replace

from django.core.cache import caches

from directory.search.models import SYNONYMS_CACHE_KEY, SearchSynonym

# PostgreSQL's english stop words (tsearch_data/english.stop): left out of plain words on both
# engines, so that they match the same; kept in quoted phrases.
_STOP_WORDS_TEXT = """
i me my myself we our ours ourselves you your yours yourself yourselves he him his himself
she her hers herself it its itself they them their theirs themselves what which who whom
this that these those am is are was were be been being have has had having do does did doing
a an the and but if or because as until while of at by for with about against between into
through during before after above below to from up down in out on off over under again
further then once here there when where why how all any both each few more most other some
such no nor not only own same so than too very s t can will just don should now
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())
_APOSTROPHES = str.maketrans(dict.fromkeys("’‘ʼ`´′", "'"))
_HYPHENS = str.maketrans(dict.fromkeys("‐‑‒–—", "-"))
_POSSESSIVE = re.compile(r"(?<=\w)'s\b", re.IGNORECASE)
_INNER_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)")
_WORD = re.compile(r"[^\W_]+")
_QUERY_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
# Prefixes written joined or hyphenated ("reoffending", "re-offending"): a joined word also
# matches the two words apart.
_SPLIT_PREFIXES = ("re", "ex", "non", "co")
SYNONYMS_SECONDS = 60
# Words that both engines' stemmers reduce to the stem of an unrelated word (probation and
# probate are both "probat"): a group with one must also find one of its terms as written.
WRITTEN_AS_TYPED = frozenset({"probation", "probate"})
# The longest synonym looked for in a query, in words.
_LONGEST_SYNONYM = 6

Term = tuple[str, ...]  # one word, or the words of a phrase in order


def normalise_text(text: str) -> str:
    """Text as both the index and the query read it: one apostrophe, no possessives, no
    accents, one hyphen."""
    text = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES).translate(_HYPHENS))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return _INNER_APOSTROPHE.sub("", _POSSESSIVE.sub("", text))


def words_of(text: str) -> list[str]:
    return _WORD.findall(normalise_text(text).lower())


def _stem(word: str) -> str:
    """A light stem, only for finding a query's words in the synonym groups."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def synonym_key(words: list[str] | Term) -> str:
    """Words written together, apart or hyphenated, singular or plural, have the same key."""
    return "".join(_stem(word) for word in words)


def _alternatives(words: list[str]) -> list[Term]:
    """How a word (or hyphenated words) may be written in a text."""
    if len(words) > 1:
        return [tuple(words), ("".join(words),)]
    word = words[0]
    found: list[Term] = [(word,)]
    for prefix in _SPLIT_PREFIXES:
        rest = word[len(prefix) :]
        if word.startswith(prefix) and len(rest) >= 4:
            found.append((prefix, rest))
    return found


def synonym_groups() -> dict[str, list[list[str]]]:
    """Each synonym's key: the words of every term of its groups (cached a minute; an edit in
    the admin clears this process's copy at once)."""
    groups = caches["search"].get(SYNONYMS_CACHE_KEY)
    if groups is None:
        groups = {}
        for synonym in SearchSynonym.objects.all():
            terms = [words for term in synonym.term_list() if (words := words_of(term))]
            for words in terms:
                groups.setdefault(synonym_key(words), []).extend(terms)
        caches["search"].set(SYNONYMS_CACHE_KEY, groups, SYNONYMS_SECONDS)
    return groups


@dataclass(frozen=True)
class SearchQuery:
    """AND of OR-groups of terms, minus excluded terms; `phrases` are the quoted ones."""

    required: tuple[tuple[Term, ...], ...] = ()
    excluded: tuple[Term, ...] = ()
    phrases: tuple[Term, ...] = ()
    # Plain (no phrase, `or` or exclusion) and with a word found nowhere: names that only look
    # alike are then matched too (PostgreSQL's trigram fallback).
    plain: bool = True
    # The same without synonyms, when they widened it: a name is matched by the words typed.
    as_typed: "SearchQuery | None" = None

    @property
    def name_query(self) -> "SearchQuery":
        """What a name must have for a name match ("housing" is not "Home Ties Project")."""
        return self.as_typed or self

    @property
    def is_empty(self) -> bool:
        return not self.required and not self.excluded

    @property
    def key(self) -> str:
        """The query as text, for caches."""
        return repr((self.required, self.excluded, self.phrases, self.plain))

    # --- SQLite FTS5 ------------------------------------------------------------------------
    @staticmethod
    def _fts5_group(terms) -> str:
        return "(" + " OR ".join('"' + " ".join(term) + '"' for term in terms) + ")"

    def fts5(self, columns: str = "") -> str | None:
        """The FTS5 expression of the required terms (in `columns` only, e.g. "{name head}")."""
        if not self.required:
            return None
        expression = " AND ".join(self._fts5_group(group) for group in self.required)
        return f"{columns} : ({expression})" if columns else expression

    def fts5_excluded(self) -> str | None:
        return self._fts5_group(self.excluded) if self.excluded else None

    # --- PostgreSQL -------------------------------------------------------------------------
    @staticmethod
    def _tsquery_group(terms, as_written=frozenset()) -> str:
        return (
            "("
            + " | ".join((" & " if term in as_written else " <-> ").join(term) for term in terms)
            + ")"
        )

    def _phrases_as_written(self) -> list[Term]:
        """The quoted phrases with stop words, which phrase_tsquery matches word for word."""
        return [p for p in self.phrases if len(p) > 1 and STOP_WORDS.intersection(p)]

    def tsquery(self) -> str:
        """A to_tsquery text (its words are letters and digits only, so they need no quoting).
        A phrase that phrase_tsquery matches needs only its words here: the english vectors
        count a possessive's dropped "s" as a word ("the prison's gate")."""
        as_written = frozenset(self._phrases_as_written())
        parts = [self._tsquery_group(group, as_written) for group in self.required]
        parts += ["!" + self._tsquery_group([term]) for term in self.excluded]
        return " & ".join(parts)

    def phrase_tsquery(self, weights: str = "") -> str | None:
        """A to_tsquery('simple') text that the same organisation's phrase_vector must also
        match (labelled `weights`: its parts, see schema.PHRASE_VECTOR), or None: a quoted phrase
        with stop words word for word (plurals allowed), and a group with a word of
        WRITTEN_AS_TYPED one of its terms as written (or longer: "probationary")."""
        label = f":{weights}" if weights else ""
        parts = [
            " <-> ".join(
                "(" + " | ".join(f"{form}{label}" for form in (word, word + "s", word + "es")) + ")"
                for word in phrase
            )
            for phrase in self._phrases_as_written()
        ]
        parts += [
            "("
            + " | ".join(" <-> ".join([*term[:-1], f"{term[-1]}:*{weights}"]) for term in group)
            + ")"
            for group in self.written_groups()
        ]
        return " & ".join(parts) or None

    def written_groups(self) -> list[tuple[Term, ...]]:
        """The required groups with a word that must be found as written."""
        return [
            group
            for group in self.required
            if any(WRITTEN_AS_TYPED.intersection(term) for term in group)
        ]

    def like_patterns(self) -> list[list[str]]:
        """SQLite: for each group of written_groups, LIKE patterns of which the normalised
        text must match one."""
        return [["%" + " ".join(term) + "%" for term in group] for group in self.written_groups()]


@dataclass
class _Token:
    words: list[str]
    quoted: bool
    negative: bool
    joined: bool  # `or` before it
    terms: list[Term] = field(default_factory=list)


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    join_next = False
    for match in _QUERY_TOKEN.finditer(text):
        quoted_minus, phrase, word = match.groups()
        if phrase is None and word.lower() == "or":
            join_next = bool(tokens)
            continue
        negative = bool(quoted_minus) if phrase is not None else word.startswith("-")
        words = words_of(phrase if phrase is not None else word.lstrip("-"))
        if phrase is None:
            words = [w for w in words if w not in STOP_WORDS]
        if words:
            tokens.append(_Token(words, phrase is not None, negative, join_next))
        join_next = False
    return tokens


def _widen(tokens: list[_Token], groups: dict[str, list[list[str]]]) -> list[_Token]:
    """Give every plain token its ways of writing, and runs of plain words that are a synonym
    (longest first) their group's terms, as one token."""
    widened: list[_Token] = []
    position = 0
    while position < len(tokens):
        token = tokens[position]
        if token.quoted:
            widened.append(
                _Token(token.words, True, token.negative, token.joined, [tuple(token.words)])
            )
            position += 1
            continue
        for size in range(min(_LONGEST_SYNONYM, len(tokens) - position), 0, -1):
            run = tokens[position : position + size]
            if any(t.quoted or t.negative or (t.joined and t is not token) for t in run):
                continue
            words = [w for t in run for w in t.words]
            if (synonyms := groups.get(synonym_key(words))) is not None:
                terms = [term for each in [words, *synonyms] for term in _alternatives(each)]
                widened.append(_Token(words, False, token.negative, token.joined, terms))
                position += size
                break
        else:
            widened.append(
                _Token(token.words, False, token.negative, token.joined, _alternatives(token.words))
            )
            position += 1
    return widened


def parse_search_query(text: str, *, synonyms: bool = True) -> SearchQuery:
    """The query both engines run for `text`."""
    tokens = _tokens(text)
    plain = all(not (t.quoted or t.negative or t.joined) for t in tokens)
    tokens = _widen(tokens, synonym_groups() if synonyms and tokens else {})
    required: list[list[Term]] = []
    excluded: list[Term] = []
    for token in tokens:
        if token.negative:
            excluded.extend(token.terms)
        elif token.joined and required:
            required[-1].extend(token.terms)
        else:
            required.append(list(token.terms))
    query = SearchQuery(
        required=tuple(tuple(dict.fromkeys(group)) for group in required),
        excluded=tuple(dict.fromkeys(excluded)),
        phrases=tuple(tuple(t.words) for t in tokens if t.quoted and not t.negative),
        plain=plain,
    )
    if synonyms and tokens:
        typed = parse_search_query(text, synonyms=False)
        if typed.required != query.required:
            return replace(query, as_typed=typed)
    return query
