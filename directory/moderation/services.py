"""Moderation decisions, pending revisions of published organisations, reports and freshness.

Every decision goes through `decision_record`, which follows the policy of its kind of subject
(`POLICIES`: the actions allowed, the reasons needed, who may not decide, what the action does,
who is emailed) and writes one audit record (`AuditRecord`: who, when, what, which, why).
Changes to rows keep django-simple-history records attributed to the moderator
(`_history_user`).
"""

import calendar
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Max, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts import services as account_services
from accounts.models import CommissionerProfile, Membership, User
from directory.moderation import revision_lists
from directory.moderation import selectors as moderation_selectors
from directory.moderation.models import (
    ClaimRequest,
    ModerationEmailSent,
    OrganisationRevision,
    ProblemReport,
    ReviewLock,
)
from directory.moderation.notifications import (
    claim_request_decided_notify,
    commissioner_decision_notify,
    freshness_reminder_notify,
    moderation_decision_notify,
    moderators_notify,
)
from directory.organisations import services as organisation_services
from directory.organisations import validators
from directory.organisations.models import (
    SUBMISSION_MESSAGE_LENGTH,
    AuditRecord,
    DeliveryLocation,
    EvidenceItem,
    Organisation,
    Service,
)
from directory.search import search_index

Status = Organisation.Status
Kind = AuditRecord.Kind
Action = AuditRecord.Action

# Organisation fields the owners edit; the others are kept by the system.
SYSTEM_FIELDS = {
    "id",
    "uuid",
    "slug",
    "status",
    "is_unclaimed",
    "admin_lost_at",
    "last_verified_at",
    "freshness_stage",
    "completed_sections",
    "version",
    "registration_token",
    "published_at",
    "submitted_at",
    "submission_message",
    "created_at",
    "updated_at",
    "search_text",
}
PROFILE_M2M_FIELDS = ("partnership_roles", "quality_marks")
REVIEW_LOCK_DURATION = timedelta(minutes=30)
# New work is emailed to the moderators at most this often, in one digest.
DIGEST_INTERVAL = timedelta(hours=1)
NEVER = datetime(2000, 1, 1, tzinfo=UTC)


class ModerationError(Exception):
    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


class ChangedSinceReviewError(ModerationError):
    """The owners saved changes after the moderator opened the page: they have not seen them."""

    def __init__(self):
        super().__init__(
            "The organisation's profile has changed since you opened this page. "
            "Review the changes before you approve them"
        )


# --- Pending revisions ---


def profile_fields() -> list[models.Field]:
    return [
        field for field in Organisation._meta.concrete_fields if field.name not in SYSTEM_FIELDS
    ]


def _field_value(organisation: Organisation, field: models.Field):
    if field.is_relation:
        related = getattr(organisation, field.name)
        return related.slug if related else None
    return field.value_from_object(organisation)


def profile_snapshot(organisation: Organisation, m2m: dict | None = None) -> dict:
    """The owner-edited fields, foreign keys as slugs (JSON-ready), with the many-to-manys in
    `m2m` (all of them from the database when `m2m` is None) as sorted slugs."""
    snapshot = {field.name: _field_value(organisation, field) for field in profile_fields()}
    for name in PROFILE_M2M_FIELDS if m2m is None else m2m:
        values = getattr(organisation, name).all() if m2m is None else m2m[name]
        snapshot[name] = sorted(term.slug for term in values)
    return snapshot


def _live_values(organisation: Organisation, names) -> dict:
    live = Organisation.objects.get(pk=organisation.pk)
    values = profile_snapshot(live)
    for key in revision_lists.LISTS:
        if key in names:
            values[key] = revision_lists.LIVE[key](live)
    return values


def _delete_documents(names: set[str]) -> None:
    """Delete uploaded evidence files once the transaction has committed."""
    storage = EvidenceItem._meta.get_field("document").storage
    for name in names:
        transaction.on_commit(lambda name=name: storage.delete(name))


def _revision_merge(
    organisation: Organisation, changes: dict, user: User | None
) -> OrganisationRevision | None:
    """Compare edited values with the live ones: what differs waits in the open revision (pending,
    or sent back to the owners), what is back to its live value waits no more."""
    live_values = _live_values(organisation, changes)
    revision = organisation.revisions.open().select_for_update().first()
    if revision is None:
        revision = OrganisationRevision(organisation=organisation, created_by=user)
    pending_documents = revision_lists.documents(revision.proposed.get(revision_lists.EVIDENCE))
    for name, value in changes.items():
        if name in revision_lists.LISTS:
            value = revision_lists.canonical(name, value)
        if value != live_values[name]:
            revision.proposed[name] = value
            revision.original.setdefault(name, live_values[name])
        elif name in revision.proposed:
            revision.proposed.pop(name)
            revision.original.pop(name, None)
    # A file uploaded for a pending change and since replaced or dropped is used by nothing.
    _delete_documents(
        pending_documents
        - revision_lists.documents(revision.proposed.get(revision_lists.EVIDENCE))
        - revision_lists.documents(live_values.get(revision_lists.EVIDENCE))
    )
    if not revision.proposed:
        if revision.pk:
            revision.delete()
        return None
    revision.updated_at = timezone.now()
    if user is not None:
        # Who changed it, for the four-eyes rule (moderation_selectors.authored_by).
        revision._history_user = user
    revision.full_clean(exclude=["created_by"])
    revision.save()
    return revision


def revision_record(
    *, organisation: Organisation, m2m: dict | None = None, user: User | None = None
) -> OrganisationRevision | None:
    """Keep the edits to a published organisation's fields (and the many-to-manys in `m2m`) in
    its pending revision, not the live rows."""
    changes = profile_snapshot(organisation, m2m or {})
    return _revision_merge(organisation, changes, user)


def revision_record_list(
    *, organisation: Organisation, key: str, items: list[dict], user: User | None = None
) -> OrganisationRevision | None:
    """Keep the edited services or evidence of a published organisation (the whole list, as
    JSON: see directory.moderation.revision_lists) in its pending revision, not the live rows."""
    return _revision_merge(organisation, {key: items}, user)


def revision_overlay(organisation: Organisation) -> dict:
    """Put the open revision's values (pending, or sent back to the owners) on the organisation,
    so its owners edit what they last saved; returns its many-to-many values as form initial
    data."""
    revision = organisation.revisions.open().first()
    if revision is None:
        return {}
    apply_fields(organisation, revision.proposed)
    initial = {}
    for name in PROFILE_M2M_FIELDS:
        if name in revision.proposed:
            related = Organisation._meta.get_field(name).related_model
            initial[name] = list(related.objects.filter(slug__in=revision.proposed[name]))
    return initial


def saved_snapshot(organisation: Organisation, m2m_names) -> dict:
    """`profile_snapshot` of the organisation as its owners last saved it: the live values with
    those waiting for review put over them (on `organisation` itself)."""
    pending_terms = revision_overlay(organisation)
    m2m = {name: pending_terms.get(name, getattr(organisation, name).all()) for name in m2m_names}
    return profile_snapshot(organisation, m2m)


def saved_profile(organisation: Organisation, revision: OrganisationRevision | None = None) -> dict:
    """Every owner-edited field, services and evidence included, as JSON: the live values with
    those of `revision` (the open one, if any) put over them. A submission's is what would be
    published; a kept one says what the owners had when it was sent back."""
    live = Organisation.objects.get(pk=organisation.pk)
    values = profile_snapshot(live)
    values |= {key: revision_lists.LIVE[key](live) for key in revision_lists.LISTS}
    return values | (revision.proposed if revision is not None else {})


def _term_names(model: type[models.Model], *values) -> dict[str, str]:
    slugs = set()
    for value in values:
        slugs |= set(value) if isinstance(value, list) else {value} if value else set()
    return dict(model.objects.filter(slug__in=slugs).values_list("slug", "name"))


def revision_diff(revision: OrganisationRevision) -> list[dict]:
    """Field by field: label, the live value and the proposed one; services and evidence item
    by item (new, removed, changed) and field by field."""
    return profile_diff(revision.original, revision.proposed)


def field_labels() -> dict[str, str]:
    """The owner-edited fields' labels, as the moderators' pages show them."""
    labels = {field.name: field.verbose_name for field in profile_fields()}
    labels |= {name: Organisation._meta.get_field(name).verbose_name for name in PROFILE_M2M_FIELDS}
    # Upper-case the first letter only: "Charity number (England and Wales)".
    return {name: str(label)[:1].upper() + str(label)[1:] for name, label in labels.items()}


def profile_diff(original: dict, proposed: dict) -> list[dict]:
    """The rows of `revision_diff` for each field of `proposed` whose value differs from the
    one in `original` (a field missing there counts as empty)."""
    labels = field_labels()
    rows = []
    for name, after in proposed.items():
        before = original.get(name)
        if name in revision_lists.LISTS or before == after:
            continue
        row = {"field": name, "label": labels.get(name, name)}
        field = Organisation._meta.get_field(name)
        # Related terms (legal form, quality marks...) are kept as slugs and shown by name.
        names = _term_names(field.related_model, before, after) if field.is_relation else {}
        if name in PROFILE_M2M_FIELDS:
            row["added"] = [names.get(s, s) for s in sorted(set(after) - set(before or []))]
            row["removed"] = [names.get(s, s) for s in sorted(set(before or []) - set(after))]
        else:
            row["before"], row["after"] = names.get(before, before), names.get(after, after)
        rows.append(row)
    for key in revision_lists.LISTS:
        if key in proposed:
            rows += revision_lists.list_diff(key, original.get(key, []), proposed[key])
    return rows


def revision_summary(revision: OrganisationRevision | None) -> list[str]:
    """What waits for a moderator, one line per field or item, for the organisation's owners."""
    if revision is None:
        return []
    lines = [
        row["label"] for row in revision_diff(revision) if row["field"] not in revision_lists.LISTS
    ]
    for key in revision_lists.LISTS:
        if key in revision.proposed:
            lines += revision_lists.list_summary(
                key, revision.original.get(key, []), revision.proposed[key]
            )
    return lines


def apply_fields(organisation: Organisation, values: dict) -> None:
    for field in profile_fields():
        if field.name not in values:
            continue
        value = values[field.name]
        if field.is_relation:
            value = field.related_model.objects.filter(slug=value).first() if value else None
        setattr(organisation, field.name, value)


# --- Four eyes ---

# Fields that moderators' decisions and the system change, not the authors of a profile (the
# owners' sending it for review, `submitted_at` and its message, is authorship).
NOT_AUTHORED_FIELDS = (SYSTEM_FIELDS - {"submitted_at", "submission_message"}) | {
    "verified_by_moderator",
    "verified_at",
    "verified_by",
}


def _authored_records(records, excluded: set[str]) -> bool:
    """Whether any of these history records created, deleted or changed more than `excluded`."""
    for record in records:
        if record.history_type != "~":
            return True
        previous = record.prev_record
        if previous is None:
            return True
        if record.diff_against(previous, excluded_fields=excluded).changes:
            return True
    return False


def changes_authored_by(
    organisation: Organisation, revision: OrganisationRevision | None, user
) -> bool:
    """Whether `user` made any of the changes waiting for a decision: edits in `revision` (to a
    published entry), or, for a submission, edits to the profile (or sending it) since the
    last decision on a submission of it."""
    if revision is not None:
        if revision.created_by_id == user.pk:
            return True
        records = OrganisationRevision.history.filter(id=revision.pk).order_by(
            "history_date", "history_id"
        )
        previous = None
        for record in records:
            if record.history_user_id == user.pk and (
                previous is None or record.proposed != previous.proposed
            ):
                return True
            previous = record
        return False
    mine = Q(history_user=user)
    since = AuditRecord.objects.filter(organisation=organisation, kind=Kind.SUBMISSION).aggregate(
        last=Max("created_at")
    )["last"]
    if since is not None:
        mine &= Q(history_date__gt=since)
    pk = organisation.pk
    return any(
        _authored_records(records.filter(mine), NOT_AUTHORED_FIELDS)
        for records in (
            Organisation.history.filter(id=pk),
            Service.history.filter(organisation_id=pk),
            DeliveryLocation.history.filter(service__organisation_id=pk),
            EvidenceItem.history.filter(organisation_id=pk),
        )
    )


def evidence_authored_by(organisation: Organisation, user) -> set[str]:
    """The uuids of the organisation's evidence items as they stand because of changes `user`
    made to the published entry: for each item, the last approved change that added or changed
    it. (Members' own edits are refused anyway, as members.)"""
    authors: dict[int, bool] = {}
    settled: set[str] = set()
    authored: set[str] = set()
    approved = organisation.revisions.filter(status=OrganisationRevision.Status.APPROVED)
    for revision in approved.order_by("-decided_at", "-id"):
        before = revision.original.get(revision_lists.EVIDENCE, [])
        for item in revision.proposed.get(revision_lists.EVIDENCE, []):
            if item["uuid"] in settled or item == revision_lists.find(before, item["uuid"]):
                continue
            settled.add(item["uuid"])
            if revision.pk not in authors:
                authors[revision.pk] = changes_authored_by(organisation, revision, user)
            if authors[revision.pk]:
                authored.add(item["uuid"])
    return authored


# --- Shared steps ---


def _refuse_own_organisation(organisation: Organisation, moderator: User) -> None:
    if organisation.memberships.filter(user=moderator).exists():
        raise PermissionDenied("You cannot moderate an organisation you belong to")


class OwnChangesError(PermissionDenied):
    """Four eyes: the moderator made (some of) the changes they are asked to decide on."""

    message = "You made some of these changes yourself, so another moderator must decide on them"

    def __init__(self):
        super().__init__(self.message)


def _refuse_own_changes(
    organisation: Organisation, revision: OrganisationRevision | None, moderator: User
) -> bool:
    """Refuse a moderator deciding on their own organisation or on changes they made; True when
    they made them and the deployment allows it (settings.MODERATION_ALLOW_SELF_APPROVAL), so
    that the decision is marked."""
    _refuse_own_organisation(organisation, moderator)
    if not changes_authored_by(organisation, revision, moderator):
        return False
    if not settings.MODERATION_ALLOW_SELF_APPROVAL:
        raise OwnChangesError
    return True


def _require_reason(reason: str, what: str) -> None:
    if not reason.strip():
        raise ValidationError({"reason": f"Enter {what}"})


def _lock_organisation(organisation: Organisation, allowed: set[str]) -> Organisation:
    locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if locked.status not in allowed:
        raise ModerationError(
            f"This organisation is {locked.get_status_display().lower()}, so that is not possible"
        )
    return locked


def _refuse_changed_since_review(organisation: Organisation, expected_version: int) -> None:
    if organisation.version != expected_version:
        raise ChangedSinceReviewError


def _save_organisation(organisation: Organisation, moderator: User | None) -> None:
    organisation._history_user = moderator
    organisation.full_clean()
    organisation.save()


def _mark_verified(organisation: Organisation, now: datetime) -> None:
    organisation.last_verified_at = now
    organisation.freshness_stage = Organisation.Freshness.CURRENT


def _lock_pending_revision(revision: OrganisationRevision) -> OrganisationRevision:
    locked = OrganisationRevision.objects.select_for_update().get(pk=revision.pk)
    if locked.status != OrganisationRevision.Status.PENDING:
        raise ModerationError("These changes have already been decided")
    return locked


def _close_revision(
    revision: OrganisationRevision, status: str, moderator: User, message: str
) -> None:
    """Decide the revision: approved or rejected closes it; changes requested sends it back to
    the owners, who go on from it (its files kept)."""
    if status == OrganisationRevision.Status.REJECTED:
        # Files uploaded only for the refused changes are used by nothing now.
        _delete_documents(
            revision_lists.documents(revision.proposed.get(revision_lists.EVIDENCE))
            - revision_lists.documents(revision.original.get(revision_lists.EVIDENCE))
        )
    revision.status = status
    revision.decided_by = moderator
    revision.decided_at = timezone.now()
    revision.message = message
    revision._history_user = moderator
    # created_by may be empty: the member who proposed the changes may have deleted their account.
    revision.full_clean(exclude=["created_by"])
    revision.save()


def _apply_revision(organisation: Organisation, revision: OrganisationRevision, moderator: User):
    """Put the revision's values on the live profile: fields, terms, services and evidence."""
    apply_fields(organisation, revision.proposed)
    _mark_verified(organisation, timezone.now())
    _save_organisation(organisation, moderator)
    for name in PROFILE_M2M_FIELDS:
        if name in revision.proposed:
            related = Organisation._meta.get_field(name).related_model
            getattr(organisation, name).set(
                related.objects.filter(slug__in=revision.proposed[name])
            )
    if revision_lists.SERVICES in revision.proposed:
        revision_lists.apply_services(
            organisation, revision.proposed[revision_lists.SERVICES], moderator
        )
    if revision_lists.EVIDENCE in revision.proposed:
        _delete_documents(
            revision_lists.apply_evidence(
                organisation, revision.proposed[revision_lists.EVIDENCE], moderator
            )
        )


@transaction.atomic
def submission_message_checked(message: str) -> str:
    """The owners' message to the moderators as kept: without control characters or the space
    around it; refused when too long."""
    message = validators.without_control_characters(message).strip()
    if len(message) > SUBMISSION_MESSAGE_LENGTH:
        raise ValidationError(
            {
                "submission_message": "Message to the moderators must be "
                f"{SUBMISSION_MESSAGE_LENGTH} characters or fewer"
            }
        )
    return message


def revision_resubmit(
    *, organisation: Organisation, user: User, message: str = ""
) -> OrganisationRevision | None:
    """Send changes a moderator sent back to the owners for review again, with the owners'
    `message` to the moderators (None if there are none)."""
    message = submission_message_checked(message)
    revision = (
        organisation.revisions.select_for_update()
        .filter(status=OrganisationRevision.Status.CHANGES_REQUESTED)
        .first()
    )
    if revision is None:
        return None
    revision.status = OrganisationRevision.Status.PENDING
    revision.submitted_at = timezone.now()
    # Blank when they wrote nothing: the last sending's message is not this one's.
    revision.submission_message = message
    revision._history_user = user
    revision.full_clean(exclude=["created_by"])
    revision.save()
    return revision


# --- Decisions: one service, a policy per kind of subject ---


@dataclass(frozen=True)
class DecisionRequest:
    """What the person deciding asked for."""

    subject: models.Model
    action: str
    actor: User
    reason: str = ""
    # The organisation's version the moderator reviewed (approving a submission or changes).
    expected_version: int | None = None
    # The organisation's name typed to confirm deleting it for good.
    confirm_name: str = ""


@dataclass
class Outcome:
    """What a decision did, for its audit record and what follows it."""

    subject: models.Model
    organisation: Organisation | None
    label: str = ""
    subject_user: User | None = None
    snapshot: dict | None = None


class DecisionPolicy(ABC):
    """How one kind of subject is decided: the `actions` allowed (with the words the decision
    form shows), the `reasons` some need ("Enter ..."), who may not decide (`refuse`), what an
    action does (`apply`) and what follows the audit record (`follow`: the organisation's
    admins emailed, the review lock released, the search refreshed)."""

    kind: str
    model: type[models.Model]
    actions: dict[str, str] = {Action.DONE: "Done"}
    reasons: dict[str, str] = {}
    # Moderators who belong to the organisation may not decide on it.
    refuses_members = False
    tells_owners = False
    releases_review_lock = False
    # The actions after which the organisation's search document is made again.
    refreshes_search: frozenset[str] = frozenset()

    def refuse(self, request: DecisionRequest) -> bool:
        """Raise PermissionDenied if the actor may not decide; True when they decide on changes
        they made and the deployment allows it."""
        if self.refuses_members:
            _refuse_own_organisation(request.subject.organisation, request.actor)
        return False

    @abstractmethod
    def apply(self, request: DecisionRequest) -> Outcome:
        """Do what the action does to the subject (locked), refusing what its state forbids."""

    def follow(self, record: AuditRecord, outcome: Outcome) -> None:
        """What happens once the decision is recorded."""
        organisation = outcome.organisation
        if self.tells_owners:
            moderation_decision_notify(decision=record)
        if self.releases_review_lock:
            ReviewLock.objects.filter(item=f"organisation:{organisation.pk}").delete()
        if record.action in self.refreshes_search:
            search_index.refresh_search_documents(organisation_ids=[organisation.pk])


class OrganisationReviewPolicy(DecisionPolicy):
    """A submission or changes to a published entry: four eyes and the reviewed version."""

    actions = {
        Action.APPROVE: "Approve",
        Action.REQUEST_CHANGES: "Request changes",
        Action.REJECT: "Reject",
    }
    tells_owners = True
    releases_review_lock = True
    refreshes_search = frozenset({Action.APPROVE})


class SubmissionPolicy(OrganisationReviewPolicy):
    kind = Kind.SUBMISSION
    model = Organisation
    reasons = {
        Action.REQUEST_CHANGES: "a message saying what needs to change",
        Action.REJECT: "the reason for rejecting it",
    }
    statuses = {Action.REQUEST_CHANGES: Status.CHANGES_REQUESTED, Action.REJECT: Status.REJECTED}

    def refuse(self, request: DecisionRequest) -> bool:
        return _refuse_own_changes(request.subject, None, request.actor)

    def apply(self, request: DecisionRequest) -> Outcome:
        locked = _lock_organisation(request.subject, {Status.SUBMITTED})
        if request.action == Action.APPROVE:
            _refuse_changed_since_review(locked, request.expected_version)
            now = timezone.now()
            locked.status = Status.PUBLISHED
            locked.published_at = locked.published_at or now
            _mark_verified(locked, now)
        else:
            locked.status = self.statuses[request.action]
        _save_organisation(locked, request.actor)
        snapshot = saved_profile(locked) if request.action == Action.REQUEST_CHANGES else None
        return Outcome(subject=locked, organisation=locked, snapshot=snapshot)


class RevisionPolicy(OrganisationReviewPolicy):
    kind = Kind.REVISION
    model = OrganisationRevision
    reasons = {
        Action.REQUEST_CHANGES: "a message saying what needs to change",
        Action.REJECT: "the reason for rejecting the changes",
    }
    statuses = {
        Action.REQUEST_CHANGES: OrganisationRevision.Status.CHANGES_REQUESTED,
        Action.REJECT: OrganisationRevision.Status.REJECTED,
    }

    def refuse(self, request: DecisionRequest) -> bool:
        revision = request.subject
        return _refuse_own_changes(revision.organisation, revision, request.actor)

    def apply(self, request: DecisionRequest) -> Outcome:
        if request.action != Action.APPROVE:
            revision = _lock_pending_revision(request.subject)
            _close_revision(revision, self.statuses[request.action], request.actor, request.reason)
            snapshot = (
                saved_profile(revision.organisation, revision)
                if request.action == Action.REQUEST_CHANGES
                else None
            )
            return Outcome(subject=revision, organisation=revision.organisation, snapshot=snapshot)
        # The organisation first, as the owners' edits lock it (claiming a version) first.
        organisation = _lock_organisation(request.subject.organisation, {Status.PUBLISHED})
        revision = _lock_pending_revision(request.subject)
        _refuse_changed_since_review(organisation, request.expected_version)
        _apply_revision(organisation, revision, request.actor)
        _close_revision(revision, OrganisationRevision.Status.APPROVED, request.actor, "")
        return Outcome(subject=revision, organisation=organisation)


class ClaimPolicy(DecisionPolicy):
    """A claim on, or request to join, an organisation that has no admins to decide it."""

    kind = Kind.CLAIM
    model = ClaimRequest
    refuses_members = True
    actions = {Action.APPROVE: "Approve", Action.REJECT: "Decline"}
    reasons = {Action.REJECT: "the reason for declining the request"}

    def apply(self, request: DecisionRequest) -> Outcome:
        claim = claim_request_decide(
            claim_request=request.subject,
            decided_by=request.actor,
            approve=request.action == Action.APPROVE,
            reason=request.reason,
        )
        return Outcome(
            subject=claim,
            organisation=claim.organisation,
            label=claim.get_kind_display(),
            subject_user=claim.user,
        )


class CommissionerPolicy(DecisionPolicy):
    """Verifying a commissioner, or recording that they could not be verified and why."""

    kind = Kind.COMMISSIONER
    model = CommissionerProfile
    actions = {Action.APPROVE: "Verify them", Action.REJECT: "They cannot be verified"}
    reasons = {Action.REJECT: "the reason they cannot be verified"}

    def refuse(self, request: DecisionRequest) -> bool:
        if request.subject.user_id == request.actor.pk:
            raise PermissionDenied("You cannot verify yourself: another moderator must")
        return False

    def apply(self, request: DecisionRequest) -> Outcome:
        profile = CommissionerProfile.objects.select_for_update().get(pk=request.subject.pk)
        if profile.verification_status != CommissionerProfile.Verification.PENDING:
            raise ModerationError("This commissioner has already been decided")
        if request.action == Action.APPROVE:
            profile = account_services.commissioner_verify(
                profile=profile, verified_by=request.actor
            )
        else:
            profile = account_services.commissioner_reject(
                profile=profile, rejected_by=request.actor
            )
        return Outcome(
            subject=profile, organisation=None, label=profile.body_name, subject_user=profile.user
        )

    def follow(self, record: AuditRecord, outcome: Outcome) -> None:
        super().follow(record, outcome)
        commissioner_decision_notify(decision=record, profile=outcome.subject)


class ReportPolicy(DecisionPolicy):
    """A report from the public: resolved (the entry was put right) or dismissed."""

    kind = Kind.REPORT
    model = ProblemReport
    actions = {
        Action.APPROVE: "Resolved: the entry has been put right",
        Action.REJECT: "Dismiss: nothing needs to change",
    }
    reasons = {Action.REJECT: "the reason for dismissing the report"}

    def apply(self, request: DecisionRequest) -> Outcome:
        locked = ProblemReport.objects.select_for_update().get(pk=request.subject.pk)
        if locked.status != ProblemReport.Status.OPEN:
            raise ModerationError("This report has already been dealt with")
        Report = ProblemReport.Status
        locked.status = Report.RESOLVED if request.action == Action.APPROVE else Report.DISMISSED
        locked.handled_by = request.actor
        locked.handled_at = timezone.now()
        locked._history_user = request.actor
        locked.full_clean()
        locked.save()
        return Outcome(subject=locked, organisation=locked.organisation)


class EvidencePolicy(DecisionPolicy):
    """Marking an item of evidence as checked by a moderator."""

    kind = Kind.EVIDENCE_VERIFY
    model = EvidenceItem
    refuses_members = True
    actions = {Action.APPROVE: "Verified"}

    def refuse(self, request: DecisionRequest) -> bool:
        """Four eyes also for evidence a moderator put on someone else's profile."""
        super().refuse(request)
        evidence = request.subject
        if str(evidence.uuid) not in evidence_authored_by(evidence.organisation, request.actor):
            return False
        if not settings.MODERATION_ALLOW_SELF_APPROVAL:
            raise PermissionDenied(
                "You added or changed this evidence yourself, so another moderator must verify it"
            )
        return True

    def apply(self, request: DecisionRequest) -> Outcome:
        evidence = request.subject
        evidence.verified_by_moderator = True
        evidence.verified_at = timezone.now()
        evidence.verified_by = request.actor
        evidence._history_user = request.actor
        evidence.full_clean()
        evidence.save()
        return Outcome(subject=evidence, organisation=evidence.organisation, label=evidence.title)


class ArchivePolicy(DecisionPolicy):
    """Taking an organisation out of the directory without deleting it; changes waiting for
    review are closed unapplied (restored, it comes back as a draft to edit directly)."""

    kind = Kind.ARCHIVE
    model = Organisation
    reasons = {Action.DONE: "the reason for archiving it"}
    tells_owners = True
    refreshes_search = frozenset({Action.DONE})

    def apply(self, request: DecisionRequest) -> Outcome:
        locked = _lock_organisation(request.subject, set(Status) - {Status.ARCHIVED})
        for revision in locked.revisions.open().select_for_update():
            _close_revision(
                revision, OrganisationRevision.Status.REJECTED, request.actor, request.reason
            )
        locked.status = Status.ARCHIVED
        _save_organisation(locked, request.actor)
        return Outcome(subject=locked, organisation=locked)


class RestorePolicy(DecisionPolicy):
    """Bringing an archived organisation back as a draft for its owners to resubmit."""

    kind = Kind.RESTORE
    model = Organisation
    tells_owners = True

    def apply(self, request: DecisionRequest) -> Outcome:
        locked = _lock_organisation(request.subject, {Status.ARCHIVED})
        locked.status = Status.DRAFT
        _save_organisation(locked, request.actor)
        return Outcome(subject=locked, organisation=locked)


class PurgePolicy(DecisionPolicy):
    """Deleting an archived organisation for good (the only way an organisation is deleted);
    its audit records keep its name."""

    kind = Kind.PURGE
    model = Organisation

    def apply(self, request: DecisionRequest) -> Outcome:
        locked = _lock_organisation(request.subject, {Status.ARCHIVED})
        if request.confirm_name.strip() != locked.name:
            raise ValidationError(
                {"confirm_name": "Enter the organisation's name exactly as shown"}
            )
        locked._history_user = request.actor
        return Outcome(subject=locked, organisation=locked)

    def follow(self, record: AuditRecord, outcome: Outcome) -> None:
        super().follow(record, outcome)
        outcome.organisation.delete()


class ConfirmationPolicy(DecisionPolicy):
    """An admin of a published organisation saying its entry is still correct."""

    kind = Kind.CONFIRMATION
    model = Organisation
    refreshes_search = frozenset({Action.DONE})

    def refuse(self, request: DecisionRequest) -> bool:
        if not request.subject.memberships.admins().filter(user=request.actor).exists():
            raise PermissionDenied("Only the organisation's admins can confirm its entry")
        return False

    def apply(self, request: DecisionRequest) -> Outcome:
        locked = _lock_organisation(request.subject, {Status.PUBLISHED})
        _mark_verified(locked, timezone.now())
        _save_organisation(locked, request.actor)
        return Outcome(subject=locked, organisation=locked)


POLICIES: dict[str, DecisionPolicy] = {
    policy.kind: policy
    for policy in (
        SubmissionPolicy(),
        RevisionPolicy(),
        ClaimPolicy(),
        CommissionerPolicy(),
        ReportPolicy(),
        EvidencePolicy(),
        ArchivePolicy(),
        RestorePolicy(),
        PurgePolicy(),
        ConfirmationPolicy(),
    )
}


@transaction.atomic
def decision_record(
    *,
    kind: str,
    subject: models.Model,
    action: str,
    actor: User,
    reason: str = "",
    expected_version: int | None = None,
    confirm_name: str = "",
) -> AuditRecord:
    """Decide on `subject` as its kind's policy says (POLICIES), write the one audit record of
    the decision (who, what, which, why) and email whom the policy tells."""
    policy = POLICIES.get(kind)
    if policy is None:
        raise ModerationError(f"“{kind}” is not a kind of moderation decision")
    if not isinstance(subject, policy.model):
        raise TypeError(f"A {kind} decision is about a {policy.model.__name__}")
    if action not in policy.actions:
        raise ModerationError(f"“{action}” is not a decision on a {Kind(kind).label.lower()}")
    request = DecisionRequest(
        subject=subject,
        action=action,
        actor=actor,
        reason=reason,
        expected_version=expected_version,
        confirm_name=confirm_name,
    )
    if action in policy.reasons:
        _require_reason(reason, policy.reasons[action])
    self_decided = policy.refuse(request)
    outcome = policy.apply(request)
    record = organisation_services.audit_record(
        actor=actor,
        kind=kind,
        action=action,
        subject=outcome.subject,
        organisation=outcome.organisation,
        reason=reason,
        subject_name=outcome.label,
        subject_user=outcome.subject_user,
        self_decided=self_decided,
        snapshot=outcome.snapshot,
    )
    policy.follow(record, outcome)
    return record


# --- Claims and reports ---


@transaction.atomic
def claim_request_decide(
    *, claim_request: ClaimRequest, decided_by: User, approve: bool, reason: str = ""
) -> ClaimRequest:
    """Approve (adding the membership) or decline a pending request, telling the person who
    asked (with the `reason`, if given)."""
    claim = ClaimRequest.objects.select_for_update().get(pk=claim_request.pk)
    if claim.status != ClaimRequest.Status.PENDING:
        raise ValidationError("This request has already been decided")
    if claim.user_id == decided_by.pk:
        raise PermissionDenied("This is your own request, so someone else must decide it")
    if not moderation_selectors.decides_claims(organisation=claim.organisation, user=decided_by):
        raise PermissionDenied(
            "The organisation's admins decide this request (moderators only when it has none)"
        )
    claim.status = ClaimRequest.Status.APPROVED if approve else ClaimRequest.Status.DECLINED
    claim.decided_by = decided_by
    claim.decided_at = timezone.now()
    claim.full_clean()
    claim.save()
    if approve:
        role = (
            Membership.Role.ADMIN
            if claim.kind == ClaimRequest.Kind.CLAIM
            else Membership.Role.EDITOR
        )
        membership, _ = Membership.objects.get_or_create(
            user=claim.user, organisation=claim.organisation, defaults={"role": role}
        )
        if role == Membership.Role.ADMIN and membership.role != role:
            membership.role = role
            membership.save()
        if claim.kind == ClaimRequest.Kind.CLAIM and claim.organisation.is_unclaimed:
            claim.organisation.is_unclaimed = False
            claim.organisation.save(update_fields=["is_unclaimed", "updated_at"])
    claim_request_decided_notify(claim_request=claim, reason=reason)
    return claim


@transaction.atomic
def report_create(
    *, organisation: Organisation, description: str, email: str = ""
) -> ProblemReport:
    """A member of the public reports a problem with a published entry."""
    report = ProblemReport(organisation=organisation, description=description, email=email)
    report.full_clean()
    report.save()
    return report


# --- Review locks ---


def review_lock_take(*, item: str, user: User, now: datetime | None = None) -> ReviewLock:
    """Say that `user` is looking at `item`; another moderator's live lock is left alone."""
    now = now or timezone.now()
    ReviewLock.objects.filter(item=item, expires_at__lte=now).delete()
    lock, created = ReviewLock.objects.get_or_create(
        item=item, defaults={"user": user, "expires_at": now + REVIEW_LOCK_DURATION}
    )
    if lock.user_id == user.pk and not created:
        lock.expires_at = now + REVIEW_LOCK_DURATION
        lock.save(update_fields=["expires_at"])
    return lock


# --- Freshness ---


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (clamped to the month's end)."""
    year, month_index = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    month = month_index + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def freshness_thresholds(now: datetime) -> list[tuple[str, datetime]]:
    """(stage, verified before this moment) from the most to the least out of date."""
    F = Organisation.Freshness
    return [
        (F.HIDDEN, months_before(now, settings.FRESHNESS_HIDDEN_MONTHS)),
        (F.STALE, months_before(now, settings.FRESHNESS_STALE_MONTHS)),
        (F.SECOND_REMINDER, months_before(now, settings.FRESHNESS_SECOND_REMINDER_MONTHS)),
        (F.FIRST_REMINDER, months_before(now, settings.FRESHNESS_FIRST_REMINDER_MONTHS)),
    ]


FRESHNESS_ORDER = [stage for stage, _ in Organisation.Freshness.choices]


REMINDER_STAGES = {Organisation.Freshness.FIRST_REMINDER, Organisation.Freshness.SECOND_REMINDER}
FLAGGED_STAGES = {Organisation.Freshness.STALE, Organisation.Freshness.HIDDEN}


@transaction.atomic
def freshness_update(*, now: datetime | None = None) -> dict[str, int]:
    """Move published organisations on to the freshness stage their last verification puts them
    in (never verified, as when imported: their publication), emailing their admins on reaching
    each reminder stage (or, when the entry went straight past the final reminder, on reaching
    the later stage). Stages only move forward, so a second run on the same day sends nothing.
    Returns how many moved to each stage and "emails"."""
    now = now or timezone.now()
    moved = dict.fromkeys(FRESHNESS_ORDER, 0) | {"emails": 0}
    changed_ids = []
    published = Organisation.objects.published().annotate(
        checked_at=Coalesce("last_verified_at", "published_at")
    )
    for stage, before in freshness_thresholds(now):
        behind = FRESHNESS_ORDER[: FRESHNESS_ORDER.index(stage)]
        due = published.filter(checked_at__lt=before, freshness_stage__in=behind)
        for organisation in due.select_for_update():
            skipped_final_reminder = stage in FLAGGED_STAGES and organisation.freshness_stage in {
                Organisation.Freshness.CURRENT,
                Organisation.Freshness.FIRST_REMINDER,
            }
            organisation.freshness_stage = stage
            organisation.save(update_fields=["freshness_stage", "updated_at"])
            moved[stage] += 1
            changed_ids.append(organisation.pk)
            if stage in REMINDER_STAGES or skipped_final_reminder:
                moved["emails"] += freshness_reminder_notify(organisation=organisation, stage=stage)
    if changed_ids:
        search_index.refresh_search_documents(organisation_ids=changed_ids)
    return moved


# --- Telling the moderators ---


def _email_record(kind: str) -> ModerationEmailSent:
    """When the `kind` of email last went, locked so that two runs at once send it once."""
    ModerationEmailSent.objects.get_or_create(kind=kind, defaults={"sent_at": NEVER})
    return ModerationEmailSent.objects.select_for_update().get(kind=kind)


def _email_sent(record: ModerationEmailSent, now: datetime) -> None:
    record.sent_at = now
    record.full_clean()
    record.save()


@transaction.atomic
def moderation_digest_send(*, now: datetime | None = None) -> int:
    """Email the moderators what has arrived for a decision since the last digest, at most
    once an hour (DIGEST_INTERVAL), however many items come. Returns the new items emailed."""
    now = now or timezone.now()
    record = _email_record("digest")
    if record.sent_at > now - DIGEST_INTERVAL:
        return 0
    items, _ = moderation_selectors.moderation_queue()
    new = [item for item in items if record.sent_at < item.waiting_since <= now]
    if not new:
        return 0
    _email_sent(record, now)
    moderators_notify(template="moderation_digest", context={"new": new, "waiting": len(items)})
    return len(new)


@transaction.atomic
def moderation_summary_send(*, now: datetime | None = None) -> int:
    """Email the moderators, once a day, everything that has waited more than
    settings.MODERATION_OVERDUE_WORKING_DAYS working days. Returns the items emailed."""
    now = now or timezone.now()
    record = _email_record("summary")
    if timezone.localdate(record.sent_at) >= timezone.localdate(now):
        return 0
    items, _ = moderation_selectors.moderation_queue()
    days = settings.MODERATION_OVERDUE_WORKING_DAYS
    overdue = [
        item
        for item in items
        if moderation_selectors.working_days_since(item.waiting_since, now) > days
    ]
    if not overdue:
        return 0
    _email_sent(record, now)
    moderators_notify(template="moderation_overdue", context={"overdue": overdue, "days": days})
    return len(overdue)
