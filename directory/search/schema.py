"""The search's tables, functions and triggers, declared once (docs/search.md).

The search app's migrations call `create` and `drop`; nothing else writes this SQL, and a
change to it is a change here plus a migration that runs the changed statements.

PostgreSQL: search documents, kept in step by triggers.

- directory_search_document: one narrow row per organisation with every filter as a flag or a
  bit mask (a term's bit is kept in directory_search_bit), so that counting the options of
  every filter is one scan of a small table.
- directory_search_service: the same masks per service, for the filters that must hold for
  one service ("accommodation for women in the North West").
- directory_search_head and directory_search_text: the text vectors, apart from the masks
  (a wide row would make every count read more): the name; the name, summary and service
  names; everything (name A, summary and services B, description C). GIN indexes on each.
- directory_search_word and directory_search_new_word: the vocabulary that misspelt words are
  corrected from, counted by a timer and added to by the triggers (spelling.py).

Versions are numbered in commit order: a refresh numbers its documents provisionally
(negative, so they still sort as the newest in their own transaction), and a constraint
trigger deferred to the commit gives them their numbers there, one committing transaction at
a time (an advisory lock held until that commit is done). Once a reader has seen version v, no
version below v can appear later (directory.search.facet_index relies on it).

SQLite (the zero-set-up default) has none of this: it searches the tables themselves, and its
text index is directory_search_fts, an FTS5 table (porter stemmer over unicode61, accents
removed) with the organisation's id as its rowid and three columns as PostgreSQL's weights:
name; summary and service names; description, service descriptions and the names of the
services' taxonomy terms. search_index.refresh_search_documents keeps it, as it keeps
PostgreSQL's.
"""

# SQLite's text index (search_index.refresh_search_documents keeps it).
FTS_TABLE = "directory_search_fts"
SQLITE_TEXT_INDEX = (
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(name, head, body, "
    "tokenize = 'porter unicode61 remove_diacritics 2')"
)

# The advisory lock of numbering versions (any constant; "RPDS" in ASCII).
NUMBERING_LOCK = 0x52504453

# Bit-mask taxonomies: (name in directory_search_bit, table).
TAXONOMIES = [
    ("pathway", "directory_pathway"),
    ("client_group", "directory_clientgroup"),
    ("setting", "directory_deliverysetting"),
    ("region", "directory_region"),
    ("legal_form", "directory_legalform"),
    ("income_band", "directory_incomeband"),
    ("partnership_role", "directory_partnershiprole"),
    ("quality_mark", "directory_qualitymark"),
]


def _mask(taxonomy: str, through: str, column: str, owner: str, extra: str = "") -> str:
    """The OR of the bits of the terms linked through `through` to the row `owner` names."""
    return (
        f"(SELECT coalesce(bit_or(1::bigint << b.bit), 0) FROM {through} x "
        f"JOIN directory_search_bit b ON b.taxonomy = '{taxonomy}' AND b.term_id = x.{column} "
        f"WHERE {owner}{extra})"
    )


def _term_bit(taxonomy: str, column: str) -> str:
    return (
        f"coalesce((SELECT 1::bigint << b.bit FROM directory_search_bit b "
        f"WHERE b.taxonomy = '{taxonomy}' AND b.term_id = {column}), 0)"
    )


def _bit_numbers(taxonomy: str, through: str, column: str) -> str:
    """The bit numbers of the terms linked to service ``s`` through `through`, in order."""
    return (
        f"ARRAY(SELECT b.bit FROM {through} x JOIN directory_search_bit b "
        f"ON b.taxonomy = '{taxonomy}' AND b.term_id = x.{column} "
        "WHERE x.service_id = s.id ORDER BY b.bit)"
    )


def _from_numbers(column: str) -> str:
    return f"(SELECT coalesce(sum(1::bigint << n), 0)::bigint FROM unnest(t.{column}) AS n)"


# A service's terms both as bit numbers (GIN-indexed: the same-service filters find their
# services through them) and as masks (what the counts read).
SERVICE_SOURCE = f"""
CREATE VIEW directory_search_service_source AS
SELECT
    s.id AS service_id,
    s.organisation_id,
    {_from_numbers("pathway_numbers")} AS pathway_bits,
    {_from_numbers("client_group_numbers")} AS client_group_bits,
    {_from_numbers("setting_numbers")} AS setting_bits,
    {_from_numbers("region_numbers")} AS region_bits,
    s.accepting_referrals,
    t.pathway_numbers,
    t.client_group_numbers,
    t.setting_numbers,
    t.region_numbers
FROM directory_service AS s
CROSS JOIN LATERAL (
    SELECT
        {_bit_numbers("pathway", "directory_service_pathways", "pathway_id")} AS pathway_numbers,
        {_bit_numbers("client_group", "directory_service_client_groups", "clientgroup_id")}
            AS client_group_numbers,
        {_bit_numbers("setting", "directory_service_settings", "deliverysetting_id")}
            AS setting_numbers,
        {_bit_numbers("region", "directory_service_regions", "region_id")} AS region_numbers
) AS t
"""

# A Scottish or Northern Irish number (Companies House prefixes SC, SO, SL; NI, NC, R0) and no
# England and Wales charity number or company number (two digits first).
REGISTERED_ONLY_ELSEWHERE = (
    "(o.charity_number_scotland <> '' OR o.charity_number_ni <> '' "
    "OR left(o.company_number, 2) IN ('SC', 'SO', 'SL', 'NI', 'NC', 'R0')) "
    "AND o.charity_number_ew = '' AND o.company_number !~ '^[0-9]{2}'"
)

_OWNED = "x.organisation_id = o.id"
_ROLES_MASK = _mask(
    "partnership_role", "directory_organisation_partnership_roles", "partnershiprole_id", _OWNED
)
_QUALITY_MARKS_MASK = _mask(
    "quality_mark", "directory_organisation_quality_marks", "qualitymark_id", _OWNED
)


def _interest_mask(direction: str) -> str:
    """The roles an organisation's partnership interests offer or seek."""
    return _mask(
        "partnership_role",
        "consortia_partnershipinterest",
        "role_id",
        _OWNED,
        f" AND x.direction = '{direction}'",
    )


# Reads directory_search_service, so services are refreshed first.
# Where an organisation that lists no delivery location (geocoded or not) on any of its
# services is by its own address (NULL for the others): a postcode search finds those by it.
NO_DELIVERY_LOCATIONS = (
    "NOT EXISTS (SELECT 1 FROM directory_deliverylocation x "
    "JOIN directory_service y ON y.id = x.service_id WHERE y.organisation_id = o.id)"
)
OWN_PLACE_EXPRESSIONS = (
    f"CASE WHEN {NO_DELIVERY_LOCATIONS} THEN o.latitude END",
    f"CASE WHEN {NO_DELIVERY_LOCATIONS} THEN o.longitude END",
)

DOCUMENT_SOURCE = f"""
CREATE VIEW directory_search_document_source AS
SELECT
    o.id AS organisation_id,
    o.status = 'published' AS published,
    o.freshness_stage = 'hidden' AS hidden,
    o.name,
    o.last_verified_at,
    {_term_bit("legal_form", "o.legal_form_id")} AS legal_form_bits,
    {_term_bit("income_band", "o.income_band_id")} AS income_band_bits,
    {_ROLES_MASK} AS partnership_role_bits,
    {_QUALITY_MARKS_MASK} AS quality_mark_bits,
    {_interest_mask("offer")} AS offered_role_bits,
    {_interest_mask("seek")} AS sought_role_bits,
    sv.pathway_bits,
    sv.client_group_bits,
    sv.setting_bits,
    sv.region_bits,
    sv.accepting_referrals,
    o.open_to_partnership,
    o.lived_experience_led,
    e.verified AS has_verified_evidence,
    coalesce(e.best_level, 0)::smallint AS evidence_level,
    e.items::integer AS evidence_count,
    e.jdl::integer AS jdl_count,
    {REGISTERED_ONLY_ELSEWHERE} AS registered_only_elsewhere,
    {_term_bit("region", "o.based_region_id")} AS based_region_bits,
    {OWN_PLACE_EXPRESSIONS[0]} AS based_latitude,
    {OWN_PLACE_EXPRESSIONS[1]} AS based_longitude
FROM directory_organisation AS o
CROSS JOIN LATERAL (
    SELECT coalesce(bit_or(x.pathway_bits), 0) AS pathway_bits,
           coalesce(bit_or(x.client_group_bits), 0) AS client_group_bits,
           coalesce(bit_or(x.setting_bits), 0) AS setting_bits,
           coalesce(bit_or(x.region_bits), 0) AS region_bits,
           coalesce(bool_or(x.accepting_referrals), false) AS accepting_referrals
    FROM directory_search_service x WHERE x.organisation_id = o.id
) AS sv
CROSS JOIN LATERAL (
    SELECT max(x.nesta_level) AS best_level, count(*) AS items,
           count(*) FILTER (WHERE x.kind = 'jdl') AS jdl,
           coalesce(bool_or(x.verified_by_moderator), false) AS verified
    FROM directory_evidenceitem x WHERE x.organisation_id = o.id
) AS e
"""

# The taxonomy terms of an organisation's services, by their tables: (link table, its term
# column, the term table).
SERVICE_TERMS = [
    ("directory_service_pathways", "pathway_id", "directory_pathway"),
    ("directory_service_client_groups", "clientgroup_id", "directory_clientgroup"),
    ("directory_service_settings", "deliverysetting_id", "directory_deliverysetting"),
    ("directory_service_regions", "region_id", "directory_region"),
]
_TERM_NAMES = " || ' ' || ".join(
    f"coalesce((SELECT string_agg(t.name, ' ') FROM directory_service ts JOIN {link} l "
    f"ON l.service_id = ts.id JOIN {terms} t ON t.id = l.{column} "
    "WHERE ts.organisation_id = o.id), '')"
    for link, column, terms in SERVICE_TERMS
)

# Quoted phrases (stop words included) are matched in a vector of the same text in the
# `simple` configuration: every word as written, nothing stemmed or left out, apostrophes made
# one and possessives dropped as search_query.normalise_text does ("women's" is women). Its
# weights tell the parts apart, so one vector stands for the three english ones: A the name;
# B the summary and service names; C service descriptions; D the description and term names.
PHRASE_CONFIG = "simple"
# Apostrophes of every kind made one (search_query._APOSTROPHES), in SQL quoting.
_APOSTROPHES = "'’‘ʼ`´′'"
_ONE_APOSTROPHE = "'" + "''" * len("’‘ʼ`´′") + "'"


def phrase_text(expression: str) -> str:
    """`expression` as search_query.normalise_text reads it (possessives and inner
    apostrophes dropped: "women's" is women, "don't" dont)."""
    unified = f"translate(lower({expression}), {_APOSTROPHES}, {_ONE_APOSTROPHE})"
    without_possessives = f"regexp_replace({unified}, '(\\w)''s\\M', '\\1', 'g')"
    return f"regexp_replace({without_possessives}, '(\\w)''(\\w)', '\\1\\2', 'g')"


def _phrase_part(expression: str, weight: str) -> str:
    return f"setweight(to_tsvector('{PHRASE_CONFIG}', {phrase_text(expression)}), '{weight}')"


PHRASE_VECTOR = "\n        || ".join(
    [
        _phrase_part("o.name", "A"),
        _phrase_part("o.summary || ' ' || coalesce(sv.names, '')", "B"),
        _phrase_part("coalesce(sv.descriptions, '')", "C"),
        _phrase_part(f"o.description || ' ' || {_TERM_NAMES}", "D"),
    ]
)

# Weights: name A; summary and service names B; service descriptions B; description C, with
# the services' term names, so that a query naming a region, pathway or group ("Yorkshire",
# "women") finds the organisations serving it.
TEXT_SOURCE = f"""
CREATE VIEW directory_search_text_source AS
SELECT
    o.id AS organisation_id,
    to_tsvector('english', o.name) AS name_vector,
    setweight(to_tsvector('english', o.name), 'A')
        || setweight(to_tsvector('english', o.summary || ' ' || coalesce(sv.names, '')), 'B')
        AS head_vector,
    setweight(to_tsvector('english', o.name), 'A')
        || setweight(to_tsvector('english', o.summary || ' ' || coalesce(sv.texts, '')), 'B')
        || setweight(to_tsvector('english', o.description || ' ' || {_TERM_NAMES}), 'C')
        AS search_vector,
    {PHRASE_VECTOR} AS phrase_vector
FROM directory_organisation AS o
CROSS JOIN LATERAL (
    SELECT string_agg(x.name, ' ' ORDER BY x.position, x.id) AS names,
           string_agg(x.name || ' ' || x.description, ' ' ORDER BY x.position, x.id) AS texts,
           string_agg(x.description, ' ' ORDER BY x.position, x.id) AS descriptions
    FROM directory_service x WHERE x.organisation_id = o.id
) AS sv
"""

# The delivery locations with a place, with what sorting by distance needs of their
# organisation (so that the nearest need not be looked up through services and organisations).
LOCATION_SOURCE = """
CREATE VIEW directory_search_location_source AS
SELECT
    l.id AS location_id,
    l.service_id,
    s.organisation_id,
    o.status = 'published' AS published,
    o.freshness_stage = 'hidden' AS hidden,
    o.name,
    l.latitude,
    l.longitude
FROM directory_deliverylocation AS l
JOIN directory_service AS s ON s.id = l.service_id
JOIN directory_organisation AS o ON o.id = s.organisation_id
WHERE l.latitude IS NOT NULL AND l.longitude IS NOT NULL
"""

DOCUMENT_COLUMNS = [
    "published",
    "hidden",
    "name",
    "last_verified_at",
    "legal_form_bits",
    "income_band_bits",
    "partnership_role_bits",
    "quality_mark_bits",
    "offered_role_bits",
    "sought_role_bits",
    "pathway_bits",
    "client_group_bits",
    "setting_bits",
    "region_bits",
    "accepting_referrals",
    "open_to_partnership",
    "lived_experience_led",
    "has_verified_evidence",
    "evidence_level",
    "evidence_count",
    "jdl_count",
    "registered_only_elsewhere",
    "based_region_bits",
    "based_latitude",
    "based_longitude",
]
SERVICE_COLUMNS = [
    "organisation_id",
    "pathway_bits",
    "client_group_bits",
    "setting_bits",
    "region_bits",
    "accepting_referrals",
    "pathway_numbers",
    "client_group_numbers",
    "setting_numbers",
    "region_numbers",
]


_NULLABLE = {"last_verified_at", "based_latitude", "based_longitude"}


def _column_definitions(columns: list[str]) -> str:
    types = {
        "published": "boolean",
        "hidden": "boolean",
        "name": "varchar(200)",
        "last_verified_at": "timestamptz",
        "accepting_referrals": "boolean",
        "open_to_partnership": "boolean",
        "lived_experience_led": "boolean",
        "has_verified_evidence": "boolean",
        "evidence_level": "smallint",
        "evidence_count": "integer",
        "jdl_count": "integer",
        "registered_only_elsewhere": "boolean",
        "based_latitude": "double precision",
        "based_longitude": "double precision",
        "organisation_id": "bigint",
        "pathway_numbers": "smallint[]",
        "client_group_numbers": "smallint[]",
        "setting_numbers": "smallint[]",
        "region_numbers": "smallint[]",
    }
    return ",\n".join(
        f"{column} {types.get(column, 'bigint')}" + ("" if column in _NULLABLE else " NOT NULL")
        for column in columns
    )


TABLES = [
    "CREATE SEQUENCE directory_search_version",
    """
    CREATE TABLE directory_search_bit (
        taxonomy text NOT NULL,
        term_id bigint NOT NULL,
        bit smallint NOT NULL CHECK (bit BETWEEN 0 AND 62),
        PRIMARY KEY (taxonomy, term_id),
        UNIQUE (taxonomy, bit)
    )
    """,
    *(
        f"INSERT INTO directory_search_bit (taxonomy, term_id, bit) "
        f"SELECT '{taxonomy}', id, row_number() OVER (ORDER BY id) - 1 FROM {table}"
        for taxonomy, table in TAXONOMIES
    ),
    f"""
    CREATE TABLE directory_search_service (
        service_id bigint PRIMARY KEY,
        {_column_definitions(SERVICE_COLUMNS)}
    )
    """,
    f"""
    CREATE TABLE directory_search_document (
        organisation_id bigint PRIMARY KEY,
        version bigint NOT NULL,
        {_column_definitions(DOCUMENT_COLUMNS)}
    )
    """,
    """
    CREATE TABLE directory_search_location (
        location_id bigint PRIMARY KEY,
        service_id bigint NOT NULL,
        organisation_id bigint NOT NULL,
        published boolean NOT NULL,
        hidden boolean NOT NULL,
        name varchar(200) NOT NULL,
        latitude double precision NOT NULL,
        longitude double precision NOT NULL
    )
    """,
    """
    CREATE TABLE directory_search_text (
        organisation_id bigint PRIMARY KEY,
        name_vector tsvector NOT NULL,
        head_vector tsvector NOT NULL,
        search_vector tsvector NOT NULL,
        phrase_vector tsvector NOT NULL
    )
    """,
    # One row per transaction that refreshed documents (its commit numbers them).
    "CREATE TABLE directory_search_pending (transaction_id bigint PRIMARY KEY)",
    # The vocabulary that misspelt words are corrected from (spelling.py): each word and the
    # number of organisations using it, counted by directory_search_count_words; and the
    # words a refresh found that were not counted yet (plain inserts, so no edit waits).
    'CREATE TABLE directory_search_word (word text COLLATE "C" PRIMARY KEY, uses integer NOT NULL)',
    'CREATE TABLE directory_search_new_word (word text COLLATE "C" NOT NULL)',
    # Before the first fill: the documents read their services by organisation.
    "CREATE INDEX directory_search_service_org ON directory_search_service (organisation_id)",
    SERVICE_SOURCE,
    DOCUMENT_SOURCE,
    TEXT_SOURCE,
    LOCATION_SOURCE,
]


# The vocabulary's source: the names, summaries and service names (phrase_vector's A and B
# parts) of the published organisations; its words are of letters only, three or more.
_VOCABULARY_VECTORS = (
    "SELECT ts_filter(t.phrase_vector, '{a,b}') AS vector FROM directory_search_text t "
    "JOIN directory_search_document d ON d.organisation_id = t.organisation_id WHERE d.published"
)
_VOCABULARY_WORD = "length(word) >= 3 AND word ~ '^[[:alpha:]]+$'"


_DOCUMENT_LIST = ", ".join(DOCUMENT_COLUMNS)
_DOCUMENT_UPDATES = ", ".join(f"{c} = EXCLUDED.{c}" for c in ["version", *DOCUMENT_COLUMNS])
_SERVICE_UPDATES = ", ".join(f"{c} = EXCLUDED.{c}" for c in SERVICE_COLUMNS)

FUNCTIONS = [
    # Count the vocabulary afresh (run by a timer: manage.py count_search_words). One
    # statement, so one snapshot: the new words it clears are those it counted. Counting
    # takes the time; the upsert that locks the rows is short, and edits never lock them.
    f"""
    CREATE FUNCTION directory_search_count_words() RETURNS bigint
    LANGUAGE sql AS $$
    WITH counted AS MATERIALIZED (
        SELECT word, ndoc AS uses
        FROM ts_stat('{_VOCABULARY_VECTORS.replace("'", "''")}')
        WHERE {_VOCABULARY_WORD}
    ), cleared AS (
        DELETE FROM directory_search_new_word
    ), gone AS (
        DELETE FROM directory_search_word x
        WHERE NOT EXISTS (SELECT 1 FROM counted c WHERE c.word = x.word)
    ), upserted AS (
        INSERT INTO directory_search_word (word, uses)
        SELECT word, uses FROM counted ORDER BY word
        ON CONFLICT (word) DO UPDATE SET uses = EXCLUDED.uses
        WHERE directory_search_word.uses <> EXCLUDED.uses
    )
    SELECT count(*) FROM counted
    $$
    """,
    # At the commit of a transaction that refreshed documents: their numbers, in commit order.
    f"""
    CREATE FUNCTION directory_search_number_versions() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_advisory_xact_lock({NUMBERING_LOCK});
        UPDATE directory_search_document SET version = nextval('directory_search_version')
        WHERE version < 0;
        DELETE FROM directory_search_pending WHERE transaction_id = NEW.transaction_id;
        RETURN NULL;
    END $$
    """,
    # ids NULL: rebuild everything (after a bulk load). Otherwise refresh those organisations;
    # one that no longer exists keeps an unpublished document, so that the version still moves.
    # Versions are provisional (negative) until the transaction commits (number_versions).
    f"""
    CREATE FUNCTION directory_refresh_search_documents(ids bigint[]) RETURNS bigint
    LANGUAGE plpgsql AS $$
    DECLARE
        refreshed bigint;
    BEGIN
        INSERT INTO directory_search_pending (transaction_id)
        VALUES (txid_current()) ON CONFLICT DO NOTHING;
        IF ids IS NULL THEN
            TRUNCATE directory_search_service, directory_search_document, directory_search_text,
                directory_search_location;
            INSERT INTO directory_search_service SELECT * FROM directory_search_service_source;
            INSERT INTO directory_search_document (organisation_id, version, {_DOCUMENT_LIST})
            SELECT organisation_id, -nextval('directory_search_version'), {_DOCUMENT_LIST}
            FROM directory_search_document_source;
            GET DIAGNOSTICS refreshed = ROW_COUNT;
            INSERT INTO directory_search_text SELECT * FROM directory_search_text_source;
            INSERT INTO directory_search_location
            SELECT * FROM directory_search_location_source;
            PERFORM directory_search_count_words();
            RETURN refreshed;
        END IF;
        DELETE FROM directory_search_service WHERE organisation_id = ANY(ids);
        INSERT INTO directory_search_service
        SELECT * FROM directory_search_service_source WHERE organisation_id = ANY(ids)
        ON CONFLICT (service_id) DO UPDATE SET {_SERVICE_UPDATES};
        INSERT INTO directory_search_document (organisation_id, version, {_DOCUMENT_LIST})
        SELECT organisation_id, -nextval('directory_search_version'), {_DOCUMENT_LIST}
        FROM directory_search_document_source WHERE organisation_id = ANY(ids)
        ON CONFLICT (organisation_id) DO UPDATE SET {_DOCUMENT_UPDATES};
        GET DIAGNOSTICS refreshed = ROW_COUNT;
        INSERT INTO directory_search_text
        SELECT * FROM directory_search_text_source WHERE organisation_id = ANY(ids)
        ON CONFLICT (organisation_id) DO UPDATE SET name_vector = EXCLUDED.name_vector,
            head_vector = EXCLUDED.head_vector, search_vector = EXCLUDED.search_vector,
            phrase_vector = EXCLUDED.phrase_vector;
        UPDATE directory_search_document AS d
        SET published = false, version = -nextval('directory_search_version')
        WHERE d.organisation_id = ANY(ids) AND d.published
          AND NOT EXISTS (SELECT 1 FROM directory_organisation o WHERE o.id = d.organisation_id);
        DELETE FROM directory_search_location WHERE organisation_id = ANY(ids);
        INSERT INTO directory_search_location
        SELECT * FROM directory_search_location_source WHERE organisation_id = ANY(ids)
        ON CONFLICT (location_id) DO UPDATE SET service_id = EXCLUDED.service_id,
            organisation_id = EXCLUDED.organisation_id, published = EXCLUDED.published,
            hidden = EXCLUDED.hidden, name = EXCLUDED.name, latitude = EXCLUDED.latitude,
            longitude = EXCLUDED.longitude;
        DELETE FROM directory_search_text AS t
        WHERE t.organisation_id = ANY(ids)
          AND NOT EXISTS (SELECT 1 FROM directory_organisation o WHERE o.id = t.organisation_id);
        -- A word no count has seen is offered as a correction at once (counted later).
        INSERT INTO directory_search_new_word (word)
        SELECT DISTINCT u.word
        FROM ({_VOCABULARY_VECTORS} AND t.organisation_id = ANY(ids)) AS v,
            unnest(tsvector_to_array(v.vector)) AS u(word)
        WHERE {_VOCABULARY_WORD}
          AND NOT EXISTS (SELECT 1 FROM directory_search_word x WHERE x.word = u.word)
          AND NOT EXISTS (SELECT 1 FROM directory_search_new_word n WHERE n.word = u.word);
        RETURN refreshed;
    END $$
    """,
    # Statement-level: TG_ARGV[0] selects the organisation ids a statement touched from its
    # transition tables. A bulk load sets directory.defer_search_documents and rebuilds after.
    """
    CREATE FUNCTION directory_search_documents_changed() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
        ids bigint[];
    BEGIN
        IF coalesce(current_setting('directory.defer_search_documents', true), '') = 'on' THEN
            RETURN NULL;
        END IF;
        EXECUTE format(
            'SELECT array_agg(DISTINCT id) FROM (%s) AS changed_ids(id) WHERE id IS NOT NULL',
            TG_ARGV[0]
        ) INTO ids;
        IF ids IS NOT NULL THEN
            PERFORM directory_refresh_search_documents(ids);
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION directory_search_documents_truncated() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        TRUNCATE directory_search_service, directory_search_document, directory_search_text,
            directory_search_location, directory_search_word, directory_search_new_word;
        RETURN NULL;
    END $$
    """,
    # A new term takes the lowest bit its taxonomy has free (TG_ARGV[0]: the taxonomy); a
    # deleted one gives its bit back (its links went first, refreshing the documents).
    """
    CREATE FUNCTION directory_search_bits_added() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
        term bigint;
        free smallint;
    BEGIN
        FOR term IN SELECT id FROM added ORDER BY id LOOP
            SELECT min(b) INTO free FROM generate_series(0, 62) AS b
            WHERE NOT EXISTS (
                SELECT 1 FROM directory_search_bit x WHERE x.taxonomy = TG_ARGV[0] AND x.bit = b
            );
            IF free IS NULL THEN
                RAISE EXCEPTION 'The search keeps at most 63 terms in the % taxonomy', TG_ARGV[0];
            END IF;
            INSERT INTO directory_search_bit (taxonomy, term_id, bit)
            VALUES (TG_ARGV[0], term, free);
        END LOOP;
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION directory_search_bits_truncated() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM directory_search_bit WHERE taxonomy = TG_ARGV[0];
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION directory_search_bits_removed() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM directory_search_bit
        WHERE taxonomy = TG_ARGV[0] AND term_id IN (SELECT id FROM removed);
        RETURN NULL;
    END $$
    """,
]

# (table, query for the touched organisation ids from `changed`, and from `old_changed` too
# on UPDATE when the organisation can change).
SOURCES = [
    ("directory_organisation", "SELECT id FROM changed", None),
    (
        "directory_service",
        "SELECT organisation_id FROM changed",
        "SELECT organisation_id FROM old_changed",
    ),
    *(
        (
            f"directory_service_{relation}",
            "SELECT s.organisation_id FROM changed c "
            "JOIN directory_service s ON s.id = c.service_id",
            "SELECT s.organisation_id FROM old_changed c "
            "JOIN directory_service s ON s.id = c.service_id",
        )
        for relation in ("pathways", "client_groups", "settings", "regions")
    ),
    ("directory_organisation_partnership_roles", "SELECT organisation_id FROM changed", None),
    ("directory_organisation_quality_marks", "SELECT organisation_id FROM changed", None),
    (
        "directory_evidenceitem",
        "SELECT organisation_id FROM changed",
        "SELECT organisation_id FROM old_changed",
    ),
    (
        "directory_deliverylocation",
        "SELECT s.organisation_id FROM changed c JOIN directory_service s ON s.id = c.service_id",
        "SELECT s.organisation_id FROM old_changed c "
        "JOIN directory_service s ON s.id = c.service_id",
    ),
    (
        "consortia_partnershipinterest",
        "SELECT organisation_id FROM changed",
        "SELECT organisation_id FROM old_changed",
    ),
]


def _quote(sql: str) -> str:
    return "'" + sql.replace("'", "''") + "'"


def _triggers() -> list[str]:
    statements = []
    for table, changed, old_changed in SOURCES:
        for event, reference in [
            ("INSERT", "NEW TABLE AS changed"),
            ("DELETE", "OLD TABLE AS changed"),
        ]:
            statements.append(
                f"CREATE TRIGGER {table}_search_{event.lower()} AFTER {event} ON {table} "
                f"REFERENCING {reference} FOR EACH STATEMENT "
                f"EXECUTE FUNCTION directory_search_documents_changed({_quote(changed)})"
            )
        update_query = f"{changed} UNION ALL {old_changed}" if old_changed else changed
        statements.append(
            f"CREATE TRIGGER {table}_search_update AFTER UPDATE ON {table} "
            "REFERENCING OLD TABLE AS old_changed NEW TABLE AS changed FOR EACH STATEMENT "
            f"EXECUTE FUNCTION directory_search_documents_changed({_quote(update_query)})"
        )
    for table in ("directory_organisation", "directory_service"):
        statements.append(
            f"CREATE TRIGGER {table}_search_truncate AFTER TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION directory_search_documents_truncated()"
        )
    for taxonomy, table in TAXONOMIES:
        statements += [
            # Flushing a test database truncates the terms: their bits go with them.
            f"CREATE TRIGGER {table}_search_bits_truncate AFTER TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION directory_search_bits_truncated('{taxonomy}')",
            f"CREATE TRIGGER {table}_search_bits_insert AFTER INSERT ON {table} "
            "REFERENCING NEW TABLE AS added FOR EACH STATEMENT "
            f"EXECUTE FUNCTION directory_search_bits_added('{taxonomy}')",
            f"CREATE TRIGGER {table}_search_bits_delete AFTER DELETE ON {table} "
            "REFERENCING OLD TABLE AS removed FOR EACH STATEMENT "
            f"EXECUTE FUNCTION directory_search_bits_removed('{taxonomy}')",
        ]
    statements.append(
        "CREATE CONSTRAINT TRIGGER directory_search_pending_number AFTER INSERT "
        "ON directory_search_pending DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
        "EXECUTE FUNCTION directory_search_number_versions()"
    )
    return statements


SORT_NAME = "regexp_replace(lower(name), '^the ', '')"

INDEXES = [
    "CREATE INDEX directory_search_service_terms ON directory_search_service USING gin "
    "(pathway_numbers, client_group_numbers, setting_numbers, region_numbers)",
    "CREATE INDEX directory_search_document_version ON directory_search_document (version)",
    "CREATE INDEX directory_search_document_name_trgm ON directory_search_document "
    "USING gin (name gin_trgm_ops)",
    "CREATE INDEX directory_search_document_lower_name ON directory_search_document (lower(name))",
    # The A to Z order of names ignoring case and a leading "The" (document_search.SORT_NAME_SQL).
    "CREATE INDEX directory_search_document_name ON directory_search_document "
    f"(({SORT_NAME}), organisation_id) WHERE published",
    "CREATE INDEX directory_search_document_verified ON directory_search_document "
    f"(last_verified_at DESC NULLS LAST, ({SORT_NAME}), organisation_id) WHERE published",
    # Names like a new registration's (registration.selectors' duplicate check).
    "CREATE INDEX org_name_trgm_gin ON directory_organisation USING gin (name gin_trgm_ops)",
    "CREATE INDEX directory_search_text_name ON directory_search_text USING gin (name_vector)",
    "CREATE INDEX directory_search_text_head ON directory_search_text USING gin (head_vector)",
    "CREATE INDEX directory_search_text_all ON directory_search_text USING gin (search_vector)",
    "CREATE INDEX directory_search_text_phrase ON directory_search_text USING gin (phrase_vector)",
    # Covering: a postcode search reads the locations within its box from the index alone.
    "CREATE INDEX directory_search_location_place ON directory_search_location "
    "(latitude, longitude) INCLUDE (organisation_id, published, hidden, name)",
    "CREATE INDEX directory_search_location_org ON directory_search_location (organisation_id)",
    "CREATE INDEX directory_search_document_based_place ON directory_search_document "
    "(based_latitude, based_longitude) WHERE based_latitude IS NOT NULL",
    "CREATE INDEX directory_search_new_word_word ON directory_search_new_word (word)",
]

BACKWARDS = [
    *(
        f"DROP TRIGGER IF EXISTS {table}_search_{event} ON {table}"
        for table, _, _ in SOURCES
        for event in ("insert", "delete", "update")
    ),
    "DROP TRIGGER IF EXISTS directory_organisation_search_truncate ON directory_organisation",
    "DROP TRIGGER IF EXISTS directory_service_search_truncate ON directory_service",
    *(
        f"DROP TRIGGER IF EXISTS {table}_search_bits_{event} ON {table}"
        for _, table in TAXONOMIES
        for event in ("insert", "delete", "truncate")
    ),
    "DROP FUNCTION IF EXISTS directory_search_bits_truncated()",
    "DROP FUNCTION IF EXISTS directory_search_bits_removed()",
    "DROP FUNCTION IF EXISTS directory_search_bits_added()",
    "DROP FUNCTION IF EXISTS directory_search_documents_truncated()",
    "DROP FUNCTION IF EXISTS directory_search_documents_changed()",
    "DROP FUNCTION IF EXISTS directory_refresh_search_documents(bigint[])",
    "DROP FUNCTION IF EXISTS directory_search_number_versions() CASCADE",
    "DROP FUNCTION IF EXISTS directory_search_count_words()",
    "DROP INDEX IF EXISTS org_name_trgm_gin",
    "DROP VIEW IF EXISTS directory_search_location_source",
    "DROP VIEW IF EXISTS directory_search_text_source",
    "DROP VIEW IF EXISTS directory_search_document_source",
    "DROP VIEW IF EXISTS directory_search_service_source",
    "DROP TABLE IF EXISTS directory_search_location",
    "DROP TABLE IF EXISTS directory_search_text",
    "DROP TABLE IF EXISTS directory_search_document",
    "DROP TABLE IF EXISTS directory_search_service",
    "DROP TABLE IF EXISTS directory_search_bit",
    "DROP TABLE IF EXISTS directory_search_pending",
    "DROP TABLE IF EXISTS directory_search_word",
    "DROP TABLE IF EXISTS directory_search_new_word",
    "DROP SEQUENCE IF EXISTS directory_search_version",
]


def _execute(schema_editor, statements) -> None:
    # Without parameters, so that the % of format() strings reaches PostgreSQL as it is.
    with schema_editor.connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def create(schema_editor) -> None:
    """Create the search tables, functions, triggers and indexes of this database's engine."""
    if schema_editor.connection.vendor == "sqlite":
        _execute(schema_editor, [SQLITE_TEXT_INDEX])
    if schema_editor.connection.vendor != "postgresql":
        return
    # Fill before indexing: one sorted build per index is far quicker than row by row.
    _execute(
        schema_editor,
        [
            "CREATE EXTENSION IF NOT EXISTS pg_trgm",
            *TABLES,
            *FUNCTIONS,
            "SELECT directory_refresh_search_documents(NULL)",
            *INDEXES,
            *_triggers(),
            "ANALYZE directory_search_bit",
            "ANALYZE directory_search_service",
            "ANALYZE directory_search_document",
            "ANALYZE directory_search_text",
            "ANALYZE directory_search_location",
            "ANALYZE directory_search_word",
        ],
    )


def index_rebuild(schema_editor, name: str) -> None:
    """Build the index `name` again as INDEXES now declares it (for a migration that changes
    its definition in this module)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    [statement] = [each for each in INDEXES if f" INDEX {name} ON " in each]
    _execute(schema_editor, [f"DROP INDEX IF EXISTS {name}", statement])


def drop(schema_editor) -> None:
    """Drop what `create` made."""
    if schema_editor.connection.vendor == "sqlite":
        _execute(schema_editor, [f"DROP TABLE IF EXISTS {FTS_TABLE}"])
    if schema_editor.connection.vendor == "postgresql":
        _execute(schema_editor, BACKWARDS)
