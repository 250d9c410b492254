"""Writes of the consortia app that are more than a form save."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, User
from directory.organisations import services as organisation_services
from directory.organisations.models import (
    AuditRecord,
    ClientGroup,
    Organisation,
    PartnershipInterest,
    PartnershipRole,
    Pathway,
    Region,
    Service,
)

from . import notifications
from .appraisal import AppraisalInputs
from .models import (
    Consortium,
    ConsortiumMembership,
    ExpressionOfInterest,
    OfferAppraisal,
    Opportunity,
)

LEAD_ROLE = "Lead organisation"


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


# --- Partnership interest ---


@transaction.atomic
def partnership_interest_add(
    *,
    organisation: Organisation,
    region: Region,
    pathway: Pathway,
    role: PartnershipRole,
    direction: str,
) -> PartnershipInterest:
    """Record that an organisation seeks or offers a role in a region and pathway."""
    interest = PartnershipInterest(
        organisation=organisation, region=region, pathway=pathway, role=role, direction=direction
    )
    interest.full_clean()
    interest.save()
    return interest


@transaction.atomic
def partnership_interest_remove(*, interest: PartnershipInterest) -> None:
    """Remove one line of an organisation's partnership interest."""
    interest.delete()


# --- Opportunities ---


def opportunity_can_post(*, user: User) -> bool:
    """Verified commissioners, members of a published organisation and moderators may post."""
    if not user.is_authenticated:
        return False
    if user.is_moderator:
        return True
    profile = getattr(user, "commissioner_profile", None)
    if profile is not None and profile.is_verified:
        return True
    return user.memberships.filter(organisation__status=Organisation.Status.PUBLISHED).exists()


@transaction.atomic
def opportunity_create(
    *,
    posted_by: User,
    organisation: Organisation | None,
    title: str,
    description: str,
    regions: list[Region],
    pathways: list[Pathway],
    client_groups: list[ClientGroup],
    roles_sought: list[PartnershipRole],
    value_band: str,
    expected_start: date | None,
    closes_on: date,
    is_subcontract: bool,
) -> Opportunity:
    """Publish a partnership opportunity, for one of the poster's organisations or none."""
    if not opportunity_can_post(user=posted_by):
        raise PermissionDenied
    if (
        organisation is not None
        and not posted_by.memberships.filter(organisation=organisation).exists()
    ):
        raise ValidationError({"organisation": "Select one of your organisations"})
    if closes_on < timezone.localdate():
        raise ValidationError({"closes_on": "The closing date must be today or in the future"})
    opportunity = Opportunity(
        posted_by=posted_by,
        organisation=organisation,
        title=title.strip(),
        description=description.strip(),
        value_band=value_band,
        expected_start=expected_start,
        closes_on=closes_on,
        is_subcontract=is_subcontract,
    )
    opportunity.full_clean()
    opportunity.save()
    opportunity.regions.set(regions)
    opportunity.pathways.set(pathways)
    opportunity.client_groups.set(client_groups)
    opportunity.roles_sought.set(roles_sought)
    return opportunity


@transaction.atomic
def opportunity_withdraw(*, opportunity: Opportunity) -> Opportunity:
    """Take an opportunity down, and tell the organisations still waiting on their response."""
    opportunity.status = Opportunity.Status.WITHDRAWN
    opportunity.full_clean()
    opportunity.save(update_fields=["status", "updated_at"])
    waiting = Organisation.objects.filter(
        expressions_of_interest__opportunity=opportunity,
        expressions_of_interest__status__in=[
            ExpressionOfInterest.Status.SUBMITTED,
            ExpressionOfInterest.Status.SHORTLISTED,
        ],
    )
    recipients = notifications.admin_emails(waiting)
    transaction.on_commit(
        lambda: notifications.send(
            template="opportunity_withdrawn", to=recipients, context={"opportunity": opportunity}
        )
    )
    return opportunity


@transaction.atomic
def expression_of_interest_submit(
    *,
    opportunity: Opportunity,
    organisation: Organisation,
    submitted_by: User,
    message: str,
    services: list[Service],
) -> ExpressionOfInterest:
    """Respond to an open opportunity for one of the user's published organisations."""
    # Locked so that two responses at the closing moment cannot both slip through.
    opportunity = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    if not opportunity.is_open_for_responses:
        raise ValidationError("This opportunity is closed and no longer takes responses")
    if not submitted_by.memberships.filter(
        organisation=organisation, organisation__status=Organisation.Status.PUBLISHED
    ).exists():
        raise ValidationError({"organisation": "Select one of your published organisations"})
    if any(service.organisation_id != organisation.pk for service in services):
        raise ValidationError({"services": "Select services of the organisation responding"})
    if opportunity.expressions_of_interest.filter(organisation=organisation).exists():
        raise ValidationError(
            {"organisation": f"{organisation.name} has already responded to this opportunity"}
        )
    eoi = ExpressionOfInterest(
        opportunity=opportunity,
        organisation=organisation,
        submitted_by=submitted_by,
        message=message.strip(),
    )
    eoi.full_clean()
    eoi.save()
    eoi.services.set(services)
    poster = opportunity.posted_by
    # Only while the poster still manages it: a removed member reads no more responses.
    managing = poster is not None and opportunity in Opportunity.objects.managed_by(poster)
    recipients = [poster.email] if managing else []
    if opportunity.organisation_id:
        recipients += notifications.admin_emails([opportunity.organisation])
    path = reverse("opportunities:responses", kwargs={"opportunity": opportunity.uuid})
    transaction.on_commit(
        lambda: notifications.send(
            template="eoi_received",
            to=sorted(set(recipients)),
            context={"eoi": eoi, "opportunity": opportunity, "path": path},
        )
    )
    return eoi


# Which decisions can follow which state: a decline or acceptance is final. Plain strings as
# keys, because a TextChoices member does not hash like the string read from the database.
_EOI = ExpressionOfInterest.Status
EOI_TRANSITIONS: dict[str, set[str]] = {
    _EOI.SUBMITTED.value: {_EOI.SHORTLISTED.value, _EOI.DECLINED.value, _EOI.ACCEPTED.value},
    _EOI.SHORTLISTED.value: {_EOI.DECLINED.value, _EOI.ACCEPTED.value},
}


@transaction.atomic
def expression_of_interest_decide(
    *, eoi: ExpressionOfInterest, status: str, decided_by: User, message: str = ""
) -> ExpressionOfInterest:
    """Shortlist, decline or accept a response, and tell the responding organisation."""
    if not Opportunity.objects.managed_by(decided_by).filter(pk=eoi.opportunity_id).exists():
        raise PermissionDenied
    if status not in EOI_TRANSITIONS.get(eoi.status, set()):
        raise ValidationError(
            f"A response that is {eoi.get_status_display().lower()} cannot be changed to {status}"
        )
    eoi.status = status
    eoi.decision_message = message.strip()
    eoi.decided_by = decided_by
    eoi.decided_at = timezone.now()
    eoi.full_clean()
    eoi.save()
    path = reverse("opportunities:detail", kwargs={"opportunity": eoi.opportunity.uuid})
    recipients = notifications.admin_emails([eoi.organisation])
    if eoi.submitted_by and eoi.submitted_by.email not in recipients:
        recipients.append(eoi.submitted_by.email)
    transaction.on_commit(
        lambda: notifications.send(
            template="eoi_decided", to=recipients, context={"eoi": eoi, "path": path}
        )
    )
    return eoi


# --- Consortia ---


def _is_admin(user: User, organisation: Organisation) -> bool:
    return Membership.objects.admins().filter(user=user, organisation=organisation).exists()


def _record(
    *,
    consortium: Consortium,
    actor: User,
    organisation: Organisation | None,
    description: str,
    notify: list[Organisation],
) -> AuditRecord:
    """Add to the consortium's record (an audit record about it) and email the admins of the
    organisations concerned."""
    event = organisation_services.audit_record(
        actor=actor,
        kind=AuditRecord.Kind.CONSORTIUM,
        action=AuditRecord.Action.DONE,
        subject=consortium,
        organisation=organisation,
        description=description,
    )
    recipients = [email for email in notifications.admin_emails(notify) if email != actor.email]
    path = reverse("partnerships:consortium_detail", kwargs={"consortium": consortium.uuid})
    transaction.on_commit(
        lambda: notifications.send(
            template="consortium_changed",
            to=recipients,
            context={"consortium": consortium, "event": event, "path": path},
        )
    )
    return event


def _current_member_organisations(consortium: Consortium) -> list[Organisation]:
    return [
        membership.organisation
        for membership in consortium.memberships.filter(
            status=ConsortiumMembership.Status.ACCEPTED
        ).select_related("organisation")
    ]


@transaction.atomic
def consortium_create(
    *,
    created_by: User,
    lead_organisation: Organisation,
    name: str,
    purpose: str,
    regions: list[Region],
    pathways: list[Pathway],
    status: str,
    visibility: str,
) -> Consortium:
    """Start a consortium led by one of the user's organisations, which is its first member."""
    if not _is_admin(created_by, lead_organisation):
        raise ValidationError({"lead_organisation": "Select an organisation you are an admin of"})
    consortium = Consortium(
        name=name.strip(),
        purpose=purpose.strip(),
        lead_organisation=lead_organisation,
        status=status,
        visibility=visibility,
    )
    consortium.full_clean()
    consortium.save()
    consortium.regions.set(regions)
    consortium.pathways.set(pathways)
    ConsortiumMembership.objects.create(
        consortium=consortium,
        organisation=lead_organisation,
        role=LEAD_ROLE,
        status=ConsortiumMembership.Status.ACCEPTED,
        invited_by=created_by,
        responded_at=timezone.now(),
    )
    _record(
        consortium=consortium,
        actor=created_by,
        organisation=lead_organisation,
        description=f"{lead_organisation.name} started the consortium",
        notify=[],
    )
    return consortium


@transaction.atomic
def consortium_update(
    *, consortium: Consortium, updated_by: User, status: str, visibility: str
) -> Consortium:
    """Change a consortium's status or visibility: only its lead's admins may."""
    if not _is_admin(updated_by, consortium.lead_organisation):
        raise PermissionDenied
    changes = []
    if status != consortium.status:
        consortium.status = status
        changes.append(f"status to {consortium.get_status_display().lower()}")
    if visibility != consortium.visibility:
        consortium.visibility = visibility
        changes.append(f"visibility to {consortium.get_visibility_display().lower()}")
    if not changes:
        return consortium
    consortium.full_clean()
    consortium.save()
    _record(
        consortium=consortium,
        actor=updated_by,
        organisation=consortium.lead_organisation,
        description=f"{consortium.lead_organisation.name} changed the {' and '.join(changes)}",
        notify=_current_member_organisations(consortium),
    )
    return consortium


@transaction.atomic
def consortium_invite(
    *, consortium: Consortium, organisation: Organisation, role: str, invited_by: User
) -> ConsortiumMembership:
    """The lead invites a published organisation to join with a proposed role."""
    if not _is_admin(invited_by, consortium.lead_organisation):
        raise PermissionDenied
    if consortium.status == Consortium.Status.CLOSED:
        raise ValidationError("A closed consortium cannot invite organisations")
    if organisation.status != Organisation.Status.PUBLISHED:
        raise ValidationError({"organisation": "Select an organisation in the directory"})
    if consortium.memberships.filter(
        organisation=organisation,
        status__in=[ConsortiumMembership.Status.INVITED, ConsortiumMembership.Status.ACCEPTED],
    ).exists():
        raise ValidationError(
            {"organisation": f"{organisation.name} is already invited or a member"}
        )
    membership = ConsortiumMembership(
        consortium=consortium, organisation=organisation, role=role.strip(), invited_by=invited_by
    )
    membership.full_clean()
    membership.save()
    _record(
        consortium=consortium,
        actor=invited_by,
        organisation=organisation,
        description=f"{organisation.name} was invited to join as {membership.role}",
        notify=[organisation, consortium.lead_organisation],
    )
    return membership


@transaction.atomic
def consortium_membership_respond(
    *, membership: ConsortiumMembership, accept: bool, responded_by: User
) -> ConsortiumMembership:
    """The invited organisation's admin accepts or declines an invitation."""
    if not _is_admin(responded_by, membership.organisation):
        raise PermissionDenied
    if membership.status != ConsortiumMembership.Status.INVITED:
        raise ValidationError("This invitation has already been answered")
    membership.status = (
        ConsortiumMembership.Status.ACCEPTED if accept else ConsortiumMembership.Status.DECLINED
    )
    membership.responded_at = timezone.now()
    membership.full_clean()
    membership.save()
    consortium = membership.consortium
    verb = "joined the consortium" if accept else "declined the invitation"
    _record(
        consortium=consortium,
        actor=responded_by,
        organisation=membership.organisation,
        description=f"{membership.organisation.name} {verb}",
        notify=_current_member_organisations(consortium),
    )
    return membership


@transaction.atomic
def consortium_leave(*, membership: ConsortiumMembership, left_by: User) -> ConsortiumMembership:
    """A member organisation's admin takes it out of the consortium."""
    if not _is_admin(left_by, membership.organisation):
        raise PermissionDenied
    if membership.status != ConsortiumMembership.Status.ACCEPTED:
        raise ValidationError("Only a current member can leave")
    consortium = membership.consortium
    if membership.organisation_id == consortium.lead_organisation_id:
        raise ValidationError("Hand leadership to another member before the lead leaves")
    membership.status = ConsortiumMembership.Status.LEFT
    membership.responded_at = timezone.now()
    membership.full_clean()
    membership.save()
    _record(
        consortium=consortium,
        actor=left_by,
        organisation=membership.organisation,
        description=f"{membership.organisation.name} left the consortium",
        notify=[membership.organisation, *_current_member_organisations(consortium)],
    )
    return membership


@transaction.atomic
def consortium_leadership_transfer(
    *, consortium: Consortium, new_lead: Organisation, transferred_by: User
) -> Consortium:
    """The lead hands leadership to another current member; the old lead stays a member."""
    if not _is_admin(transferred_by, consortium.lead_organisation):
        raise PermissionDenied
    new_membership = consortium.memberships.filter(
        organisation=new_lead, status=ConsortiumMembership.Status.ACCEPTED
    ).first()
    if new_membership is None or new_lead.pk == consortium.lead_organisation_id:
        raise ValidationError({"new_lead": "Select another current member"})
    old_lead = consortium.lead_organisation
    old_membership = consortium.memberships.get(
        organisation=old_lead, status=ConsortiumMembership.Status.ACCEPTED
    )
    old_membership.role, new_membership.role = new_membership.role, LEAD_ROLE
    old_membership.full_clean()
    old_membership.save()
    new_membership.full_clean()
    new_membership.save()
    consortium.lead_organisation = new_lead
    consortium.full_clean()
    consortium.save()
    _record(
        consortium=consortium,
        actor=transferred_by,
        organisation=new_lead,
        description=f"{old_lead.name} handed leadership to {new_lead.name}",
        notify=_current_member_organisations(consortium),
    )
    return consortium
