"""Writes to the directory that are more than a form save.

Every change to an organisation's profile goes through `_claim_version`: the save is refused
when someone else saved since the form was loaded, and while the organisation is submitted (the
moderator decides on it as it was sent). Edits to a published organisation (its own fields,
services, delivery locations and evidence) go into its pending revision
(directory.moderation.services, directory.moderation.revision_lists) and reach the live
profile only when a moderator approves them.
"""

import uuid
from collections.abc import Iterable

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Membership, User
from directory.moderation import revision_lists
from directory.moderation import services as moderation_services
from directory.moderation.models import ClaimRequest, OrganisationRevision
from directory.moderation.notifications import (
    claim_request_received_notify,
    submission_received_notify,
)
from directory.organisations import geo
from directory.organisations.models import DeliveryLocation, EvidenceItem, Organisation, Service
from directory.search import search_index

# Task list sections, in order. The optional ones need not be complete to submit.
SECTIONS = {
    "about": "About the organisation",
    "what_you_do": "What you do",
    "services": "Services",
    "size": "Size and capacity",
    "evidence": "Evidence of impact",
    "quality_marks": "Quality marks",
    "partnership": "Partnership interest",
}
OPTIONAL_SECTIONS = {"evidence", "quality_marks"}
REQUIRED_SECTIONS = [key for key in SECTIONS if key not in OPTIONAL_SECTIONS]
SUBMITTABLE_STATUSES = {Organisation.Status.DRAFT, Organisation.Status.CHANGES_REQUESTED}
# Why an organisation in another status cannot be submitted.
NOT_SUBMITTABLE = {
    Organisation.Status.SUBMITTED: "This organisation has already been submitted",
    Organisation.Status.PUBLISHED: (
        "This organisation is published: the changes you save go to a moderator as you save them"
    ),
    Organisation.Status.REJECTED: "This organisation was rejected, so it cannot be submitted",
    Organisation.Status.ARCHIVED: "This organisation is archived, so it cannot be submitted",
}


class EditRefusedError(Exception):
    """An edit to the organisation's profile that cannot be saved; `message` says why."""

    message = ""


class StaleEditError(EditRefusedError):
    """Someone else saved the organisation after this form was loaded."""

    message = (
        "Someone else saved changes to this organisation after you opened this page. "
        "Your changes have not been saved. Reload the page to see their changes and try again"
    )


class UnderReviewError(EditRefusedError):
    """The organisation is submitted: a moderator is to decide on it as it was sent."""

    message = (
        "Your profile is waiting for a moderator's review, so it cannot be changed now. "
        "Your changes have not been saved. If the moderator asks for changes, "
        "you can make them then"
    )


class SubmissionError(Exception):
    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


def _claim_version(organisation: Organisation, expected_version: int) -> None:
    """Move the organisation on to the next version, or refuse if it is not at the expected one
    or is waiting for a moderator's review."""
    claimed = (
        Organisation.objects.filter(pk=organisation.pk, version=expected_version)
        .exclude(status=Organisation.Status.SUBMITTED)
        .update(version=F("version") + 1)
    )
    if not claimed:
        submitted = Organisation.objects.filter(
            pk=organisation.pk, status=Organisation.Status.SUBMITTED
        )
        raise UnderReviewError if submitted.exists() else StaleEditError
    organisation.version = expected_version + 1


def _profile_changed(organisation: Organisation) -> None:
    search_index.refresh_search_documents(organisation_ids=[organisation.pk])


def _set_section_complete(organisation: Organisation, section: str, complete: bool) -> None:
    sections = [key for key in organisation.completed_sections if key != section]
    if complete:
        sections.append(section)
    organisation.completed_sections = [key for key in SECTIONS if key in sections]


@transaction.atomic
def organisation_create_draft(
    *,
    user: User,
    name: str,
    charity_number_ew: str = "",
    company_number: str = "",
    token: uuid.UUID,
    details: dict | None = None,
) -> Organisation:
    """Create a draft organisation with the user as its admin (once per start-form token);
    `details` are further fields confirmed from a register entry (address, legal form...)."""
    existing = Organisation.objects.filter(registration_token=token, memberships__user=user).first()
    if existing:
        return existing
    organisation = Organisation(
        name=name,
        charity_number_ew=charity_number_ew,
        company_number=company_number,
        registration_token=token,
        status=Organisation.Status.DRAFT,
        **(details or {}),
    )
    organisation.full_clean(exclude=["slug"])
    try:
        with transaction.atomic():
            organisation.save()
    except IntegrityError:
        # The same form posted twice at once: the other request created the draft.
        return Organisation.objects.get(registration_token=token, memberships__user=user)
    membership = Membership(user=user, organisation=organisation, role=Membership.Role.ADMIN)
    membership.full_clean()
    membership.save()
    _profile_changed(organisation)
    return organisation


def _holds_saved_values(organisation: Organisation, m2m: dict[str, Iterable]) -> bool:
    """Whether the edited fields are what the owners have saved now (waiting for review or not)."""
    saved = Organisation.objects.get(pk=organisation.pk)
    edited = moderation_services.profile_snapshot(organisation, m2m)
    return edited == moderation_services.saved_snapshot(saved, m2m)


@transaction.atomic
def organisation_section_save(
    *,
    organisation: Organisation,
    expected_version: int,
    section: str | None = None,
    m2m: dict[str, Iterable] | None = None,
    user: User | None = None,
) -> Organisation:
    """Save edited profile fields; mark `section` complete when the form finishes one."""
    try:
        _claim_version(organisation, expected_version)
    except StaleEditError:
        # Posted twice, or after someone else saved other pages: a form holding what is saved
        # now overwrites nobody's changes, so it counts as loaded just now.
        if not _holds_saved_values(organisation, m2m or {}):
            raise
        if not section or organisation.is_published or section in organisation.completed_sections:
            return organisation
        _claim_version(organisation, organisation.version)
    if organisation.status == Organisation.Status.PUBLISHED:
        moderation_services.revision_record(organisation=organisation, m2m=m2m, user=user)
        return organisation
    if section:
        _set_section_complete(organisation, section, True)
    organisation.full_clean()
    organisation.save()
    for name, values in (m2m or {}).items():
        getattr(organisation, name).set(values)
    _profile_changed(organisation)
    return organisation


@transaction.atomic
def organisation_section_complete(
    *, organisation: Organisation, expected_version: int, section: str
) -> Organisation:
    """Mark a list section (services, evidence) complete; services needs at least one."""
    if organisation.is_published:
        # Every section of a published profile is complete; its edits wait in the revision.
        return organisation
    if section == "services" and not organisation.services.exists():
        raise ValidationError("Add at least one service")
    return organisation_section_save(
        organisation=organisation, expected_version=expected_version, section=section
    )


def _record_pending(organisation: Organisation, key: str, items: list[dict], user) -> None:
    moderation_services.revision_record_list(
        organisation=organisation, key=key, items=items, user=user
    )


def _replace_item(items: list[dict], data: dict) -> list[dict]:
    """The list with `data` in place of the item of the same uuid, or added at the end."""
    if revision_lists.find(items, data["uuid"]) is None:
        return [*items, data]
    return [data if item["uuid"] == data["uuid"] else item for item in items]


@transaction.atomic
def service_save(
    *,
    organisation: Organisation,
    service: Service,
    expected_version: int,
    m2m: dict[str, Iterable],
    user: User | None = None,
) -> Service:
    """Add or change one of the organisation's services."""
    _claim_version(organisation, expected_version)
    service.organisation = organisation
    if organisation.is_published:
        service.full_clean()
        services = revision_lists.current(organisation, revision_lists.SERVICES)
        saved = revision_lists.find(services, service.uuid)
        data = revision_lists.service_data(
            service, terms=m2m, locations=saved["locations"] if saved else []
        )
        _record_pending(organisation, revision_lists.SERVICES, _replace_item(services, data), user)
        return service
    if service.pk is None:
        service.position = organisation.services.count()
    service.full_clean()
    service.save()
    for name, values in m2m.items():
        getattr(service, name).set(values)
    _profile_changed(organisation)
    return service


@transaction.atomic
def service_delete(
    *,
    organisation: Organisation,
    service: Service,
    expected_version: int,
    user: User | None = None,
) -> None:
    """Remove a service; the services section is incomplete again when none is left."""
    _claim_version(organisation, expected_version)
    if organisation.is_published:
        kept = revision_lists.current_without(organisation, revision_lists.SERVICES, service.uuid)
        if not kept:
            raise ValidationError(
                "A published organisation needs at least one service. "
                "Add the new service before you remove this one"
            )
        _record_pending(organisation, revision_lists.SERVICES, kept, user)
        return
    service.delete()
    if not organisation.services.exists():
        _set_section_complete(organisation, "services", False)
        organisation.save(update_fields=["completed_sections", "updated_at"])
    _profile_changed(organisation)


def _with_location(services: list[dict], location: DeliveryLocation, data: dict | None) -> list:
    """The services with `location` changed to `data` (added if new), or removed if None."""
    changed = []
    for item in services:
        if item["uuid"] == str(location.service.uuid):
            locations = item["locations"]
            if data is None:
                locations = [loc for loc in locations if loc["uuid"] != str(location.uuid)]
            else:
                locations = _replace_item(locations, data)
            item = {**item, "locations": locations}
        changed.append(item)
    return changed


@transaction.atomic
def delivery_location_save(
    *,
    organisation: Organisation,
    location: DeliveryLocation,
    expected_version: int,
    user: User | None = None,
) -> DeliveryLocation:
    """Add or change a delivery location, placing it on the map from its postcode (a
    confidential one at its postcode district's centre, keeping only the district)."""
    lookup = geo.lookup_district if location.confidential else geo.lookup_postcode
    try:
        place = lookup(location.postcode)
    except geo.PostcodeError as error:
        raise ValidationError({"postcode": error.message}) from error
    _claim_version(organisation, expected_version)
    location.postcode = place.postcode
    location.latitude, location.longitude = place.latitude, place.longitude
    if organisation.is_published:
        # The service may itself be waiting for approval, with no row to point to yet.
        location.full_clean(exclude=["service"])
        services = revision_lists.current(organisation, revision_lists.SERVICES)
        changed = _with_location(services, location, revision_lists.location_data(location))
        _record_pending(organisation, revision_lists.SERVICES, changed, user)
        return location
    location.full_clean()
    location.save()
    _profile_changed(organisation)
    return location


@transaction.atomic
def delivery_location_delete(
    *,
    organisation: Organisation,
    location: DeliveryLocation,
    expected_version: int,
    user: User | None = None,
) -> None:
    """Remove a delivery location."""
    _claim_version(organisation, expected_version)
    if organisation.is_published:
        services = revision_lists.current(organisation, revision_lists.SERVICES)
        changed = _with_location(services, location, None)
        _record_pending(organisation, revision_lists.SERVICES, changed, user)
        return
    location.delete()
    _profile_changed(organisation)


@transaction.atomic
def evidence_save(
    *,
    organisation: Organisation,
    evidence: EvidenceItem,
    expected_version: int,
    user: User | None = None,
) -> EvidenceItem:
    """Add or change an item of evidence; a changed item needs a moderator to verify it again."""
    _claim_version(organisation, expected_version)
    evidence.organisation = organisation
    if organisation.is_published:
        evidence.full_clean()
        # Store a new upload now; the pending revision refers to it by name.
        EvidenceItem._meta.get_field("document").pre_save(evidence, add=evidence.pk is None)
        items = revision_lists.current(organisation, revision_lists.EVIDENCE)
        data = revision_lists.evidence_data(evidence)
        _record_pending(organisation, revision_lists.EVIDENCE, _replace_item(items, data), user)
        return evidence
    previous_document = (
        EvidenceItem.objects.filter(pk=evidence.pk).values_list("document", flat=True).first()
        if evidence.pk
        else None
    )
    evidence.verified_by_moderator = False
    evidence.verified_at = None
    evidence.verified_by = None
    evidence.full_clean()
    evidence.save()
    if previous_document and previous_document != evidence.document.name:
        storage = evidence.document.storage
        transaction.on_commit(lambda: storage.delete(previous_document))
    return evidence


@transaction.atomic
def evidence_delete(
    *,
    organisation: Organisation,
    evidence: EvidenceItem,
    expected_version: int,
    user: User | None = None,
) -> None:
    """Remove an item of evidence and its uploaded document."""
    _claim_version(organisation, expected_version)
    if organisation.is_published:
        _record_pending(
            organisation,
            revision_lists.EVIDENCE,
            revision_lists.current_without(organisation, revision_lists.EVIDENCE, evidence.uuid),
            user,
        )
        return
    document = evidence.document
    evidence.delete()
    if document:
        transaction.on_commit(lambda: document.storage.delete(document.name))


def changes_sent_back(organisation: Organisation) -> bool:
    """Whether a moderator sent a published organisation's changes back to its owners."""
    return organisation.revisions.filter(
        status=OrganisationRevision.Status.CHANGES_REQUESTED
    ).exists()


def submittable(organisation: Organisation) -> bool:
    """Whether its owners can send it for review: a draft, a submission sent back, or a published
    organisation's changes sent back."""
    if organisation.is_published:
        return changes_sent_back(organisation)
    return organisation.status in SUBMITTABLE_STATUSES


def submission_problems(organisation: Organisation, user: User) -> list[str]:
    """What stops the organisation being submitted for review, in GOV.UK wording."""
    problems = []
    if not EmailAddress.objects.filter(user=user, verified=True).exists():
        problems.append("Confirm your email address before you submit")
    if organisation.is_published:
        # Its sections were all complete when it was published; its changes are checked anyway.
        return problems
    for key in REQUIRED_SECTIONS:
        if key not in organisation.completed_sections:
            problems.append(f"Complete the section '{SECTIONS[key]}'")
    return problems


@transaction.atomic
def organisation_submit(
    *, organisation: Organisation, user: User, expected_version: int, message: str = ""
) -> Organisation:
    """Send a draft (or a profile with changes requested) to the moderators; for a published
    organisation, send its changes that a moderator sent back. `message` is the owners' note to
    the moderators with this sending (blank for none)."""
    message = moderation_services.submission_message_checked(message)
    if not submittable(organisation):
        raise SubmissionError(NOT_SUBMITTABLE[organisation.status])
    problems = submission_problems(organisation, user)
    if problems:
        raise SubmissionError(problems[0])
    _claim_version(organisation, expected_version)
    if organisation.is_published:
        resent = moderation_services.revision_resubmit(
            organisation=organisation, user=user, message=message
        )
        if resent is None:
            raise SubmissionError(NOT_SUBMITTABLE[organisation.status])
        submission_received_notify(organisation=organisation, user=user, with_message=bool(message))
        return organisation
    organisation.status = Organisation.Status.SUBMITTED
    organisation.submitted_at = timezone.now()
    # Blank when they wrote nothing: the last sending's message is not this one's.
    organisation.submission_message = message
    # Who sent it, shown to the moderators and kept from deciding on it (four eyes).
    organisation._history_user = user
    organisation.full_clean()
    organisation.save()
    _profile_changed(organisation)
    submission_received_notify(organisation=organisation, user=user, with_message=bool(message))
    return organisation


@transaction.atomic
def organisation_claim_request(
    *, organisation: Organisation, user: User, kind: str, message: str = ""
) -> ClaimRequest:
    """Ask to join (as an editor) or claim (as its admin) an organisation already listed."""
    if organisation.memberships.filter(user=user).exists():
        raise ValidationError("You are already a member of this organisation")
    if organisation.claim_requests.pending().filter(user=user).exists():
        raise ValidationError("You have already asked to join this organisation")
    claim = ClaimRequest(organisation=organisation, user=user, kind=kind, message=message)
    claim.full_clean()
    claim.save()
    claim_request_received_notify(claim_request=claim)
    return claim
