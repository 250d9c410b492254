"""The search's tables, functions, triggers and indexes, as directory.search.schema declares them."""

from django.db import migrations

from directory.search import schema


def create(apps, schema_editor):
    schema.create(schema_editor)


def drop(apps, schema_editor):
    schema.drop(schema_editor)


class Migration(migrations.Migration):
    # The triggers read the organisations' tables (partnership interests among them).
    dependencies = [("directory", "0001_initial"), ("search", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
