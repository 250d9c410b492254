"""Where an organisation's own postcode is: Organisation.latitude and longitude, filled here
from the postcode table; and on PostgreSQL's search documents, the same coordinates of the
organisations that list no delivery locations (based_latitude, based_longitude: NULL for the
others), so that a postcode search finds those by their own address."""

import importlib

from django.db import migrations, models

search_documents = importlib.import_module("directory.migrations.0015_search_documents")
based = importlib.import_module("directory.migrations.0023_based_own_address_in_search")

OWN_PLACE_COLUMNS = ("based_latitude", "based_longitude")
# The organisation lists no delivery location (geocoded or not) on any of its services.
NO_DELIVERY_LOCATIONS = (
    "NOT EXISTS (SELECT 1 FROM directory_deliverylocation x "
    "JOIN directory_service y ON y.id = x.service_id WHERE y.organisation_id = o.id)"
)
OWN_PLACE_EXPRESSIONS = (
    f"CASE WHEN {NO_DELIVERY_LOCATIONS} THEN o.latitude END",
    f"CASE WHEN {NO_DELIVERY_LOCATIONS} THEN o.longitude END",
)
_LAST_COLUMN = f" AS {based.BASED}\n"
SOURCE = based.SOURCE.replace(
    _LAST_COLUMN,
    f" AS {based.BASED},\n"
    + ",\n".join(
        f"    {expression} AS {column}"
        for expression, column in zip(OWN_PLACE_EXPRESSIONS, OWN_PLACE_COLUMNS, strict=True)
    )
    + "\n",
    1,
)
# The column lists end with based_region_bits (and a bracket or a line break).
_LIST = f"{based.COLUMN}, {based.BASED}"
_UPDATES = f"{based.BASED} = EXCLUDED.{based.BASED}"
REFRESH = based.REFRESH.replace(
    _UPDATES, ", ".join([_UPDATES, *(f"{c} = EXCLUDED.{c}" for c in OWN_PLACE_COLUMNS)])
)
for _end in (")", "\n"):
    REFRESH = REFRESH.replace(_LIST + _end, ", ".join([_LIST, *OWN_PLACE_COLUMNS]) + _end)
assert SOURCE != based.SOURCE and all(REFRESH.count(c) == 6 for c in OWN_PLACE_COLUMNS)
OWN_PLACE_INDEX = (
    "CREATE INDEX directory_search_document_based_place ON directory_search_document "
    "(based_latitude, based_longitude) WHERE based_latitude IS NOT NULL"
)

FORWARD = [
    *(
        f"ALTER TABLE directory_search_document ADD COLUMN {column} double precision"
        for column in OWN_PLACE_COLUMNS
    ),
    SOURCE,
    REFRESH,
    "UPDATE directory_search_document d SET "
    + ", ".join(f"{c} = s.{c}" for c in OWN_PLACE_COLUMNS)
    + " FROM directory_search_document_source s "
    "WHERE s.organisation_id = d.organisation_id AND s.based_latitude IS NOT NULL",
    OWN_PLACE_INDEX,
]
BACKWARD = [
    based.REFRESH,
    "DROP VIEW directory_search_document_source",
    based.SOURCE,
    *(f"ALTER TABLE directory_search_document DROP COLUMN {c}" for c in OWN_PLACE_COLUMNS),
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            search_documents._execute(schema_editor, statements)

    return run


def fill_own_address_coordinates(apps, schema_editor):
    """Each organisation's coordinates from its postcode (as models.own_address_places)."""
    from directory import geo

    organisation = apps.get_model("directory", "Organisation")
    postcodes = organisation.objects.exclude(postcode="").values_list("postcode", flat=True)
    for postcode in set(postcodes):
        try:
            place = geo.postcode_place(postcode)
        except geo.PostcodeError:
            continue
        if place and place.latitude is not None:
            organisation.objects.filter(postcode=postcode).update(
                latitude=place.latitude, longitude=place.longitude
            )


class Migration(migrations.Migration):
    dependencies = [("directory", "0023_based_own_address_in_search")]

    operations = [
        *(
            migrations.AddField(
                model_name=model,
                name=name,
                field=models.FloatField(blank=True, editable=False, null=True),
            )
            for model in ("historicalorganisation", "organisation")
            for name in ("latitude", "longitude")
        ),
        migrations.AddConstraint(
            model_name="organisation",
            constraint=models.CheckConstraint(
                condition=models.Q(latitude__isnull=True, longitude__isnull=True)
                | models.Q(
                    latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180
                ),
                name="organisation_own_address_place",
            ),
        ),
        migrations.RunPython(fill_own_address_coordinates, migrations.RunPython.noop),
        migrations.RunPython(_run(FORWARD), _run(BACKWARD)),
    ]
