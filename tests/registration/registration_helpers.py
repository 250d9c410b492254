"""Shared helpers of the registration tests (the factories themselves are in tests/factories.py)."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Membership
from directory.organisations.models import ClientGroup, EvidenceItem, Organisation, Pathway, Region
from tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    VerifiedEmailAddressFactory,
    pdf_document,
)

PDF_BYTES = pdf_document()


def draft_with_admin(**organisation_fields) -> tuple[Organisation, object]:
    """A draft organisation and its admin, whose email address is verified."""
    organisation = OrganisationFactory(
        status=Organisation.Status.DRAFT, published_at=None, **organisation_fields
    )
    user = VerifiedEmailAddressFactory().user
    MembershipFactory(user=user, organisation=organisation, role=Membership.Role.ADMIN)
    return organisation, user


def url(name: str, organisation: Organisation, **kwargs) -> str:
    return reverse(f"registration:{name}", kwargs={"org": organisation.uuid, **kwargs})


def step_url(organisation: Organisation, step: str) -> str:
    return url("step", organisation, step=step)


def errors_of(response) -> dict:
    """The bound form's errors on a re-rendered page."""
    return response.context["form"].errors


# --- Form data of the services, locations and evidence pages ---


def current_version(organisation) -> int:
    organisation.refresh_from_db()
    return organisation.version


def service_data(organisation, **overrides):
    return {
        "name": "Women's housing support",
        "description": "Finding and keeping a home",
        "pathways": [Pathway.objects.first().pk],
        "client_groups": [ClientGroup.objects.first().pk],
        "regions": [Region.objects.get(slug="north-west").pk],
        "eligibility": "",
        "accepting_referrals": "True",
        "spare_capacity": "10 places a month",
        "largest_contract_value": "250000",
        "version": current_version(organisation),
        **overrides,
    }


def location_data(organisation, **overrides):
    return {
        "name": "The Anchor Hub",
        "address": "1 Quay Street",
        "postcode": "m1 1ae",
        "version": current_version(organisation),
        **overrides,
    }


def evidence_data(organisation, **overrides):
    return {
        "kind": EvidenceItem.Kind.OUTCOME_MONITORING,
        "title": "Outcomes 2024",
        "year": "2024",
        "summary": "What changed for the people we supported",
        "outcomes_measured": "",
        "nesta_level": "2",
        "url": "",
        "version": current_version(organisation),
        **overrides,
    }


def pdf_upload(content=PDF_BYTES, name="report.pdf", content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)
