"""What an organisation's own entry says, for search: Organisation.based_region (the
Probation Service region of its own postcode), filled here; and on PostgreSQL's search
documents, that region's bit and whether it is registered only in Scotland or Northern Ireland
(place_selectors.registered_only_elsewhere), so that each search path reads one column."""

import importlib

import django.db.models.deletion
from django.db import migrations, models

search_documents = importlib.import_module(
    "directory.organisations.migrations.0015_search_documents"
)
commit_order = importlib.import_module(
    "directory.organisations.migrations.0016_search_versions_in_commit_order"
)

COLUMN = "registered_only_elsewhere"
BASED = "based_region_bits"
# A Scottish or Northern Irish number (Companies House prefixes SC, SO, SL; NI, NC, R0) and no
# England and Wales charity number or company number (two digits first).
EXPRESSION = (
    "(o.charity_number_scotland <> '' OR o.charity_number_ni <> '' "
    "OR left(o.company_number, 2) IN ('SC', 'SO', 'SL', 'NI', 'NC', 'R0')) "
    "AND o.charity_number_ew = '' AND o.company_number !~ '^[0-9]{2}'"
)
_LAST_COLUMN = "    e.jdl::integer AS jdl_count\n"
_SOURCE = search_documents.DOCUMENT_SOURCE.replace("CREATE VIEW", "CREATE OR REPLACE VIEW", 1)
SOURCE = _SOURCE.replace(
    _LAST_COLUMN,
    f"    e.jdl::integer AS jdl_count,\n    {EXPRESSION} AS {COLUMN},\n"
    f"    {search_documents._term_bit('region', 'o.based_region_id')} AS {BASED}\n",
    1,
)
_LIST = search_documents._DOCUMENT_LIST
_UPDATES = search_documents._DOCUMENT_UPDATES
REFRESH = commit_order.REFRESH.replace(_LIST, f"{_LIST}, {COLUMN}, {BASED}").replace(
    _UPDATES, f"{_UPDATES}, {COLUMN} = EXCLUDED.{COLUMN}, {BASED} = EXCLUDED.{BASED}"
)
assert SOURCE != _SOURCE and REFRESH.count(COLUMN) == REFRESH.count(BASED) == 6

FORWARD = [
    f"ALTER TABLE directory_search_document ADD COLUMN {COLUMN} boolean NOT NULL DEFAULT false",
    f"ALTER TABLE directory_search_document ADD COLUMN {BASED} bigint NOT NULL DEFAULT 0",
    SOURCE,
    REFRESH,
    f"UPDATE directory_search_document d SET {COLUMN} = s.{COLUMN}, {BASED} = s.{BASED} "
    f"FROM directory_search_document_source s "
    f"WHERE s.organisation_id = d.organisation_id AND (s.{COLUMN} OR s.{BASED} <> 0)",
]
BACKWARD = [
    commit_order.REFRESH,
    "DROP VIEW directory_search_document_source",
    search_documents.DOCUMENT_SOURCE,
    f"ALTER TABLE directory_search_document DROP COLUMN {COLUMN}",
    f"ALTER TABLE directory_search_document DROP COLUMN {BASED}",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            with schema_editor.connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)

    return run


def fill_based_regions(apps, schema_editor):
    """Each organisation's based_region from its postcode (as models.based_region_ids)."""
    from directory.organisations import geo

    organisation = apps.get_model("directory", "Organisation")
    regions = dict(
        apps.get_model("directory", "Region")
        .objects.filter(is_national=False)
        .values_list("slug", "pk")
    )
    postcodes: dict[int, list[str]] = {}
    for postcode in organisation.objects.exclude(postcode="").values_list("postcode", flat=True):
        try:
            place = geo.postcode_place(postcode)
        except geo.PostcodeError:
            continue
        if place and place[1] in regions:
            postcodes.setdefault(regions[place[1]], []).append(postcode)
    for region_id, listed in postcodes.items():
        organisation.objects.filter(postcode__in=set(listed)).update(based_region_id=region_id)


class Migration(migrations.Migration):
    dependencies = [("directory", "0022_registers_name_sort_indexes")]

    operations = [
        migrations.AddField(
            model_name="historicalorganisation",
            name="based_region",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="directory.region",
            ),
        ),
        migrations.AddField(
            model_name="organisation",
            name="based_region",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="based_organisations",
                to="directory.region",
            ),
        ),
        migrations.RunPython(fill_based_regions, migrations.RunPython.noop),
        migrations.RunPython(_run(FORWARD), _run(BACKWARD)),
    ]
