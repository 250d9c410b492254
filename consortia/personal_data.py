"""Consortia's part of a person's data: opportunities they posted, expressions of interest
they sent or answered, offer appraisals and consortium actions. Deleting the account
withdraws the opportunities they posted for their employer (nobody is left to answer them)."""

from consortia.models import ExpressionOfInterest, OfferAppraisal, Opportunity
from consortia.services import opportunity_withdraw
from directory.organisations.models import AuditRecord


def _opportunities_posted(user) -> list[dict]:
    return [
        {
            "title": opportunity.title,
            "organisation": opportunity.organisation and opportunity.organisation.name,
            "description": opportunity.description,
            "value": opportunity.get_value_band_display(),
            "closes_on": opportunity.closes_on,
            "status": opportunity.get_status_display(),
            "posted_at": opportunity.created_at,
        }
        for opportunity in Opportunity.objects.filter(posted_by=user)
        .select_related("organisation")
        .order_by("created_at", "id")
    ]


def _expressions_of_interest(user) -> dict:
    return {
        "expressions_of_interest_sent": [
            {
                "opportunity": eoi.opportunity.title,
                "organisation": eoi.organisation.name,
                "message": eoi.message,
                "status": eoi.get_status_display(),
                "answer": eoi.decision_message,
                "sent_at": eoi.created_at,
            }
            for eoi in ExpressionOfInterest.objects.filter(submitted_by=user)
            .select_related("opportunity", "organisation")
            .order_by("created_at", "id")
        ],
        "expressions_of_interest_you_answered": [
            {
                "opportunity": eoi.opportunity.title,
                "organisation": eoi.organisation.name,
                "status": eoi.get_status_display(),
                "answer": eoi.decision_message,
                "answered_at": eoi.decided_at,
            }
            for eoi in ExpressionOfInterest.objects.filter(decided_by=user)
            .select_related("opportunity", "organisation")
            .order_by("decided_at", "id")
        ],
    }


def export(*, user, addresses: set[str]) -> dict:
    return {
        "opportunities_posted": _opportunities_posted(user),
        **_expressions_of_interest(user),
        "offer_appraisals": [
            {
                "name": appraisal.name,
                "organisation": appraisal.organisation and appraisal.organisation.name,
                "inputs": appraisal.inputs,
                "created_at": appraisal.created_at,
                "updated_at": appraisal.updated_at,
            }
            for appraisal in OfferAppraisal.objects.filter(owner=user)
            .select_related("organisation")
            .order_by("created_at", "id")
        ],
        "consortium_actions": [
            {
                "consortium": event.subject.name,
                "what": event.description,
                "at": event.created_at,
            }
            for event in AuditRecord.objects.filter(actor=user, kind=AuditRecord.Kind.CONSORTIUM)
            .prefetch_related("subject")
            .order_by("created_at", "id")
        ],
    }


def delete(*, user, addresses: set[str]) -> None:
    # An opportunity posted for their employer has nobody left to answer its responses: it is
    # withdrawn (telling the organisations waiting) and kept for their record. One posted for
    # an organisation stays with it.
    for opportunity in Opportunity.objects.published().filter(
        posted_by=user, organisation__isnull=True
    ):
        opportunity_withdraw(opportunity=opportunity)
