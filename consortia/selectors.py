"""Reads of the consortia app."""

from django.db.models import QuerySet

from .appraisal import AppraisalInputs, AppraisalResult, appraise
from .models import OfferAppraisal


def offer_appraisal_list(*, user) -> QuerySet[OfferAppraisal]:
    """A user's saved appraisals, newest change first, with their organisations."""
    return OfferAppraisal.objects.owned_by(user).select_related("organisation")


def offer_appraisal_result(appraisal: OfferAppraisal) -> AppraisalResult:
    """The results of a saved appraisal, recomputed from its stored inputs."""
    return appraise(AppraisalInputs.from_dict(appraisal.inputs))
