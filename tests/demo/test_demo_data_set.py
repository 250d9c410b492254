"""What the real demo data set holds, read from one load shared by this module's tests.

Loading it takes seconds (tens on PostgreSQL), so it is loaded once for the module (see
tests/module_data.py): its tests only read.
Loading it again, and the accounts' rules: test_demo_data.py. The working set of the demo
accounts (directory/demo/demo_features.py) is here too: after one load each account has its whole
job to do.
"""

import re
from collections import Counter

import pikepdf
import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.db import connection

from accounts.models import CommissionerProfile, Membership, User
from consortia.models import Consortium, ConsortiumMembership, Opportunity
from consortia.selectors import consortium_coverage
from directory.demo.demo_features import EVIDENCE_PDF
from directory.moderation.review import submitter
from directory.moderation.selectors import moderation_queue
from directory.organisations.models import (
    DeliveryLocation,
    EvidenceItem,
    Organisation,
    Pathway,
    Region,
)
from directory.search import document_search
from directory.search.management.commands.seed_directory import SIZE_BY_INCOME_BAND
from directory.search.models import SavedSearch
from directory.shortlists.contact_services import contact_sender_kind
from directory.shortlists.models import Shortlist
from tests.accounts.helpers import current_totp_code
from tests.demo.demo_data import DEMO_EMAILS, DEMO_PASSWORD, demo_logins, load
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


# --- The demo accounts' working set ---------------------------------------------------------


def test_the_commissioner_is_verified_with_an_employer_and_may_message(loaded):
    commissioner = User.objects.get(email="commissioner@example.org")
    profile = commissioner.commissioner_profile

    assert profile.is_verified and profile.verified_at
    assert profile.body_name and profile.region is not None
    assert contact_sender_kind(commissioner) == "commissioner"


def test_the_moderator_signs_in_with_the_printed_secret(loaded):
    moderator = User.objects.get(email="moderator@example.org")
    authenticator = Authenticator.objects.get(user=moderator, type=Authenticator.Type.TOTP)

    assert TOTP(authenticator).validate_code(current_totp_code(settings.DEMO_TOTP_SECRET))
    printed = demo_logins()
    assert settings.DEMO_TOTP_SECRET in printed
    assert f"otpauth://totp/moderator%40example.org?secret={settings.DEMO_TOTP_SECRET}" in printed


def test_demo_logins_says_where_emails_go_and_what_to_do_first(loaded):
    printed = demo_logins()

    assert "Emails" in printed and "printed in this terminal" not in printed  # test: locmem
    assert "delivered by django.core.mail.backends.locmem.EmailBackend" in printed
    assert len(re.findall(r"^\s+first: \w", printed, re.M)) == 3


def test_the_moderation_queue_has_an_item_of_each_kind(loaded):
    items, counts = moderation_queue()

    for kind in ["submission", "revision", "claim", "report", "commissioner"]:
        assert counts[kind] >= 1, kind
    assert "Salford Second Chances" in [item.title for item in items]
    # Its review says who sent it, as a real one would.
    submission = Organisation.objects.get(name="Salford Second Chances")
    assert submitter(submission, None).email == "sam.submitter@example.org"


def test_open_opportunities_have_responses(loaded):
    opportunities = Opportunity.objects.open_for_responses()

    assert opportunities.count() >= 2
    for opportunity in opportunities:
        assert opportunity.expressions_of_interest.exists(), opportunity.title
    commissioner = User.objects.get(email="commissioner@example.org")
    assert opportunities.filter(posted_by=commissioner, organisation=None).exists()
    assert opportunities.filter(organisation__isnull=False, is_subcontract=True).exists()


def test_a_public_consortium_has_members_and_a_coverage_grid_with_gaps(loaded):
    consortium = Consortium.objects.public().get()
    members = consortium.memberships.filter(status=ConsortiumMembership.Status.ACCEPTED)

    assert members.count() >= 3
    assert consortium.memberships.filter(status=ConsortiumMembership.Status.INVITED).exists()
    cells = [cell for row in consortium_coverage(consortium=consortium) for cell in row.cells]
    assert any(cell.organisations for cell in cells)
    assert any(cell.is_gap for cell in cells)
    assert consortium.lead_organisation.memberships.filter(user__email="provider@example.org")


def test_the_commissioner_has_a_shortlist_with_notes_and_a_saved_search(loaded, client):
    shortlist = Shortlist.objects.get(owner__email="commissioner@example.org")
    assert shortlist.items.count() == 3
    assert all(item.note for item in shortlist.items.all())
    record = shortlist.search_records.get()
    assert record.result_count >= 3
    assert {item.organisation.name for item in shortlist.items.all()} <= {
        result["name"] for result in record.results
    }

    saved = SavedSearch.objects.get(owner__email="commissioner@example.org")
    results = client.get(saved.get_search_url())
    assert saved.alert_frequency == SavedSearch.AlertFrequency.WEEKLY
    assert "Irwell Women&#x27;s Centre" in results.content.decode()


def test_evidence_has_an_uploaded_pdf_linked_from_the_profile(loaded, client):
    item = EvidenceItem.objects.exclude(document="").get()
    with item.document.open("rb") as stored, pikepdf.open(stored) as pdf:
        assert len(pdf.pages) == 1

    profile = client.get(item.organisation.get_absolute_url()).content.decode()
    [link] = re.findall(r'href="([^"]+/evidence/[^"]+/document)"', profile)
    document = client.get(link)
    assert document["Content-Type"] == "application/pdf"
    assert b"".join(document.streaming_content) == EVIDENCE_PDF.read_bytes()


def test_the_demo_people_other_than_the_logins_cannot_sign_in(loaded):
    demo_logins_emails = {
        "provider@example.org",
        "commissioner@example.org",
        "moderator@example.org",
    }
    others = User.objects.exclude(email__in=demo_logins_emails)

    assert others.count() >= 4
    assert not any(user.has_usable_password() for user in others)
    assert CommissionerProfile.objects.filter(verification_status="pending").count() == 1


def _first(query: str, count: int = 5) -> tuple[list[Organisation], str | None]:
    """The first `count` results of a search of the demo data, and the spelling correction."""
    from django.http import QueryDict

    from directory.search.selectors import organisation_search

    result = organisation_search(params=QueryDict(f"q={query}"))
    return list(result.page.object_list)[:count], result.filterset.spelling_correction


def _serves(organisation: Organisation, **terms) -> bool:
    return organisation.services.filter(**terms).exists()


@pytest.mark.parametrize("typed", ["women%27s", "womens", "women%E2%80%99s"])
def test_the_home_pages_words_find_womens_services_first(loaded, typed):
    first, _ = _first(typed)
    assert len(first) == 5 and all("Women" in o.name for o in first)


def test_womens_accommodation_finds_womens_accommodation_first(loaded):
    first, _ = _first("women%27s+accommodation", 4)
    assert len(first) == 4
    for found in first:
        assert _serves(found, client_groups__slug="women"), found.name
        assert _serves(found, pathways__slug="accommodation"), found.name


def test_a_misspelt_accommodation_finds_what_accommodation_finds(loaded):
    first, correction = _first("accomodation")
    assert correction == "accommodation"
    assert [o.name for o in first] == [o.name for o in _first("accommodation")[0]]
    assert all(_serves(o, pathways__slug="accommodation") for o in first)


def test_housing_finds_the_housing_names_first(loaded):
    first, _ = _first("housing", 2)
    assert {o.name for o in first} == {"Haven Housing and Support Group", "Tyne Keys Housing CIC"}


def test_ex_offenders_finds_services_for_people_with_convictions(loaded):
    said = re.compile(r"offender|justice system|prison|conviction", re.IGNORECASE)
    first, _ = _first("ex-offenders", 3)
    assert len(first) == 3
    for found in first:
        services = " ".join(f"{s.name} {s.description}" for s in found.services.all())
        assert said.search(f"{found.name} {found.summary} {found.description} {services}")


def test_through_the_gate_finds_the_phrase_first(loaded):
    phrase = re.compile(r"through\W+the\W+gate", re.IGNORECASE)
    first, _ = _first("%22through+the+gate%22")
    assert first[0].name == "Cumbria Through the Gate"
    for found in first:
        services = " ".join(f"{s.name} {s.description}" for s in found.services.all())
        settings = " ".join(filter(None, found.services.values_list("settings__name", flat=True)))
        text = f"{found.name} {found.summary} {found.description} {services} {settings}"
        assert phrase.search(text), found.name
