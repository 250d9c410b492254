"""Reads for a moderator's review of an organisation: the profile as it will be published, what
only moderators see (registers, people, documents), warnings, the comparisons and the thread of
messages."""

import copy
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace
from urllib.parse import urlsplit

from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from accounts.models import Membership, User
from directory.moderation import revision_lists
from directory.moderation import services as moderation_services
from directory.moderation.models import OrganisationRevision, RegisterEntry
from directory.organisations.models import (
    REGISTRATION_NUMBER_FIELDS,
    AuditRecord,
    EvidenceItem,
    Organisation,
    PartnershipRole,
    QualityMark,
)

Kind = AuditRecord.Kind
Action = AuditRecord.Action


class Terms(list):
    """A list that the profile's template reads as it reads a related manager (`.all`)."""

    def all(self):
        return self


class ProfilePreview:
    """An organisation with its saved values (`moderation_services.saved_profile`) as the public
    profile's template reads an Organisation: what approving will publish."""

    def __init__(self, organisation: Organisation, values: dict):
        self.record = organisation
        self._organisation = copy.copy(organisation)
        moderation_services.apply_fields(self._organisation, values)
        self.quality_marks = _terms(QualityMark, values["quality_marks"])
        self.partnership_roles = _terms(PartnershipRole, values["partnership_roles"])
        self.services = Terms(_service(data) for data in values[revision_lists.SERVICES])
        self.evidence_items = Terms(_evidence(organisation, values[revision_lists.EVIDENCE]))

    def __getattr__(self, name):
        return getattr(self._organisation, name)


def _terms(model, slugs: list[str]) -> Terms:
    return Terms(model.objects.filter(slug__in=slugs))


def _service(data: dict) -> SimpleNamespace:
    fields = {name: data[name] for name in revision_lists.SERVICE_FIELDS}
    terms = {
        name: _terms(model, data[name]) for name, model in revision_lists.SERVICE_TERMS.items()
    }
    locations = Terms(revision_lists.location_preview(location) for location in data["locations"])
    return SimpleNamespace(**fields, **terms, locations=locations)


def _evidence(organisation: Organisation, items: list[dict]) -> list[EvidenceItem]:
    """Unsaved items holding the saved values; verified only if unchanged since verified."""
    live = {item["uuid"]: item for item in revision_lists.live_evidence(organisation)}
    previews = []
    for data in items:
        item = revision_lists.evidence_instance(organisation, data)
        for name in ("jdl_cohort_rate", "jdl_comparison_rate"):
            value = getattr(item, name)
            setattr(item, name, Decimal(value) if value is not None else None)
        item.verified_by_moderator = item.verified_by_moderator and live.get(data["uuid"]) == data
        previews.append(item)
    previews.sort(key=lambda item: (-item.year, item.title))
    return previews


# --- What only moderators see ---


@dataclass
class EvidenceCheck:
    uuid: str
    title: str
    url: str
    has_document: bool
    is_live: bool
    verified: bool


def evidence_checks(organisation: Organisation, values: dict) -> list[EvidenceCheck]:
    """Each item of evidence with its link and PDF to check; only published items (not new or
    changed ones) can be marked as verified."""
    live = {item["uuid"]: item for item in revision_lists.live_evidence(organisation)}
    verified = {
        str(key)
        for key in organisation.evidence_items.filter(verified_by_moderator=True).values_list(
            "uuid", flat=True
        )
    }
    return [
        EvidenceCheck(
            uuid=item["uuid"],
            title=item["title"],
            url=item["url"],
            has_document=bool(item["document"]),
            is_live=live.get(item["uuid"]) == item,
            verified=item["uuid"] in verified and live.get(item["uuid"]) == item,
        )
        for item in values[revision_lists.EVIDENCE]
    ]


def people(organisation: Organisation) -> list[Membership]:
    return list(organisation.memberships.select_related("user").order_by("role", "user__email"))


def email_domain(email: str) -> str:
    return email.rpartition("@")[2].lower()


def submitter(organisation: Organisation, revision: OrganisationRevision | None) -> User | None:
    """Who last sent it for review: the first history record of its current `submitted_at`."""
    if revision is not None:
        records = OrganisationRevision.history.filter(
            id=revision.pk, submitted_at=revision.submitted_at
        )
    elif organisation.submitted_at is not None:
        records = Organisation.history.filter(
            id=organisation.pk, submitted_at=organisation.submitted_at
        )
    else:
        return None
    first = records.select_related("history_user").order_by("history_date", "history_id").first()
    return first.history_user if first else None


# --- Warnings ---


@dataclass
class ReviewWarning:
    text: str
    url: str = ""
    link_text: str = ""


# Words that do not tell organisations apart ("The Foundry Trust Ltd" is "Foundry Trust").
NAME_NOISE = re.compile(r"\b(the|ltd|limited|cic|cio|plc|llp|uk|and)\b|[^a-z0-9 ]")
SIMILAR_NAME_RATIO = 0.85


def _review_link(organisation: Organisation) -> tuple[str, str]:
    url = reverse("moderation:organisation", kwargs={"org": organisation.uuid})
    return url, f"Review {organisation.name}"


def _number_warnings(preview: ProfilePreview) -> list[ReviewWarning]:
    warnings = []
    labels = moderation_services.field_labels()
    for field in REGISTRATION_NUMBER_FIELDS:
        value = getattr(preview, field)
        if not value:
            continue
        others = Organisation.objects.exclude(pk=preview.pk).filter(**{field: value})
        for other in others:
            warnings.append(
                ReviewWarning(
                    f"{labels[field]} {value} is also given by {other.name} "
                    f"({other.get_status_display().lower()})",
                    *_review_link(other),
                )
            )
    return warnings


def normalised_name(name: str) -> str:
    return " ".join(NAME_NOISE.sub(" ", name.lower()).split())


def _name_warnings(preview: ProfilePreview) -> list[ReviewWarning]:
    own = normalised_name(preview.name)
    others = {}
    for pk, name in Organisation.objects.exclude(pk=preview.pk).values_list("pk", "name"):
        others.setdefault(normalised_name(name), []).append(pk)
    close = difflib.get_close_matches(own, others, n=3, cutoff=SIMILAR_NAME_RATIO)
    similar = Organisation.objects.filter(pk__in=[pk for name in close for pk in others[name]])
    return [
        ReviewWarning(
            f"The name is very like that of {other.name} ({other.get_status_display().lower()})",
            *_review_link(other),
        )
        for other in similar
    ]


def _domains_match(email: str, host: str) -> bool:
    domain = email_domain(email)
    return domain == host or domain.endswith(f".{host}") or host.endswith(f".{domain}")


def _domain_warnings(preview: ProfilePreview, sender: User | None) -> list[ReviewWarning]:
    host = (urlsplit(preview.website).hostname or "").lower().removeprefix("www.")
    if not host:
        return []
    emails = [("public contact email", preview.email)]
    if sender is not None:
        emails.append(("sender’s email", sender.email))
    return [
        ReviewWarning(
            f"The {who} is at {email_domain(email)}, which does not match the website ({host})"
        )
        for who, email in emails
        if email and not _domains_match(email, host)
    ]


def _register_warnings(preview: ProfilePreview) -> list[ReviewWarning]:
    """A number that the loaded register data says was removed or dissolved."""
    warnings = []
    for register, field in RegisterEntry.NUMBER_FIELDS.items():
        number = getattr(preview, field)
        entry = number and RegisterEntry.objects.filter(register=register, number=number).first()
        if entry and entry.is_removed:
            when = f" on {entry.removed_on:%-d %B %Y}" if entry.removed_on else ""
            warnings.append(
                ReviewWarning(
                    f"{number}: the {entry.get_register_display()} says it was removed{when}"
                )
            )
    return warnings


# Further checks, each given the preview and returning warnings (docs/moderation.md).
WARNING_CHECKS: list[Callable[[ProfilePreview], list[ReviewWarning]]] = [_register_warnings]


def register_warning_check(check: Callable[[ProfilePreview], list[ReviewWarning]]):
    """Add a check to every review page's warnings (usable as a decorator)."""
    WARNING_CHECKS.append(check)
    return check


def warnings(preview: ProfilePreview, sender: User | None) -> list[ReviewWarning]:
    found = _number_warnings(preview) + _name_warnings(preview)
    found += _domain_warnings(preview, sender)
    for check in WARNING_CHECKS:
        found += check(preview)
    return found


# --- The thread of messages and the comparisons ---


@dataclass
class ThreadEntry:
    when: datetime
    who: str
    text: str
    message: str = ""


def _cycle_start(organisation: Organisation, revision: OrganisationRevision | None):
    """When the submission (or revision) under review began: after the last approval."""
    if revision is not None:
        return revision.created_at
    last = (
        organisation.audit_records.filter(kind=Kind.SUBMISSION, action=Action.APPROVE)
        .order_by("-created_at")
        .first()
    )
    return last.created_at if last else None


def _decisions(organisation: Organisation, revision: OrganisationRevision | None):
    kind = Kind.REVISION if revision is not None else Kind.SUBMISSION
    decisions = organisation.audit_records.filter(kind=kind)
    since = _cycle_start(organisation, revision)
    if since is not None:
        decisions = decisions.filter(created_at__gt=since)
    return decisions.select_related("actor").order_by("created_at", "id")


def _sendings(organisation: Organisation, revision: OrganisationRevision | None):
    """The first history record of each time it was sent for review, in this cycle."""
    if revision is not None:
        records = OrganisationRevision.history.filter(id=revision.pk)
    else:
        records = Organisation.history.filter(
            id=organisation.pk, status=Organisation.Status.SUBMITTED
        )
        since = _cycle_start(organisation, revision)
        if since is not None:
            records = records.filter(history_date__gt=since)
    first_of_each = {}
    for record in records.select_related("history_user").order_by("history_date", "history_id"):
        first_of_each.setdefault(record.submitted_at, record)
    return first_of_each.values()


def thread(organisation: Organisation, revision: OrganisationRevision | None) -> list[ThreadEntry]:
    """Every sending for review with the owners' message and every moderator's decision with
    theirs, oldest first."""
    entries = [
        ThreadEntry(
            record.submitted_at,
            str(record.history_user or "A member"),
            "Sent for review" if index == 0 else "Sent for review again",
            record.submission_message,
        )
        for index, record in enumerate(_sendings(organisation, revision))
    ]
    entries += [
        ThreadEntry(
            decision.created_at,
            str(decision.actor or "A moderator"),
            decision.get_action_display(),
            decision.reason,
        )
        for decision in _decisions(organisation, revision)
    ]
    return sorted(entries, key=lambda entry: entry.when)


def last_sent_back(
    organisation: Organisation, revision: OrganisationRevision | None
) -> AuditRecord | None:
    """The moderators' last request for changes in this cycle that kept what it sent back."""
    return (
        _decisions(organisation, revision)
        .filter(action=Action.REQUEST_CHANGES, snapshot__isnull=False)
        .order_by("-created_at", "-id")
        .first()
    )


# A text as words and the spaces between them, which put back together make it again.
WORDS_AND_SPACES = re.compile(r"\S+|\s+")


def _marked(tag: str, text: str) -> SafeString:
    """`text` escaped, its words (not the spaces around them) in `tag`."""
    words = text.strip()
    if not words:
        return escape(text)
    start = text.index(words)
    return format_html("{}<{}>{}</{}>{}", text[:start], tag, words, tag, text[start + len(words) :])


def marked_words(before: str, after: str) -> tuple[SafeString, SafeString]:
    """The two texts escaped, with the words taken out of `before` in <del> and those put into
    `after` in <ins>, so that a change inside a long text is seen."""
    old, new = WORDS_AND_SPACES.findall(before), WORDS_AND_SPACES.findall(after)
    marked_old, marked_new = [], []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        removed, added = "".join(old[old_start:old_end]), "".join(new[new_start:new_end])
        if tag == "equal":
            marked_old.append(escape(removed))
            marked_new.append(escape(added))
            continue
        marked_old.append(_marked("del", removed))
        marked_new.append(_marked("ins", added))
    # Safe: every part was escaped above.
    return mark_safe("".join(marked_old)), mark_safe("".join(marked_new))


def mark_changed_words(rows: list[dict]) -> list[dict]:
    """Diff rows whose values are both texts get them marked word by word (`before_marked`,
    `after_marked`)."""
    for row in rows:
        before, after = row.get("before"), row.get("after")
        if isinstance(before, str) and isinstance(after, str) and before and after:
            row["before_marked"], row["after_marked"] = marked_words(before, after)
    return rows


def since_sent_back(decision: AuditRecord | None, values: dict) -> list[dict]:
    """The diff rows from what was sent back to what is saved now."""
    if decision is None:
        return []
    return moderation_services.profile_diff(decision.snapshot, values)
