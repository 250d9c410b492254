"""Reads for the moderation workspace: the queue, freshness counts and an organisation's history."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from accounts.models import CommissionerProfile, Membership

from . import revision_lists
from .models import (
    ClaimRequest,
    DeliveryLocation,
    EvidenceItem,
    ModerationDecision,
    Organisation,
    OrganisationRevision,
    ProblemReport,
    RegisterEntry,
    ReviewLock,
    Service,
)

QUEUE_KINDS = {
    "submission": "New submissions",
    "revision": "Changes to published entries",
    "claim": "Claims",
    "commissioner": "Commissioner verifications",
    "report": "Reports from the public",
    "adminless": "Organisations without an admin",
    "removed": "Removed from a register",
}


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
        return QUEUE_KINDS[self.kind]


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


def moderation_queue(*, kind: str = "", region: str = "") -> tuple[list[QueueItem], dict]:
    """Everything waiting for a moderator, oldest first, and the count of each kind."""
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
    removed = removed_from_register().filter(_in_region(region))
    sources = {
        "submission": submissions,
        "revision": revisions,
        "claim": claims,
        "commissioner": commissioners,
        "report": reports,
        "adminless": adminless,
        "removed": removed,
    }
    counts = {name: queryset.count() for name, queryset in sources.items()}
    items: list[QueueItem] = []
    if kind in ("", "submission"):
        items += [
            QueueItem(
                "submission",
                organisation.name,
                organisation.summary,
                organisation.submitted_at,
                _review_url(organisation),
                f"organisation:{organisation.pk}",
            )
            for organisation in submissions
        ]
    if kind in ("", "revision"):
        items += [
            QueueItem(
                "revision",
                revision.organisation.name,
                f"{revision_lists.change_count(revision)} change(s)",
                revision.submitted_at,
                _review_url(revision.organisation),
                f"organisation:{revision.organisation_id}",
            )
            for revision in revisions.select_related("organisation")
        ]
    if kind in ("", "claim"):
        items += [
            QueueItem(
                "claim",
                claim.organisation.name,
                f"{claim.user.email}: {claim.get_kind_display().lower()}",
                claim.created_at,
                reverse("moderation:claim", kwargs={"pk": claim.pk}),
                f"claim:{claim.pk}",
            )
            for claim in claims.select_related("organisation", "user")
        ]
    if kind in ("", "commissioner"):
        items += [
            QueueItem(
                "commissioner",
                profile.body_name,
                profile.user.email,
                profile.created_at,
                reverse("moderation:commissioner", kwargs={"pk": profile.pk}),
                f"commissioner:{profile.pk}",
            )
            for profile in commissioners.select_related("user")
        ]
    if kind in ("", "report"):
        items += [
            QueueItem(
                "report",
                report.organisation.name,
                report.description[:120],
                report.created_at,
                reverse("moderation:report", kwargs={"pk": report.pk}),
                f"report:{report.pk}",
            )
            for report in reports.select_related("organisation")
        ]
    if kind in ("", "adminless"):
        items += [
            QueueItem(
                "adminless",
                organisation.name,
                f"{organisation.get_status_display()}: its last admin deleted their account",
                organisation.admin_lost_at,
                _review_url(organisation),
                f"organisation:{organisation.pk}",
            )
            for organisation in adminless
        ]
    if kind in ("", "removed"):
        items += [
            QueueItem(
                "removed",
                organisation.name,
                f"Removed from the register on {organisation.removed_from_register_on:%-d %B %Y}"
                ": archive it, or check it and mark it verified",
                timezone.make_aware(
                    datetime.combine(organisation.removed_from_register_on, datetime.min.time())
                ),
                _review_url(organisation),
                f"organisation:{organisation.pk}",
            )
            for organisation in removed
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


def _history_rows(queryset: QuerySet, what) -> list[dict]:
    rows = []
    previous_by_object: dict = {}
    records = list(queryset.select_related("history_user").order_by("history_date", "history_id"))
    for record in records:
        previous = previous_by_object.get(record.id)
        changed = []
        if previous is not None and record.history_type == "~":
            changed = [change.field for change in record.diff_against(previous).changes]
        previous_by_object[record.id] = record
        rows.append(
            {
                "when": record.history_date,
                "who": str(record.history_user) if record.history_user else "System",
                "what": what(record),
                "action": record.get_history_type_display(),
                "changed": changed,
            }
        )
    return rows


def organisation_history(*, organisation: Organisation) -> list[dict]:
    """Every recorded change to the organisation and what belongs to it, newest first."""
    pk = organisation.pk
    rows = _history_rows(Organisation.history.filter(id=pk), lambda r: "Organisation")
    rows += _history_rows(
        Service.history.filter(organisation_id=pk), lambda r: f"Service: {r.name}"
    )
    rows += _history_rows(
        DeliveryLocation.history.filter(service__organisation_id=pk),
        lambda r: f"Delivery location: {r.name}",
    )
    rows += _history_rows(
        EvidenceItem.history.filter(organisation_id=pk), lambda r: f"Evidence: {r.title}"
    )
    rows += _history_rows(
        Membership.history.filter(organisation_id=pk),
        lambda r: f"Membership ({r.role})",
    )
    rows += _history_rows(
        OrganisationRevision.history.filter(organisation_id=pk), lambda r: "Pending changes"
    )
    rows += [
        {
            "when": decision.decided_at,
            "who": str(decision.decided_by) if decision.decided_by else "System",
            "what": f"Decision: {decision.get_kind_display()}",
            "action": decision.get_action_display(),
            "changed": [decision.reason] if decision.reason else [],
        }
        for decision in ModerationDecision.objects.filter(organisation_id=pk).select_related(
            "decided_by"
        )
    ]
    rows.sort(key=lambda row: row["when"], reverse=True)
    return rows
