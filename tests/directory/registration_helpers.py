"""Shared helpers of the registration tests (the factories themselves are in tests/factories.py)."""

from django.urls import reverse

from accounts.models import Membership
from directory.models import Organisation
from tests.factories import MembershipFactory, OrganisationFactory, VerifiedEmailAddressFactory


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
