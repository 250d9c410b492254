from django.db import migrations

# (domain, include_subdomains): addresses at these domains belong to the public sector.
PUBLIC_SECTOR_DOMAINS = [
    ("justice.gov.uk", True),
    ("gov.uk", True),
    ("police.uk", True),
    ("nhs.net", False),
    ("nhs.uk", True),
    ("gov.wales", False),
    ("llyw.cymru", False),
]


def seed(apps, schema_editor):
    PublicSectorDomain = apps.get_model("accounts", "PublicSectorDomain")
    for domain, include_subdomains in PUBLIC_SECTOR_DOMAINS:
        PublicSectorDomain.objects.get_or_create(
            domain=domain, defaults={"include_subdomains": include_subdomains}
        )


def unseed(apps, schema_editor):
    PublicSectorDomain = apps.get_model("accounts", "PublicSectorDomain")
    PublicSectorDomain.objects.filter(domain__in=[d for d, _ in PUBLIC_SECTOR_DOMAINS]).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_initial")]

    operations = [migrations.RunPython(seed, unseed)]
