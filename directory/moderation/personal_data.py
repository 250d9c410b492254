"""Moderation's part of a person's data: changes they proposed, messages they sent the
moderators with a profile or changes, reports sent from their addresses, decisions about them
and by them. Deleting the account hands organisations left without an admin to the moderators
(who are told) and keeps reports without the address; the messages stay with the organisation,
no longer linked to the person (as every history record, accounts.services.user_delete)."""

from django.utils import timezone

from accounts.personal_data import matching_any_address
from directory.moderation.models import OrganisationRevision, ProblemReport
from directory.organisations.models import AuditRecord, Organisation

# The models whose history records each sending for review, with their organisation's id.
SENDINGS = ((Organisation, "id"), (OrganisationRevision, "organisation_id"))
# What handing an organisation to the moderators changes.
HANDOVER_FIELDS = {"is_unclaimed", "admin_lost_at"}


def _decision_data(decision: AuditRecord) -> dict:
    return {
        "decision": f"{decision.get_kind_display()}: {decision.get_action_display()}",
        "organisation": decision.organisation_name,
        "about": decision.subject_name,
        "reason": decision.reason,
        "decided_at": decision.created_at,
    }


def _messages_sent(user) -> list[dict]:
    """The messages the user sent with each sending for review: the first history record of
    each sending (of each `submitted_at`) that they made and that carries a message."""
    sendings = []
    for model, organisation_id in SENDINGS:
        records = model.history.filter(
            id__in=model.history.filter(history_user=user).values("id")
        ).exclude(submission_message="")
        first_of_each = {}
        for record in records.order_by("history_date", "history_id"):
            first_of_each.setdefault((record.id, record.submitted_at), record)
        sendings += [
            (getattr(record, organisation_id), record)
            for record in first_of_each.values()
            if record.history_user_id == user.pk
        ]
    names = dict(
        Organisation.objects.filter(pk__in=[pk for pk, _ in sendings]).values_list("pk", "name")
    )
    return [
        {
            "organisation": names.get(pk, ""),
            "sent_at": record.submitted_at,
            "message": record.submission_message,
        }
        for pk, record in sorted(sendings, key=lambda sending: sending[1].submitted_at)
    ]


def export(*, user, addresses: set[str]) -> dict:
    return {
        "messages_you_sent_to_the_moderators": _messages_sent(user),
        "changes_you_proposed": [
            {
                "organisation": revision.organisation.name,
                "status": revision.get_status_display(),
                "sent_at": revision.submitted_at,
                "decided_at": revision.decided_at,
                "moderators_message": revision.message,
            }
            for revision in OrganisationRevision.objects.filter(created_by=user)
            .select_related("organisation")
            .order_by("created_at", "id")
        ],
        "reports_made_with_your_email": [
            {
                "organisation": report.organisation.name,
                "what_is_wrong": report.description,
                "email": report.email,
                "status": report.get_status_display(),
                "sent_at": report.created_at,
            }
            for report in ProblemReport.objects.filter(matching_any_address("email", addresses))
            .select_related("organisation")
            .order_by("created_at", "id")
        ],
        "moderation_decisions_about_you": [
            _decision_data(decision)
            for decision in AuditRecord.objects.decisions()
            .filter(subject_user=user)
            .order_by("created_at", "id")
        ],
        "moderation_decisions_you_made": [
            _decision_data(decision)
            for decision in AuditRecord.objects.decisions()
            .filter(actor=user)
            .order_by("created_at", "id")
        ],
    }


def _fields_but(model, names: set[str]) -> list[str]:
    return [field.name for field in model._meta.fields if field.name not in names]


def _hand_over(organisation: Organisation, now) -> None:
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    organisation.is_unclaimed = True
    organisation.admin_lost_at = now
    # Only the fields set here are checked: a profile that falls short of today's rules (an
    # old import, a draft) is the moderators' to put right, and must not stop someone
    # deleting their account.
    organisation.full_clean(exclude=_fields_but(Organisation, HANDOVER_FIELDS))
    organisation._history_user = None
    organisation._change_reason = (
        "Its last admin deleted their account: handed to moderators to re-assign"
    )
    organisation.save()


def delete(*, user, addresses: set[str]) -> None:
    now = timezone.now()
    # Handed to the moderators: each waits in the queue, and the hourly digest tells them.
    for membership in user.memberships.select_related("organisation").admins():
        if not membership.organisation.memberships.admins().exclude(user=user).exists():
            _hand_over(membership.organisation, now)
    # Reports they sent stay (they are about an organisation), without their address.
    for reports in (ProblemReport.objects, ProblemReport.history):
        reports.filter(matching_any_address("email", addresses)).update(email="")
