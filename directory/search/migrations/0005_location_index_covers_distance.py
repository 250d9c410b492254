"""The locations' place index also holds what a postcode search reads (schema.INDEXES)."""

from django.db import migrations

from directory.search import schema

INDEX = "directory_search_location_place"


def rebuild(apps, schema_editor):
    schema.index_rebuild(schema_editor, INDEX)


class Migration(migrations.Migration):
    dependencies = [("search", "0004_saved_searches_plural")]

    # Backwards the covering index stays: it serves every query the narrower one did.
    operations = [migrations.RunPython(rebuild, migrations.RunPython.noop)]
