"""Writes of the consortia app that are more than a form save."""

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from directory.models import Organisation

from .appraisal import AppraisalInputs
from .models import OfferAppraisal


@transaction.atomic
def offer_appraisal_create(
    *, owner: User, organisation: Organisation, name: str, inputs: AppraisalInputs
) -> OfferAppraisal:
    """Save an appraisal's inputs for a member of the given organisation."""
    if not owner.memberships.filter(organisation=organisation).exists():
        raise ValidationError({"organisation": "Select one of your organisations"})
    appraisal = OfferAppraisal(
        owner=owner, organisation=organisation, name=name.strip(), inputs=inputs.to_dict()
    )
    appraisal.full_clean()
    appraisal.save()
    return appraisal


@transaction.atomic
def offer_appraisal_rename(*, appraisal: OfferAppraisal, name: str) -> OfferAppraisal:
    """Give a saved appraisal a new name."""
    appraisal.name = name.strip()
    appraisal.full_clean()
    appraisal.save(update_fields=["name", "updated_at"])
    return appraisal


@transaction.atomic
def offer_appraisal_delete(*, appraisal: OfferAppraisal) -> None:
    """Delete a saved appraisal for good: it is the owner's own working, not shared data."""
    appraisal.delete()
