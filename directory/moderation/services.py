"""Moderation decisions, pending revisions of published organisations, reports and freshness.

Every decision writes a `ModerationDecision` (who, when, what, why) and, where it concerns an
organisation, emails its admins. Changes to rows keep django-simple-history records
attributed to the moderator (`_history_user`).
"""

import calendar
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
    ModerationDecision,
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
from directory.organisations.models import DeliveryLocation, EvidenceItem, Organisation, Service
from directory.search import search_index

Status = Organisation.Status
Kind = ModerationDecision.Kind
Action = ModerationDecision.Action

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
# owners' sending it for review, `submitted_at`, is authorship).
NOT_AUTHORED_FIELDS = (SYSTEM_FIELDS - {"submitted_at"}) | {
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
    since = ModerationDecision.objects.filter(
        organisation=organisation, kind=ModerationDecision.Kind.SUBMISSION
    ).aggregate(last=Max("decided_at"))["last"]
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


# --- Shared steps ---


def _decide(
    *,
    organisation: Organisation | None,
    kind: str,
    action: str,
    moderator: User | None,
    reason: str = "",
    subject: str = "",
    subject_user: User | None = None,
    notify: bool = True,
    self_decided: bool = False,
    snapshot: dict | None = None,
) -> ModerationDecision:
    decision = ModerationDecision(
        self_decided=self_decided,
        snapshot=snapshot,
        organisation=organisation,
        organisation_name=organisation.name if organisation else "",
        kind=kind,
        action=action,
        reason=reason,
        subject=subject,
        subject_user=subject_user,
        decided_by=moderator,
    )
    decision.full_clean()
    decision.save()
    if notify and organisation is not None:
        moderation_decision_notify(decision=decision)
    return decision


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


def _release_lock(item: str) -> None:
    ReviewLock.objects.filter(item=item).delete()


# --- New submissions ---


@transaction.atomic
def submission_approve(
    *, organisation: Organisation, moderator: User, expected_version: int
) -> Organisation:
    """Publish a submitted organisation, as it was at the version the moderator reviewed."""
    self_decided = _refuse_own_changes(organisation, None, moderator)
    locked = _lock_organisation(organisation, {Status.SUBMITTED})
    _refuse_changed_since_review(locked, expected_version)
    now = timezone.now()
    locked.status = Status.PUBLISHED
    locked.published_at = locked.published_at or now
    _mark_verified(locked, now)
    _save_organisation(locked, moderator)
    _decide(
        organisation=locked,
        kind=Kind.SUBMISSION,
        action=Action.APPROVE,
        moderator=moderator,
        self_decided=self_decided,
    )
    _release_lock(f"organisation:{locked.pk}")
    search_index.refresh_search_documents(organisation_ids=[locked.pk])
    return locked


@transaction.atomic
def submission_request_changes(
    *, organisation: Organisation, moderator: User, reason: str
) -> Organisation:
    """Send a submission back to its owners with a message saying what to change."""
    _require_reason(reason, "a message saying what needs to change")
    self_decided = _refuse_own_changes(organisation, None, moderator)
    locked = _lock_organisation(organisation, {Status.SUBMITTED})
    locked.status = Status.CHANGES_REQUESTED
    _save_organisation(locked, moderator)
    _decide(
        organisation=locked,
        kind=Kind.SUBMISSION,
        action=Action.REQUEST_CHANGES,
        moderator=moderator,
        reason=reason,
        self_decided=self_decided,
        snapshot=saved_profile(locked),
    )
    _release_lock(f"organisation:{locked.pk}")
    return locked


@transaction.atomic
def submission_reject(*, organisation: Organisation, moderator: User, reason: str) -> Organisation:
    """Refuse a submission, saying why."""
    _require_reason(reason, "the reason for rejecting it")
    self_decided = _refuse_own_changes(organisation, None, moderator)
    locked = _lock_organisation(organisation, {Status.SUBMITTED})
    locked.status = Status.REJECTED
    _save_organisation(locked, moderator)
    _decide(
        organisation=locked,
        kind=Kind.SUBMISSION,
        action=Action.REJECT,
        moderator=moderator,
        reason=reason,
        self_decided=self_decided,
    )
    _release_lock(f"organisation:{locked.pk}")
    return locked


# --- Revisions of published organisations ---


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


@transaction.atomic
def revision_approve(
    *, revision: OrganisationRevision, moderator: User, expected_version: int
) -> Organisation:
    """Apply the pending changes to the live profile, as they were at the version of the
    organisation the moderator reviewed."""
    self_decided = _refuse_own_changes(revision.organisation, revision, moderator)
    # The organisation first, as the owners' edits lock it (claiming a version) first.
    organisation = _lock_organisation(revision.organisation, {Status.PUBLISHED})
    revision = _lock_pending_revision(revision)
    _refuse_changed_since_review(organisation, expected_version)
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
    _close_revision(revision, OrganisationRevision.Status.APPROVED, moderator, "")
    _decide(
        organisation=organisation,
        kind=Kind.REVISION,
        action=Action.APPROVE,
        moderator=moderator,
        self_decided=self_decided,
    )
    _release_lock(f"organisation:{organisation.pk}")
    search_index.refresh_search_documents(organisation_ids=[organisation.pk])
    return organisation


@transaction.atomic
def revision_request_changes(
    *, revision: OrganisationRevision, moderator: User, reason: str
) -> OrganisationRevision:
    """Send the pending changes back to the owners unapplied, telling them what to change; they
    go on from what they proposed and send it for review again."""
    _require_reason(reason, "a message saying what needs to change")
    self_decided = _refuse_own_changes(revision.organisation, revision, moderator)
    revision = _lock_pending_revision(revision)
    _close_revision(revision, OrganisationRevision.Status.CHANGES_REQUESTED, moderator, reason)
    _decide(
        organisation=revision.organisation,
        kind=Kind.REVISION,
        action=Action.REQUEST_CHANGES,
        moderator=moderator,
        reason=reason,
        self_decided=self_decided,
        snapshot=saved_profile(revision.organisation, revision),
    )
    _release_lock(f"organisation:{revision.organisation_id}")
    return revision


@transaction.atomic
def revision_reject(
    *, revision: OrganisationRevision, moderator: User, reason: str
) -> OrganisationRevision:
    """Refuse the pending changes; the live profile stays as it is."""
    _require_reason(reason, "the reason for rejecting the changes")
    self_decided = _refuse_own_changes(revision.organisation, revision, moderator)
    revision = _lock_pending_revision(revision)
    _close_revision(revision, OrganisationRevision.Status.REJECTED, moderator, reason)
    _decide(
        organisation=revision.organisation,
        kind=Kind.REVISION,
        action=Action.REJECT,
        moderator=moderator,
        reason=reason,
        self_decided=self_decided,
    )
    _release_lock(f"organisation:{revision.organisation_id}")
    return revision


@transaction.atomic
def revision_resubmit(*, organisation: Organisation, user: User) -> OrganisationRevision | None:
    """Send changes a moderator sent back to the owners for review again (None if there are
    none)."""
    revision = (
        organisation.revisions.select_for_update()
        .filter(status=OrganisationRevision.Status.CHANGES_REQUESTED)
        .first()
    )
    if revision is None:
        return None
    revision.status = OrganisationRevision.Status.PENDING
    revision.submitted_at = timezone.now()
    revision._history_user = user
    revision.full_clean(exclude=["created_by"])
    revision.save()
    return revision


# --- Evidence, archive, restore, purge ---


@transaction.atomic
def evidence_verify(*, evidence: EvidenceItem, moderator: User) -> EvidenceItem:
    """Mark an item of evidence as checked by a moderator."""
    _refuse_own_organisation(evidence.organisation, moderator)
    evidence.verified_by_moderator = True
    evidence.verified_at = timezone.now()
    evidence.verified_by = moderator
    evidence._history_user = moderator
    evidence.full_clean()
    evidence.save()
    _decide(
        organisation=evidence.organisation,
        kind=Kind.EVIDENCE_VERIFY,
        action=Action.APPROVE,
        moderator=moderator,
        subject=evidence.title,
        notify=False,
    )
    return evidence


@transaction.atomic
def organisation_archive(
    *, organisation: Organisation, moderator: User, reason: str
) -> Organisation:
    """Take an organisation out of the directory without deleting it; changes waiting for
    review are closed unapplied (restored, it comes back as a draft to edit directly)."""
    _require_reason(reason, "the reason for archiving it")
    locked = _lock_organisation(organisation, set(Status) - {Status.ARCHIVED})
    for revision in locked.revisions.open().select_for_update():
        _close_revision(revision, OrganisationRevision.Status.REJECTED, moderator, reason)
    locked.status = Status.ARCHIVED
    _save_organisation(locked, moderator)
    _decide(
        organisation=locked,
        kind=Kind.ARCHIVE,
        action=Action.DONE,
        moderator=moderator,
        reason=reason,
    )
    search_index.refresh_search_documents(organisation_ids=[locked.pk])
    return locked


@transaction.atomic
def organisation_restore(*, organisation: Organisation, moderator: User) -> Organisation:
    """Bring an archived organisation back as a draft for its owners to resubmit."""
    locked = _lock_organisation(organisation, {Status.ARCHIVED})
    locked.status = Status.DRAFT
    _save_organisation(locked, moderator)
    _decide(organisation=locked, kind=Kind.RESTORE, action=Action.DONE, moderator=moderator)
    return locked


@transaction.atomic
def organisation_purge(*, organisation: Organisation, moderator: User, confirm_name: str) -> None:
    """Delete an archived organisation for good (the only way an organisation is deleted)."""
    locked = _lock_organisation(organisation, {Status.ARCHIVED})
    if confirm_name.strip() != locked.name:
        raise ValidationError({"confirm_name": "Enter the organisation's name exactly as shown"})
    _decide(
        organisation=locked,
        kind=Kind.PURGE,
        action=Action.DONE,
        moderator=moderator,
        notify=False,
    )
    locked._history_user = moderator
    locked.delete()


# --- Owners confirming their entry ---


@transaction.atomic
def organisation_confirm_still_correct(*, organisation: Organisation, user: User) -> Organisation:
    """An admin of a published organisation says its entry is still correct."""
    if not organisation.memberships.admins().filter(user=user).exists():
        raise PermissionDenied("Only the organisation's admins can confirm its entry")
    locked = _lock_organisation(organisation, {Status.PUBLISHED})
    _mark_verified(locked, timezone.now())
    _save_organisation(locked, user)
    _decide(
        organisation=locked,
        kind=Kind.CONFIRMATION,
        action=Action.DONE,
        moderator=user,
        notify=False,
    )
    search_index.refresh_search_documents(organisation_ids=[locked.pk])
    return locked


# --- Claims, commissioners and reports from the queue ---


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
def claim_decide(
    *, claim_request: ClaimRequest, moderator: User, approve: bool, reason: str = ""
) -> ClaimRequest:
    """Decide a claim on an organisation that has no admins to decide it, saying why (needed to
    decline; sent to the person who asked)."""
    _refuse_own_organisation(claim_request.organisation, moderator)
    if not approve:
        _require_reason(reason, "the reason for declining the request")
    claim = claim_request_decide(
        claim_request=claim_request, decided_by=moderator, approve=approve, reason=reason
    )
    _decide(
        organisation=claim.organisation,
        kind=Kind.CLAIM,
        action=Action.APPROVE if approve else Action.REJECT,
        moderator=moderator,
        reason=reason,
        subject=claim.get_kind_display(),
        subject_user=claim.user,
        notify=False,
    )
    return claim


@transaction.atomic
def commissioner_decide(
    *, profile: CommissionerProfile, moderator: User, approve: bool, reason: str = ""
) -> CommissionerProfile:
    """Verify a commissioner, or record that they could not be verified and why."""
    if profile.user_id == moderator.pk:
        raise PermissionDenied("You cannot verify yourself: another moderator must")
    if not approve:
        _require_reason(reason, "the reason they cannot be verified")
    profile = CommissionerProfile.objects.select_for_update().get(pk=profile.pk)
    if profile.verification_status != CommissionerProfile.Verification.PENDING:
        raise ModerationError("This commissioner has already been decided")
    if approve:
        profile = account_services.commissioner_verify(profile=profile, verified_by=moderator)
    else:
        profile = account_services.commissioner_reject(profile=profile, rejected_by=moderator)
    decision = _decide(
        organisation=None,
        kind=Kind.COMMISSIONER,
        action=Action.APPROVE if approve else Action.REJECT,
        moderator=moderator,
        reason=reason,
        subject=profile.body_name,
        subject_user=profile.user,
    )
    commissioner_decision_notify(decision=decision, profile=profile)
    return profile


@transaction.atomic
def report_create(
    *, organisation: Organisation, description: str, email: str = ""
) -> ProblemReport:
    """A member of the public reports a problem with a published entry."""
    report = ProblemReport(organisation=organisation, description=description, email=email)
    report.full_clean()
    report.save()
    return report


@transaction.atomic
def report_close(
    *, report: ProblemReport, moderator: User, resolved: bool, reason: str = ""
) -> ProblemReport:
    """Mark a report resolved (the entry was put right) or dismissed, saying why (needed to
    dismiss it)."""
    if not resolved:
        _require_reason(reason, "the reason for dismissing the report")
    locked = ProblemReport.objects.select_for_update().get(pk=report.pk)
    if locked.status != ProblemReport.Status.OPEN:
        raise ModerationError("This report has already been dealt with")
    locked.status = ProblemReport.Status.RESOLVED if resolved else ProblemReport.Status.DISMISSED
    locked.handled_by = moderator
    locked.handled_at = timezone.now()
    locked._history_user = moderator
    locked.full_clean()
    locked.save()
    _decide(
        organisation=locked.organisation,
        kind=Kind.REPORT,
        action=Action.APPROVE if resolved else Action.REJECT,
        moderator=moderator,
        reason=reason,
        notify=False,
    )
    return locked


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
