import json
import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core.management import CommandError
from django.test import override_settings

from accounts.models import CommissionerProfile, Membership, User
from consortia.models import (
    Consortium,
    ConsortiumMembership,
    ExpressionOfInterest,
    Opportunity,
)
from directory.moderation.models import ClaimRequest, OrganisationRevision, ProblemReport
from directory.organisations import geo
from directory.organisations.models import (
    AuditRecord,
    DeliveryLocation,
    EvidenceItem,
    Organisation,
    Service,
)
from directory.search.models import SavedSearch
from directory.shortlists.models import SearchRecord, Shortlist, ShortlistItem
from tests.demo.demo_data import DEMO_EMAILS, DEMO_PASSWORD, demo_logins, load

pytestmark = pytest.mark.django_db

WORKING_SET_MODELS = [
    CommissionerProfile,
    Opportunity,
    ExpressionOfInterest,
    Consortium,
    ConsortiumMembership,
    AuditRecord,
    Shortlist,
    ShortlistItem,
    SearchRecord,
    SavedSearch,
    ClaimRequest,
    ProblemReport,
    OrganisationRevision,
]


def database_state() -> dict:
    """Every row the loader writes, with its primary key and content, to compare two runs."""
    return {
        "organisations": list(
            Organisation.objects.order_by("id").values_list(
                "id", "slug", "name", "summary", "status", "last_verified_at", "updated_at"
            )
        ),
        "organisation history": Organisation.history.count(),
        "services": list(Service.objects.order_by("id").values_list("id", "name", "updated_at")),
        "service pathways": sorted(
            Service.pathways.through.objects.values_list("service_id", "pathway_id")
        ),
        "service regions": sorted(
            Service.regions.through.objects.values_list("service_id", "region_id")
        ),
        "locations": list(
            DeliveryLocation.objects.order_by("id").values_list("id", "postcode", "latitude")
        ),
        "evidence": list(
            EvidenceItem.objects.order_by("id").values_list("id", "title", "updated_at")
        ),
        "users": list(User.objects.order_by("id").values_list("id", "email", "password")),
        "memberships": list(
            Membership.objects.order_by("id").values_list("id", "user_id", "organisation_id")
        ),
        # The working set (directory/demo/demo_features.py): found again, never added twice.
        **{
            model.__name__: list(model.objects.order_by("pk").values_list("pk", flat=True))
            for model in WORKING_SET_MODELS
        },
        "authenticator": list(Authenticator.objects.values_list("pk", "data")),
        "documents": list(EvidenceItem.objects.exclude(document="").values_list("document")),
    }


# --- Loading the real demo data set again (what is in it: test_demo_data_set.py) -----------


@override_settings(DEBUG=True)
def test_demo_data_loads_again_without_changes_but_puts_back_what_was_changed():
    # One test, not two: loading the demo set from nothing takes 17 s on PostgreSQL.
    output, _ = load()
    first = database_state()
    # Counted in words that agree with the numbers.
    assert re.search(r"working set \(queue, partnerships...\): .*\b1 claim request,", output)
    assert not re.search(r"\b1 [a-z ]+s(,|$)", output.split("working set")[1], re.MULTILINE)

    output, _ = load()

    assert database_state() == first
    assert " 0 created, 0 updated," in output
    assert "working set (queue, partnerships...): 0 created" in output
    assert all(first[model.__name__] for model in WORKING_SET_MODELS)

    # An organisation is matched by its name, whatever became of its slug.
    organisation = Organisation.objects.order_by("id").first()
    original_summary = organisation.summary
    Organisation.objects.filter(pk=organisation.pk).update(slug="renamed-slug", summary="Old")
    count = Organisation.objects.count()

    output, _ = load()

    organisation.refresh_from_db()
    assert Organisation.objects.count() == count
    assert organisation.summary == original_summary
    assert " 0 created, 1 updated," in output


# --- Demo accounts (from a one-organisation file: they do not depend on the data set) ---------


@override_settings(DEBUG=True)
def test_demo_accounts_are_created_in_debug(taxonomies, demo_file):
    output, _ = load(file=demo_file(minimal_entry()))

    # The working set needs the demo data set's organisations, which this file lacks.
    assert "working set (queue, partnerships...): not loaded: the demo file lacks" in output
    assert not Opportunity.objects.exists()

    users = {user.email: user for user in User.objects.filter(email__in=DEMO_EMAILS)}
    assert sorted(users) == sorted(DEMO_EMAILS)
    for user in users.values():
        assert user.check_password(DEMO_PASSWORD)
        assert EmailAddress.objects.filter(
            user=user, email=user.email, verified=True, primary=True
        ).exists()
    assert users["moderator@example.org"].is_moderator
    assert not users["commissioner@example.org"].is_moderator
    assert not users["provider@example.org"].is_moderator
    membership = Membership.objects.get(user=users["provider@example.org"])
    assert membership.role == Membership.Role.ADMIN
    assert membership.organisation.is_published
    assert not Membership.objects.filter(user__email="commissioner@example.org").exists()


def test_demo_accounts_are_refused_without_debug(taxonomies, demo_file):
    _, errors = load(file=demo_file(minimal_entry()))

    assert Organisation.objects.exists()
    assert not User.objects.filter(email__in=DEMO_EMAILS).exists()
    assert "Demo accounts not created" in errors


@override_settings(DEBUG=True, DEMO_PASSWORD="")
def test_demo_accounts_need_a_password():
    with pytest.raises(CommandError, match="DEMO_PASSWORD"):
        load()
    assert not Organisation.objects.exists()


def test_demo_logins_without_demo_accounts():
    output = demo_logins()

    assert "No demo accounts" in output
    assert DEMO_PASSWORD not in output


# --- Validation: bad demo data fails loudly with the organisation's name, nothing half-saved --


def minimal_entry(**changes) -> dict:
    entry = {
        "name": "Test Harbour Project",
        "legal_form": "charity",
        "charity_number_ew": "1123456",
        "charity_number_scotland": None,
        "summary": "Mentoring people leaving prison.",
        "description": None,
        "postcode": "M1 1AE",
        "income_band": "10k-100k",
        "partnership_roles": [],
        "quality_marks": [],
        "last_verified_days_ago": 30,
        "services": [
            {
                "name": "Mentoring",
                "description": "A mentor for a year.",
                "pathways": ["accommodation"],
                "client_groups": ["women"],
                "settings": ["community"],
                "regions": ["greater-manchester"],
                "eligibility": None,
                "accepting_referrals": True,
                "spare_capacity": None,
                "largest_contract_value": None,
                "locations": [{"name": "Hub", "address": None, "postcode": "M1 1AE"}],
            }
        ],
        "evidence": [
            {
                "kind": "jdl",
                "title": "Justice Data Lab analysis",
                "year": 2023,
                "summary": "A matched comparison.",
                "outcomes_measured": None,
                "nesta_level": 3,
                "url": None,
                "jdl_cohort_size": 120,
                "jdl_cohort_rate": 27.4,
                "jdl_comparison_rate": 33.9,
                "jdl_significant": True,
                "verified": True,
            }
        ],
    }
    entry.update(changes)
    return entry


@pytest.fixture
def demo_file(tmp_path):
    def write(*entries) -> str:
        path = tmp_path / "organisations.json"
        path.write_text(json.dumps(list(entries)), encoding="utf-8")
        return str(path)

    return write


def test_minimal_entry_loads_with_empty_text_for_nulls(taxonomies, demo_file):
    output, _ = load(file=demo_file(minimal_entry()))

    organisation = Organisation.objects.get()
    assert organisation.slug == "test-harbour-project"
    assert organisation.description == ""
    assert organisation.charity_number_scotland == ""
    service = organisation.services.get()
    assert service.eligibility == ""
    assert [p.slug for p in service.pathways.all()] == ["accommodation"]
    location = service.locations.get()
    assert location.latitude == pytest.approx(53.48, abs=0.05)
    evidence = organisation.evidence_items.get()
    assert evidence.verified_by_moderator
    assert str(evidence.jdl_cohort_rate) == "27.4"
    assert "1 geocoded, 0 postcodes not found" in output


def test_unknown_postcode_is_kept_without_coordinates(taxonomies, demo_file):
    entry = minimal_entry()
    entry["services"][0]["locations"] = [{"name": "Hub", "address": None, "postcode": "M1 9ZZ"}]

    output, _ = load(file=demo_file(entry))

    location = DeliveryLocation.objects.get()
    assert location.postcode == "M1 9ZZ"
    assert location.latitude is None
    assert "0 geocoded, 1 postcodes not found" in output


def test_a_confidential_location_keeps_only_its_district(taxonomies, demo_file):
    entry = minimal_entry()
    entry["services"][0]["locations"] = [
        {
            "name": "Safe house",
            "address": "1 Hidden Row",
            "postcode": "ng7 1aa",
            "confidential": True,
        }
    ]

    load(file=demo_file(entry))
    load(file=demo_file(entry))

    location = DeliveryLocation.objects.get()
    assert (location.address, location.postcode, location.confidential) == ("", "NG7", True)
    centre = geo.lookup_district("NG7")
    assert (location.latitude, location.longitude) == (centre.latitude, centre.longitude)


def test_removed_services_and_evidence_are_replaced(taxonomies, demo_file):
    load(file=demo_file(minimal_entry()))
    changed = minimal_entry(evidence=[])
    changed["services"][0]["name"] = "Housing advice"

    output, _ = load(file=demo_file(changed))

    organisation = Organisation.objects.get()
    assert [s.name for s in organisation.services.all()] == ["Housing advice"]
    assert not organisation.evidence_items.exists()
    assert "1 removed" in output


def with_bad_service(**changes) -> dict:
    entry = minimal_entry()
    entry["services"][0].update(changes)
    return entry


@pytest.mark.parametrize(
    "entry",
    [
        minimal_entry(charity_number_ew="12"),
        minimal_entry(postcode="NOT A POSTCODE"),
        minimal_entry(email="not-an-email"),
        minimal_entry(legal_form="no-such-legal-form"),
        minimal_entry(year_founded=1700),
        with_bad_service(pathways=["no-such-pathway"]),
        with_bad_service(locations=[{"name": "Hub", "address": "", "postcode": "12345"}]),
        minimal_entry(evidence=[{**minimal_entry()["evidence"][0], "nesta_level": 9}]),
        minimal_entry(evidence=[{**minimal_entry()["evidence"][0], "kind": "case_study"}]),
    ],
    ids=[
        "charity-number",
        "postcode",
        "email",
        "legal-form",
        "year-founded",
        "pathway",
        "location-postcode",
        "nesta-level",
        "jdl-figures-on-case-study",
    ],
)
def test_bad_demo_data_fails_with_the_organisation_name(taxonomies, demo_file, entry):
    good = minimal_entry(name="A Good Organisation")

    with pytest.raises(CommandError, match="Test Harbour Project"):
        load(file=demo_file(good, entry))

    assert not Organisation.objects.exists()


def test_missing_file_is_a_command_error(taxonomies, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        load(file=str(tmp_path / "missing.json"))
