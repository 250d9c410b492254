import pytest
from django.core.management import call_command

from directory.organisations.models import (
    ClientGroup,
    DeliverySetting,
    IncomeBand,
    LegalForm,
    Pathway,
    Region,
)

pytestmark = pytest.mark.django_db


def test_taxonomies_load_and_reload_idempotently(taxonomies):
    assert Region.objects.count() == 13
    assert Region.objects.filter(is_national=True).get().name == "National (England and Wales)"
    assert Pathway.objects.count() == 9
    assert LegalForm.objects.count() == 9
    assert IncomeBand.objects.count() == 6
    assert DeliverySetting.objects.count() == 5
    client_groups = ClientGroup.objects.count()
    call_command("load_taxonomies", verbosity=0)
    assert Region.objects.count() == 13
    assert ClientGroup.objects.count() == client_groups
    assert list(Region.objects.values_list("name", flat=True)[:3]) == [
        "North East",
        "North West",
        "Yorkshire and the Humber",
    ]
