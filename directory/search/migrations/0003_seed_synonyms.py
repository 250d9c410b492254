"""The domain's synonym groups, as data that moderators keep in the admin."""

from django.db import migrations

SYNONYMS = [
    ["housing", "accommodation", "homes"],
    [
        "ex-offender",
        "offender",
        "prison leaver",
        "people with convictions",
        "people in contact with the justice system",
    ],
    ["reoffending", "recidivism"],
    ["mentoring", "befriending", "peer support"],
    ["employment", "jobs", "work"],
    ["drugs", "substance misuse", "addiction"],
    ["probation", "community sentence"],
]


def seed_synonyms(apps, schema_editor):
    SearchSynonym = apps.get_model("search", "SearchSynonym")
    if SearchSynonym.objects.exists():
        return
    SearchSynonym.objects.bulk_create(SearchSynonym(terms="\n".join(group)) for group in SYNONYMS)


class Migration(migrations.Migration):
    dependencies = [("search", "0002_search_schema")]

    operations = [migrations.RunPython(seed_synonyms, migrations.RunPython.noop)]
