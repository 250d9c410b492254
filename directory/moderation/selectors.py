"""Reads for the moderation workspace: the queue, freshness counts and an organisation's history."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from accounts.models import CommissionerProfile, Membership, User
from directory.moderation import revision_lists
from directory.moderation.models import (
    ClaimRequest,
    OrganisationRevision,
    ProblemReport,
    RegisterEntry,
    ReviewLock,
)
from directory.organisations.models import (
    AuditRecord,
    DeliveryLocation,
    EvidenceItem,
    Organisation,
    Service,
)

QUEUE_KINDS = {
    "submission": "New submissions",
    "revision": "Changes to published entries",
    "claim": "Claims",
    "commissioner": "Commissioner verifications",
    "report": "Reports from the public",
    "adminless": "Organisations without an admin",
    "evidence": "Evidence to verify",
    "stale": "Stale entries to check again",
    "removed": "Removed from a register",
}

# One item's kind, as the queue's rows and the moderators' emails name it.
QUEUE_ITEM_KINDS = {
    "submission": "New submission",
    "revision": "Changes to a published entry",
    "claim": "Claim",
    "commissioner": "Commissioner verification",
    "report": "Report from the public",
    "adminless": "Organisation without an admin",
    "evidence": "Evidence to verify",
    "stale": "Stale entry to check again",
    "removed": "Removed from a register",
}


def profile_changing_decisions_since(moment: datetime) -> QuerySet:
    """Approvals after `moment` that published an organisation or changed its public profile
    (what a saved search's alert counts as a change; registered with search)."""
    return AuditRecord.objects.filter(
        kind__in=[AuditRecord.Kind.SUBMISSION, AuditRecord.Kind.REVISION],
        action=AuditRecord.Action.APPROVE,
        created_at__gt=moment,
    )


# The kinds that wait for a decision: counted in the header and emailed to the moderators.
# Unverified evidence and stale entries are work to pick up, not requests waiting for an answer.
DECISION_KINDS = (
    "submission",
    "revision",
    "claim",
    "commissioner",
    "report",
    "adminless",
    "removed",
)


@dataclass
class QueueItem:
    kind: str
    title: str
    detail: str
    waiting_since: datetime
    url: str
    lock_key: str
    reviewer: str = ""

    @property
    def kind_label(self) -> str:
        return QUEUE_ITEM_KINDS[self.kind]

    @property
    def overdue(self) -> bool:
        """Waiting longer than the daily summary allows."""
        return working_days_since(self.waiting_since) > settings.MODERATION_OVERDUE_WORKING_DAYS


def working_days_since(moment: datetime, now: datetime | None = None) -> int:
    """Whole working days (Monday to Friday; bank holidays are not known) from `moment`."""
    start, end = timezone.localdate(moment), timezone.localdate(now or timezone.now())
    if end <= start:
        return 0
    weeks, extra = divmod((end - start).days, 7)
    days = weeks * 5
    for offset in range(1, extra + 1):
        if (start + timedelta(days=offset)).weekday() < 5:
            days += 1
    return days


def _in_region(region_slug: str, field: str = "pk") -> Q:
    """Organisations (or rows whose `field` points to one) with a service in the region."""
    if not region_slug:
        return Q()
    services = Service.objects.filter(regions__slug=region_slug).values("organisation_id")
    return Q(**{f"{field}__in": services})


def _review_url(organisation: Organisation) -> str:
    return reverse("moderation:organisation", kwargs={"org": organisation.uuid})


def _with_an_admin():
    return Membership.objects.admins().values("organisation_id")


def claims_for_moderators() -> QuerySet[ClaimRequest]:
    """Requests to join or claim organisations with no admin: the others' admins decide them."""
    return ClaimRequest.objects.exclude(organisation_id__in=_with_an_admin())


def organisations_without_admin() -> QuerySet[Organisation]:
    """Organisations whose last admin deleted their account, until someone is their admin again
    (or they are archived)."""
    return (
        Organisation.objects.filter(admin_lost_at__isnull=False)
        .exclude(status=Organisation.Status.ARCHIVED)
        .exclude(pk__in=_with_an_admin())
    )


def removed_from_register() -> QuerySet[Organisation]:
    """Organisations a register says were removed or dissolved, until archived or verified
    again (verifying puts them back in default search)."""
    return (
        Organisation.objects.filter(removed_from_register_on__isnull=False)
        .exclude(status=Organisation.Status.ARCHIVED)
        .filter(freshness_stage=Organisation.Freshness.HIDDEN)
    )


def register_checks(organisation: Organisation) -> list[tuple[str, str, RegisterEntry | None]]:
    """(register, number, its loaded register entry or None) for each registration number the
    organisation gives, where that register's data is loaded: a match tells moderators the
    number is real and whose it is."""
    checks = []
    for register, field in RegisterEntry.NUMBER_FIELDS.items():
        number = getattr(organisation, field)
        if not number:
            continue
        entries = RegisterEntry.objects.filter(register=register)
        if entries.exists():
            label = RegisterEntry.Register(register).label
            checks.append((label, number, entries.filter(number=number).first()))
    return checks


def _queue_sources(region: str = "") -> dict[str, QuerySet]:
    """What waits, by kind."""
    submissions = Organisation.objects.filter(
        _in_region(region), status=Organisation.Status.SUBMITTED
    )
    revisions = OrganisationRevision.objects.pending().filter(_in_region(region, "organisation_id"))
    claims = claims_for_moderators().pending().filter(_in_region(region, "organisation_id"))
    commissioners = CommissionerProfile.objects.filter(
        verification_status=CommissionerProfile.Verification.PENDING
    )
    if region:
        commissioners = commissioners.filter(region__slug=region)
    reports = ProblemReport.objects.open().filter(_in_region(region, "organisation_id"))
    adminless = organisations_without_admin().filter(_in_region(region))
    published = Organisation.objects.published().filter(_in_region(region))
    return {
        "submission": submissions,
        "revision": revisions,
        "claim": claims,
        "commissioner": commissioners,
        "report": reports,
        "adminless": adminless,
        "evidence": EvidenceItem.objects.filter(
            organisation__in=published, verified_by_moderator=False
        ),
        "stale": published.filter(
            freshness_stage__in=[Organisation.Freshness.STALE, Organisation.Freshness.HIDDEN]
        ),
        "removed": removed_from_register().filter(_in_region(region)),
    }


def waiting_count() -> int:
    """How many items wait for a moderator's decision (the header's "Moderation (N waiting)")."""
    sources = _queue_sources()
    return sum(sources[kind].count() for kind in DECISION_KINDS)


def _organisation_item(
    kind: str, organisation: Organisation, detail: str, waiting_since: datetime
) -> QueueItem:
    """An item a moderator reviews on the organisation's own page."""
    return QueueItem(
        kind,
        organisation.name,
        detail,
        waiting_since,
        _review_url(organisation),
        f"organisation:{organisation.pk}",
    )


def _own_page_item(kind: str, record, *, title: str, detail: str) -> QueueItem:
    """A claim, commissioner or report: each has a review page of its kind's name."""
    return QueueItem(
        kind,
        title,
        detail,
        record.created_at,
        reverse(f"moderation:{kind}", kwargs={"pk": record.pk}),
        f"{kind}:{record.pk}",
    )


def _removed_since(organisation: Organisation) -> datetime:
    """The start of the day the register removed it."""
    return timezone.make_aware(
        datetime.combine(organisation.removed_from_register_on, datetime.min.time())
    )


def _changes(revision: OrganisationRevision) -> str:
    count = revision_lists.change_count(revision)
    return f"{count} change{'' if count == 1 else 's'}"


# How each kind's waiting rows become queue items.
QUEUE_ITEMS: dict[str, Callable[[QuerySet], list[QueueItem]]] = {
    "submission": lambda submissions: [
        _organisation_item("submission", org, org.summary, org.submitted_at) for org in submissions
    ],
    "revision": lambda revisions: [
        _organisation_item(
            "revision", revision.organisation, _changes(revision), revision.submitted_at
        )
        for revision in revisions.select_related("organisation")
    ],
    "claim": lambda claims: [
        _own_page_item(
            "claim",
            claim,
            title=claim.organisation.name,
            detail=f"{claim.user.email}: {claim.get_kind_display().lower()}",
        )
        for claim in claims.select_related("organisation", "user")
    ],
    "commissioner": lambda commissioners: [
        _own_page_item("commissioner", profile, title=profile.body_name, detail=profile.user.email)
        for profile in commissioners.select_related("user")
    ],
    "report": lambda reports: [
        _own_page_item(
            "report", report, title=report.organisation.name, detail=report.description[:120]
        )
        for report in reports.select_related("organisation")
    ],
    "adminless": lambda adminless: [
        _organisation_item(
            "adminless",
            org,
            f"{org.get_status_display()}: its last admin deleted their account",
            org.admin_lost_at,
        )
        for org in adminless
    ],
    "removed": lambda removed: [
        _organisation_item(
            "removed",
            org,
            f"Removed from the register on {org.removed_from_register_on:%-d %B %Y}"
            ": archive it, or check it and mark it verified",
            _removed_since(org),
        )
        for org in removed
    ],
    "evidence": lambda evidence: [
        _organisation_item(
            "evidence", item.organisation, f"Evidence: {item.title}", item.created_at
        )
        for item in evidence.select_related("organisation")
    ],
    "stale": lambda stale: [
        _organisation_item(
            "stale",
            org,
            org.get_freshness_stage_display(),
            org.last_verified_at or org.published_at or org.created_at,
        )
        for org in stale
    ],
}


def moderation_queue(*, kind: str = "", region: str = "") -> tuple[list[QueueItem], dict]:
    """Everything waiting for a moderator, oldest first, and the count of each kind.

    With no kind, the queue holds what waits for a decision (DECISION_KINDS); evidence to
    verify and stale entries are listed only under their own kind."""
    sources = _queue_sources(region)
    counts = {name: queryset.count() for name, queryset in sources.items()}
    kinds = (kind,) if kind else DECISION_KINDS
    items = [
        item for name in kinds if name in QUEUE_ITEMS for item in QUEUE_ITEMS[name](sources[name])
    ]
    locks = {
        lock.item: str(lock.user)
        for lock in ReviewLock.objects.filter(
            item__in=[item.lock_key for item in items], expires_at__gt=timezone.now()
        ).select_related("user")
    }
    for item in items:
        item.reviewer = locks.get(item.lock_key, "")
    items.sort(key=lambda item: item.waiting_since)
    return items, counts


def freshness_counts() -> list[tuple[str, int]]:
    """How many published entries are in each freshness state."""
    counts = dict(
        Organisation.objects.published()
        .values_list("freshness_stage")
        .annotate(total=Count("id"))
        .order_by()
    )
    return [(label, counts.get(value, 0)) for value, label in Organisation.Freshness.choices]


# --- Readable history ---

# Kept by the system or said better otherwise (a decision, "Sent for review"): not listed.
UNLISTED_FIELDS = {"version", "completed_sections", "submitted_at", "freshness_stage"}
UNLISTED_FIELDS |= {"submission_message", "verified_by_moderator", "verified_at", "verified_by"}
UNLISTED_FIELDS |= {"position"}


def _label(model, name: str) -> str:
    label = str(model._meta.get_field(name).verbose_name)
    return label[:1].upper() + label[1:]


def _who(record) -> str:
    return str(record.history_user) if record.history_user else "The system"


def _changed_fields(record, previous) -> list[str]:
    if previous is None:
        return []
    changes = record.diff_against(previous).changes
    return [change.field for change in changes if change.field not in UNLISTED_FIELDS]


def _organisation_sentences(record, previous) -> list[str]:
    if record.history_type == "+":
        return ["Organisation created"]
    if record.history_type == "-":
        return ["Organisation deleted"]
    sentences = []
    if previous is not None and record.submitted_at != previous.submitted_at:
        sentences.append("Sent for review")
    for name in _changed_fields(record, previous):
        if name == "status":
            sentences.append(f"Status changed to “{record.get_status_display()}”")
        else:
            sentences.append(f"{_label(Organisation, name)} changed")
    return sentences


def _item_sentences(model, noun: str, title: str):
    """Sentences for a service, delivery location or item of evidence."""

    def sentences(record, previous) -> list[str]:
        name = f"{noun} ‘{getattr(record, title)}’"
        if record.history_type == "+":
            return [f"{name} added"]
        if record.history_type == "-":
            return [f"{name} removed"]
        fields = _changed_fields(record, previous)
        if not fields:
            return []
        labels = ", ".join(_label(model, field).lower() for field in fields)
        return [f"{name} changed: {labels}"]

    return sentences


def _member(record) -> str:
    try:
        return str(record.user)
    except User.DoesNotExist:
        return "Someone who has since deleted their account"


def _membership_sentences(record, previous) -> list[str]:
    person = _member(record)
    role = record.get_role_display().lower()
    if record.history_type == "+":
        return [f"{person} joined as {role}"]
    if record.history_type == "-":
        return [f"{person} left (was {role})"]
    return [f"{person} is now {role}"] if "role" in _changed_fields(record, previous) else []


# How the lists of a revision's proposal are named in its history.
PROPOSED_LIST_NAMES = {revision_lists.SERVICES: "services", revision_lists.EVIDENCE: "evidence"}


def _proposal_changes(proposed: dict, before: dict) -> str:
    """ ": summary, services": what differs between two proposals (empty if nothing does)."""
    names = [name for name in {**before, **proposed} if proposed.get(name) != before.get(name)]
    labels = [PROPOSED_LIST_NAMES.get(name) or _label(Organisation, name).lower() for name in names]
    return f": {', '.join(labels)}" if labels else ""


def _revision_sentences(record, previous) -> list[str]:
    if record.history_type == "+":
        return ["Changes to the published entry proposed" + _proposal_changes(record.proposed, {})]
    if previous is None or record.history_type == "-":
        return []
    sentences = []
    if record.proposed != previous.proposed:
        sentences.append(
            "Proposed changes updated" + _proposal_changes(record.proposed, previous.proposed)
        )
    if record.submitted_at != previous.submitted_at:
        sentences.append("Proposed changes sent for review again")
    return sentences


def _history_rows(queryset: QuerySet, sentences) -> list[dict]:
    rows = []
    previous_by_object: dict = {}
    records = queryset.select_related("history_user").order_by("history_date", "history_id")
    for record in records:
        previous = previous_by_object.get(record.id)
        previous_by_object[record.id] = record
        rows += [
            {"when": record.history_date, "who": _who(record), "what": sentence, "message": ""}
            for sentence in sentences(record, previous)
        ]
    return rows


# What a decision that is simply done did, by kind.
DONE_VERBS = {
    AuditRecord.Kind.ARCHIVE: "Archived",
    AuditRecord.Kind.RESTORE: "Restored as a draft",
    AuditRecord.Kind.PURGE: "Deleted for good",
    AuditRecord.Kind.CONFIRMATION: "Confirmed as still correct",
}


def decision_sentence(decision: AuditRecord) -> str:
    """ "Approved by Mo Derator (new submission)", with what it was about and whether they
    decided on their own changes."""
    who = str(decision.actor) if decision.actor else "someone since deleted"
    verb = DONE_VERBS.get(decision.kind, decision.get_action_display())
    sentence = f"{verb} by {who}"
    if decision.kind not in DONE_VERBS:
        sentence += f" ({decision.get_kind_display().lower()})"
    if decision.subject_name:
        sentence += f": ‘{decision.subject_name}’"
    if decision.self_decided:
        sentence += ", who had made some of the changes (self-approval is allowed here)"
    return sentence


def organisation_history(*, organisation: Organisation) -> list[dict]:
    """Every recorded change to the organisation and what belongs to it, as sentences (who,
    when, what, and the message of a decision), newest first."""
    pk = organisation.pk
    rows = _history_rows(Organisation.history.filter(id=pk), _organisation_sentences)
    rows += _history_rows(
        Service.history.filter(organisation_id=pk), _item_sentences(Service, "Service", "name")
    )
    rows += _history_rows(
        DeliveryLocation.history.filter(service__organisation_id=pk),
        _item_sentences(DeliveryLocation, "Delivery location", "name"),
    )
    rows += _history_rows(
        EvidenceItem.history.filter(organisation_id=pk),
        _item_sentences(EvidenceItem, "Evidence", "title"),
    )
    rows += _history_rows(Membership.history.filter(organisation_id=pk), _membership_sentences)
    rows += _history_rows(
        OrganisationRevision.history.filter(organisation_id=pk), _revision_sentences
    )
    rows += [
        {
            "when": decision.created_at,
            "who": str(decision.actor) if decision.actor else "Someone since deleted",
            "what": decision_sentence(decision),
            "message": decision.reason,
        }
        for decision in AuditRecord.objects.decisions()
        .filter(organisation_id=pk)
        .select_related("actor")
    ]
    rows.sort(key=lambda row: row["when"], reverse=True)
    return rows


def decides_claims(*, organisation: Organisation, user) -> bool:
    """Whether the user decides requests to join or claim the organisation: its admins do, and
    moderators only while it has no admin."""
    admins = Membership.objects.admins().filter(organisation=organisation)
    if admins.filter(user=user).exists():
        return True
    return user.is_moderator and not admins.exists()
