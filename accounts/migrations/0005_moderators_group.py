from django.db import migrations

# Kept in step with accounts.models.MODERATORS_GROUP (migrations must not import models).
MODERATORS_GROUP = "Moderators"


def create_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name=MODERATORS_GROUP)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_seed_public_sector_domains"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_group, migrations.RunPython.noop)]
