"""What the real demo data set holds, read from one load shared by this module's tests.

Loading it takes seconds (tens on PostgreSQL), so it is loaded once for the module (see
tests/module_data.py): its tests only read.
Loading it again, and the accounts' rules: test_demo_data.py.
"""

from collections import Counter

import pytest
from allauth.account.models import EmailAddress
from django.db import connection

from accounts.models import Membership, User
from directory import document_search
from directory.management.commands.seed_directory import SIZE_BY_INCOME_BAND
from directory.models import DeliveryLocation, EvidenceItem, Organisation, Pathway, Region
from tests.directory.demo_data import DEMO_EMAILS, DEMO_PASSWORD, demo_logins, load
from tests.module_data import committed_for_the_module

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker) -> str:
    """The demo data set with the demo accounts (forced: DEBUG is off); what the load printed."""
    with committed_for_the_module(django_db_blocker):
        output, _ = load(with_demo_accounts=True)
        yield output


def test_demo_data_loads_at_least_sixty_published_organisations(loaded):
    organisations = Organisation.objects.published()
    assert organisations.count() >= 60
    # The one other is the working set's new submission, waiting for a moderator.
    [waiting] = Organisation.objects.exclude(status=Organisation.Status.PUBLISHED)
    assert waiting.status == Organisation.Status.SUBMITTED
    assert not organisations.filter(last_verified_at__isnull=True).exists()
    assert not organisations.filter(published_at__isnull=True).exists()
    assert not organisations.filter(services__isnull=True).exists()
    assert f"{organisations.count()} created, 0 updated, 0 unchanged" in loaded


def test_demo_data_covers_every_region_and_pathway_at_least_twice(loaded):
    for taxonomy, relation in [(Region, "services__regions"), (Pathway, "services__pathways")]:
        for term in taxonomy.objects.all():
            providers = Organisation.objects.filter(**{relation: term}).distinct().count()
            assert providers >= 2, f"{taxonomy.__name__} {term.slug}: {providers} organisations"


def test_demo_data_income_is_spread_like_the_sector_most_small_a_few_large(loaded):
    bands = Counter(Organisation.objects.values_list("income_band__slug", flat=True))
    total = sum(bands.values())
    assert set(bands) == set(SIZE_BY_INCOME_BAND), "every income band has organisations"
    assert bands["under-10k"] + bands["10k-100k"] > total / 2
    assert 1 <= bands["1m-10m"] + bands["over-10m"] <= total / 10
    # Staff numbers that fit the income: a £5,000 group has no paid team of twenty.
    for slug, staff in Organisation.objects.values_list("income_band__slug", "staff_count"):
        (low, high), _, _ = SIZE_BY_INCOME_BAND[slug]
        assert low <= staff <= high, (slug, staff)


def test_demo_data_has_geocoded_locations_and_evidence(loaded):
    assert DeliveryLocation.objects.filter(latitude__isnull=False).exists()
    geocoded = DeliveryLocation.objects.filter(latitude__isnull=False).count()
    assert f"{geocoded} geocoded" in loaded
    assert EvidenceItem.objects.filter(verified_by_moderator=True).exists()
    assert EvidenceItem.objects.filter(kind=EvidenceItem.Kind.JUSTICE_DATA_LAB).exists()


def test_demo_data_refreshes_the_search_documents(loaded):
    organisations = Organisation.objects.all()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {document_search.TEXTS}")
            assert cursor.fetchone()[0] == organisations.count() > 60
    else:
        assert not organisations.filter(search_text="").exists()


def test_demo_accounts_can_be_forced_with_the_flag(loaded):
    users = User.objects.filter(email__in=DEMO_EMAILS)
    assert users.count() == 3
    for user in users:
        assert user.check_password(DEMO_PASSWORD)
        assert EmailAddress.objects.filter(user=user, email=user.email, verified=True).exists()


def test_demo_logins_lists_the_accounts_and_password(loaded):
    output = demo_logins()

    for email in DEMO_EMAILS:
        assert email in output
    assert DEMO_PASSWORD in output
    provider_organisation = Membership.objects.get(user__email="provider@example.org").organisation
    assert f"admin of {provider_organisation.name}" in output
