"""Reads of the registration flow: duplicate checks, an organisation's sections and requests."""

import difflib
import re

from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from directory.moderation.models import (
    ClaimRequest,
    ModerationDecision,
    OrganisationRevision,
    RegisterEntry,
)
from directory.moderation.register_services import income_band_for
from directory.moderation.registers import legal_form_slug
from directory.organisations.models import IncomeBand, LegalForm, Organisation

# Words that do not tell two organisations apart ("The Harbour Trust Ltd" is "Harbour Trust").
NAME_NOISE_WORDS = {"the", "ltd", "limited", "cic", "cio", "plc", "llp", "uk", "and", "of"}
NAME_NOISE_PHRASES = ["community interest company", "charitable incorporated organisation"]
SIMILAR_NAME_RATIO = 0.85
TRIGRAM_THRESHOLD = 0.6
# At most this many listed names are compared in Python, whatever the size of the directory.
SIMILAR_NAME_CANDIDATES = 50
MAX_DUPLICATES = 5


def normalise_organisation_name(name: str) -> str:
    text = re.sub(r"&", " and ", name.lower())
    text = re.sub(r"[^\w\s]", "", text)
    for phrase in NAME_NOISE_PHRASES:
        text = text.replace(phrase, " ")
    return " ".join(word for word in text.split() if word not in NAME_NOISE_WORDS)


def _word_ends(normalised: str) -> set[str]:
    """The first and last four letters of each word: a misspelt word usually keeps one end."""
    words = [word for word in normalised.split() if len(word) >= 3] or [normalised]
    return {end for word in words for end in (word[:4], word[-4:])}


def _sharing_word_ends(
    normalised: str, candidates: QuerySet[Organisation]
) -> QuerySet[Organisation]:
    """Without trigrams (SQLite): the names sharing most word ends with the normalised name."""
    shared = sum(
        (
            Case(When(name__icontains=end, then=1), default=0, output_field=IntegerField())
            for end in _word_ends(normalised)
        ),
        Value(0),
    )
    return candidates.annotate(shared=shared).filter(shared__gt=0).order_by("-shared", "name")


def _similar_names(name: str, candidates: QuerySet[Organisation]) -> list[Organisation]:
    wanted = normalise_organisation_name(name)
    if not wanted:
        return []
    # The database narrows the candidates (by trigram index, or by shared word ends); the
    # normalised comparison decides.
    if connection.vendor == "postgresql":
        candidates = (
            candidates.annotate(similarity=TrigramSimilarity("name", name))
            .filter(similarity__gte=TRIGRAM_THRESHOLD / 2)
            .order_by("-similarity")
        )
    else:
        candidates = _sharing_word_ends(wanted, candidates)
    matches = []
    for organisation in candidates.only("id", "name", "slug", "uuid")[:SIMILAR_NAME_CANDIDATES]:
        other = normalise_organisation_name(organisation.name)
        ratio = difflib.SequenceMatcher(None, wanted, other).ratio()
        if other == wanted or ratio >= SIMILAR_NAME_RATIO:
            matches.append((ratio, organisation))
    matches.sort(key=lambda pair: (-pair[0], pair[1].name))
    return [organisation for _, organisation in matches]


def organisation_duplicates(
    *, name: str, charity_number_ew: str = "", company_number: str = ""
) -> list[Organisation]:
    """Listed organisations the new one may be: same charity or company number, or a similar name.

    Only published organisations are matched, so nobody learns of someone else's draft.
    """
    listed = Organisation.objects.published()
    numbers = Q(pk__in=[])
    if charity_number_ew:
        numbers |= Q(charity_number_ew=charity_number_ew)
    if company_number:
        numbers |= Q(company_number=company_number)
    same_number = list(listed.filter(numbers))
    similar = [o for o in _similar_names(name, listed) if o not in same_number]
    return (same_number + similar)[:MAX_DUPLICATES]


def organisation_for_registration(organisation: Organisation) -> Organisation:
    """The organisation with what the check answers page shows of it (its services and
    evidence come from directory.moderation.revision_lists, as its owners last saved them)."""
    return (
        Organisation.objects.select_related("legal_form", "income_band")
        .prefetch_related("quality_marks", "partnership_roles")
        .get(pk=organisation.pk)
    )


def organisations_being_registered(user) -> QuerySet[Organisation]:
    """The user's organisations, for the start page."""
    return Organisation.objects.editable_by(user).filter(memberships__user=user).order_by("name")


def pending_claim_requests(organisation: Organisation) -> QuerySet[ClaimRequest]:
    return organisation.claim_requests.pending().select_related("user").order_by("created_at")


def moderator_request(organisation: Organisation, revision: OrganisationRevision | None) -> str:
    """What a moderator asked the owners to change, while it is theirs to do: the message that
    sent back the open revision, or the submission."""
    if revision is not None and revision.status == OrganisationRevision.Status.CHANGES_REQUESTED:
        return revision.message
    if organisation.status != Organisation.Status.CHANGES_REQUESTED:
        return ""
    decision = (
        organisation.moderation_decisions.filter(
            kind=ModerationDecision.Kind.SUBMISSION,
            action=ModerationDecision.Action.REQUEST_CHANGES,
        )
        .order_by("-decided_at", "-id")
        .first()
    )
    return decision.reason if decision else ""


def register_entry_for(*, charity_number_ew: str = "", company_number: str = ""):
    """The loaded register entry of a charity or company number (the charity register's
    first), or None; entries of removed charities and dissolved companies are not offered."""
    registers = Q()
    if charity_number_ew:
        registers |= Q(register="ccew", number=charity_number_ew)
    if company_number:
        registers |= Q(register="companies_house", number=company_number) | Q(
            register__in=["ccew", "oscr", "ccni"], company_number=company_number
        )
    if not registers:
        return None
    entries = RegisterEntry.objects.filter(registers, is_removed=False)
    return min(entries, key=lambda entry: entry.register != "ccew", default=None)


def register_details(entry) -> dict:
    """What a register entry fills in of the start form."""
    legal_form = LegalForm.objects.filter(slug=legal_form_slug(entry.register, entry)).first()
    bands = IncomeBand.objects.order_by("min_income")
    return {
        "name": entry.name,
        "address_line_1": entry.address_line_1,
        "address_line_2": entry.address_line_2,
        "town": entry.town,
        "postcode": entry.postcode,
        "legal_form": legal_form.pk if legal_form else None,
        "income_band": getattr(income_band_for(entry.latest_income, bands), "pk", None),
        "from_register": f"{entry.register}:{entry.number}",
    }
