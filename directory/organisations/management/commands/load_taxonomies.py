import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from directory.organisations import models

TAXONOMY_MODELS = {
    "regions": models.Region,
    "pathways": models.Pathway,
    "client_groups": models.ClientGroup,
    "delivery_settings": models.DeliverySetting,
    "legal_forms": models.LegalForm,
    "income_bands": models.IncomeBand,
    "partnership_roles": models.PartnershipRole,
    "quality_marks": models.QualityMark,
}


class Command(BaseCommand):
    help = "Create or update the taxonomies from fixtures/taxonomies.json (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--file", default=str(Path(settings.BASE_DIR) / "fixtures" / "taxonomies.json")
        )

    @transaction.atomic
    def handle(self, *args, file, **options):
        data = json.loads(Path(file).read_text(encoding="utf-8"))
        for key, model in TAXONOMY_MODELS.items():
            created = 0
            for position, term in enumerate(data[key]):
                fields = {k: v for k, v in term.items() if k != "slug"}
                _, was_created = model.objects.update_or_create(
                    slug=term["slug"], defaults={**fields, "position": position}
                )
                created += was_created
            self.stdout.write(f"{key}: {len(data[key])} terms ({created} new)")
