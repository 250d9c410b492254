"""Edits to a published organisation's services, delivery locations and evidence wait in its
pending revision: the public sees the published version until a moderator approves, the owners
see what waits, and the moderator sees a field-by-field diff."""

from functools import partial
from pathlib import Path

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from accounts.models import Membership
from directory.moderation import revision_lists
from directory.moderation import services as moderation_services
from directory.moderation.models import OrganisationRevision
from directory.moderation.selectors import moderation_queue
from directory.organisations.models import (
    DeliveryLocation,
    EvidenceItem,
    Organisation,
    QualityMark,
    Region,
    Service,
)
from tests.factories import (
    DeliveryLocationFactory,
    EvidenceItemFactory,
    MembershipFactory,
    OrganisationFactory,
    ServiceFactory,
    moderator_user,
    verified_user,
)
from tests.registration.registration_helpers import (
    PDF_BYTES,
    current_version,
    evidence_data,
    location_data,
    pdf_upload,
    service_data,
    step_url,
    url,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(taxonomies):
    """A published organisation with a service in the North West (with a location), a verified
    report, an admin and an editor."""
    organisation = OrganisationFactory(name="Harbour Trust")
    service = ServiceFactory(
        organisation=organisation,
        name="Through the gate",
        regions=[Region.objects.get(slug="north-west")],
    )
    DeliveryLocationFactory(service=service, name="The Anchor Hub", address="1 Quay Street")
    EvidenceItemFactory(
        organisation=organisation,
        title="Outcomes 2023",
        year=2023,
        document=pdf_upload(),
        verified_by_moderator=True,
    )
    MembershipFactory(organisation=organisation, role=Membership.Role.ADMIN)
    return organisation


@pytest.fixture
def editor_client(client, published):
    editor = verified_user(full_name="Eddie Editor")
    MembershipFactory(user=editor, organisation=published, role=Membership.Role.EDITOR)
    client.force_login(editor)
    return client


def moderation_url(organisation):
    return reverse("moderation:organisation", kwargs={"org": organisation.uuid})


def approve(moderator_client, organisation):
    response = moderator_client.post(
        moderation_url(organisation),
        {"action": "approve", "version": current_version(organisation)},
    )
    assert response.status_code == 302
    assert organisation.revisions.get().status == OrganisationRevision.Status.APPROVED


def public_page(organisation) -> str:
    return Client().get(organisation.get_absolute_url()).content.decode()


def searched_in(region: str) -> list[str]:
    response = Client().get(reverse("directory:organisation_list"), {"region": region})
    return [o.name for o in response.context["result"].page.object_list]


def diff_rows(organisation) -> dict[str, tuple]:
    revision = organisation.revisions.pending().get()
    return {
        row["label"]: (row["before"], row["after"])
        for row in moderation_services.revision_diff(revision)
    }


# --- Services and delivery locations ---


def test_a_new_service_waits_for_approval(editor_client, moderator_client, moderator, published):
    wales = Region.objects.get(slug="wales")
    data = service_data(published, name="Cymru Mentoring", regions=[wales.pk])
    response = editor_client.post(url("service_add", published), data)
    assert response.status_code == 302

    # Nothing live has changed: not on the public page, not found in Wales.
    assert list(published.services.values_list("name", flat=True)) == ["Through the gate"]
    assert "Cymru Mentoring" not in public_page(published)
    assert searched_in("wales") == []
    # The owners see it waiting.
    services_page = editor_client.get(url("services", published)).content.decode()
    assert "Cymru Mentoring" in services_page and "New: waiting for review" in services_page
    task_list = editor_client.get(url("task_list", published)).content.decode()
    assert "New service: Cymru Mentoring" in task_list
    # The moderator sees every field of the new service.
    rows = diff_rows(published)
    assert rows["Service “Cymru Mentoring” (new): Regions"] == (None, "Wales")
    assert rows["Service “Cymru Mentoring” (new): Name"] == (None, "Cymru Mentoring")
    review = moderator_client.get(moderation_url(published)).content.decode()
    assert "Service “Cymru Mentoring” (new): Regions" in review
    assert "1 change<" in moderator_client.get(reverse("moderation:queue")).content.decode()

    approve(moderator_client, published)
    service = published.services.get(name="Cymru Mentoring")
    assert list(service.regions.all()) == [wales]
    assert service.history.latest().history_user == moderator
    assert "Cymru Mentoring" in public_page(published)
    assert searched_in("wales") == ["Harbour Trust"]
    assert mail.outbox[-1].to == [published.memberships.get(role="admin").user.email]


def test_changes_to_a_service_and_its_location_are_shown_field_by_field(
    editor_client, moderator_client, moderator, published
):
    service = published.services.get()
    location = service.locations.get()
    regions = [Region.objects.get(slug=slug).pk for slug in ("north-west", "wales")]
    editor_client.post(
        url("service_edit", published, service=service.uuid),
        service_data(published, name="Through the gate", regions=regions, eligibility="Adults"),
    )
    editor_client.post(
        url("location_edit", published, location=location.uuid),
        location_data(published, name="The Anchor Hub", postcode="CF10 3ND"),
    )

    service.refresh_from_db()
    location.refresh_from_db()
    assert (service.eligibility, location.postcode) == ("", "M1 1AE")
    assert [r.slug for r in service.regions.all()] == ["north-west"]
    assert searched_in("wales") == []
    rows = diff_rows(published)
    changed = "Service “Through the gate” (changed)"
    assert rows[f"{changed}: Regions"] == ("North West", "North West, Wales")
    assert rows[f"{changed}: Eligibility"] == (None, "Adults")
    assert rows[f"{changed}: Delivery location “The Anchor Hub”"] == (
        "1 Quay Street, M1 1AE",
        "1 Quay Street, CF10 3ND",
    )
    assert f"{changed}: Name" not in rows
    # The owners' form shows what they saved, not the live values.
    form = editor_client.get(url("service_edit", published, service=service.uuid)).context["form"]
    assert {region.slug for region in form["regions"].initial} == {"north-west", "wales"}

    approve(moderator_client, published)
    service.refresh_from_db()
    location.refresh_from_db()
    assert service.eligibility == "Adults"
    assert (location.postcode, location.latitude < 52) == ("CF10 3ND", True)
    assert location.history.latest().history_user == moderator
    assert searched_in("wales") == ["Harbour Trust"]


def test_a_location_on_a_new_service_and_removing_a_service(
    editor_client, moderator_client, published
):
    old = published.services.get()
    editor_client.post(url("service_add", published), service_data(published, name="New One"))
    new_uuid = revision_lists.current(published, revision_lists.SERVICES)[1]["uuid"]
    response = editor_client.post(
        url("location_add", published, service=new_uuid),
        location_data(published, name="Cardiff Office", postcode="CF10 3ND"),
    )
    assert response.status_code == 302
    editor_client.post(
        url("service_remove", published, service=old.uuid),
        {"version": current_version(published)},
    )

    assert list(published.services.all()) == [old]
    page = editor_client.get(url("services", published)).content.decode()
    assert "Cardiff Office" in page
    assert "to be removed" in page and "Through the gate" in page
    rows = diff_rows(published)
    assert rows["Service “Through the gate” (removed)"] == ("Published", "Removed")
    assert rows["Service “New One” (new): Delivery location “Cardiff Office”"] == (
        None,
        "1 Quay Street, CF10 3ND",
    )

    approve(moderator_client, published)
    service = published.services.get()
    assert (str(service.uuid), service.name) == (new_uuid, "New One")
    assert service.locations.get().name == "Cardiff Office"
    assert not DeliveryLocation.objects.filter(name="The Anchor Hub").exists()
    assert Service.history.filter(name="Through the gate", history_type="-").exists()


def test_a_location_made_confidential_waits_then_keeps_only_its_district(
    editor_client, moderator_client, published
):
    location = published.services.get().locations.get()
    editor_client.post(
        url("location_edit", published, location=location.uuid),
        location_data(published, name="The Anchor Hub", confidential="True"),
    )
    location.refresh_from_db()
    assert (location.address, location.confidential) == ("1 Quay Street", False)
    rows = diff_rows(published)
    assert rows["Service “Through the gate” (changed): Delivery location “The Anchor Hub”"] == (
        "1 Quay Street, M1 1AE",
        "M1 (confidential address)",
    )
    # The review shows the profile as it will be published.
    review = moderator_client.get(moderation_url(published)).content.decode()
    assert "Manchester, M1 (confidential address)" in review

    approve(moderator_client, published)
    location.refresh_from_db()
    assert (location.address, location.postcode, location.confidential) == ("", "M1", True)
    page = public_page(published)
    assert "Manchester, M1 (confidential address)" in page
    assert "1 Quay Street" not in page and "The Anchor Hub" not in page


def test_a_published_organisation_keeps_at_least_one_service(editor_client, published):
    service = published.services.get()
    response = editor_client.post(
        url("service_remove", published, service=service.uuid),
        {"version": current_version(published)},
    )
    assert response.status_code == 200
    assert "needs at least one service" in response.content.decode()
    assert not published.revisions.exists()


def test_changing_a_service_back_leaves_nothing_waiting(editor_client, published):
    service = published.services.get()
    live = revision_lists.live_services(published)
    saved = {
        "description": service.description,
        "pathways": [term.pk for term in service.pathways.all()],
        "regions": [Region.objects.get(slug="north-west").pk],
        "client_groups": [],
        "spare_capacity": "",
        "largest_contract_value": "",
    }
    edit = url("service_edit", published, service=service.uuid)
    editor_client.post(edit, service_data(published, **saved, name="Renamed"))
    assert published.revisions.pending().exists()
    editor_client.post(edit, service_data(published, **saved, name="Through the gate"))
    assert not published.revisions.exists()
    assert revision_lists.live_services(published) == live


# --- Evidence ---


def test_new_evidence_with_a_report_waits_and_is_dropped_when_rejected(
    editor_client, moderator_client, published, django_capture_on_commit_callbacks
):
    response = editor_client.post(
        url("evidence_add", published),
        evidence_data(published, title="Evaluation 2025", document=pdf_upload()),
    )
    assert response.status_code == 302
    assert list(published.evidence_items.values_list("title", flat=True)) == ["Outcomes 2023"]
    assert "Evaluation 2025" not in public_page(published)
    [pending] = [
        item
        for item in revision_lists.current(published, revision_lists.EVIDENCE)
        if item["title"] == "Evaluation 2025"
    ]
    stored = Path(EvidenceItem._meta.get_field("document").storage.path(pending["document"]))
    assert stored.read_bytes() == PDF_BYTES
    # Its owners and the moderators can open the report; the public cannot.
    owners_copy = url("evidence_document", published, item=pending["uuid"])
    assert editor_client.get(owners_copy)["Content-Type"] == "application/pdf"
    assert moderator_client.get(owners_copy).status_code == 200
    assert Client().get(owners_copy).status_code == 302
    public_copy = reverse(
        "directory:evidence_document", kwargs={"slug": published.slug, "evidence": pending["uuid"]}
    )
    assert Client().get(public_copy).status_code == 404
    rows = diff_rows(published)
    assert rows["Evidence “Evaluation 2025” (new): Uploaded report"] == (None, "A new PDF")
    # The review page links to the moderators' copy.
    moderators_copy = reverse(
        "moderation:evidence_document", kwargs={"org": published.uuid, "item": pending["uuid"]}
    )
    assert moderators_copy in moderator_client.get(moderation_url(published)).content.decode()
    assert moderator_client.get(moderators_copy)["Content-Type"] == "application/pdf"

    with django_capture_on_commit_callbacks(execute=True):
        response = moderator_client.post(
            moderation_url(published),
            {"action": "reject", "reason": "Not an evaluation", "version": published.version},
        )
    assert response.status_code == 302
    assert not stored.exists()
    assert list(published.evidence_items.values_list("title", flat=True)) == ["Outcomes 2023"]
    assert Path(published.evidence_items.get().document.path).exists()


def test_changed_evidence_stays_verified_until_approved_then_needs_verifying_again(
    editor_client, moderator_client, moderator, published, django_capture_on_commit_callbacks
):
    item = published.evidence_items.get()
    old_file = Path(item.document.path)
    editor_client.post(
        url("evidence_edit", published, item=item.uuid),
        evidence_data(
            published, title="Outcomes 2023 (revised)", year="2023", document=pdf_upload()
        ),
    )
    item.refresh_from_db()
    assert (item.title, item.verified_by_moderator) == ("Outcomes 2023", True)
    page = public_page(published)
    assert "Outcomes 2023" in page and "revised" not in page and "Verified by a moderator" in page
    evidence_page = editor_client.get(url("evidence", published)).content.decode()
    assert "Outcomes 2023 (revised)" in evidence_page
    assert "Changed: waiting for review" in evidence_page
    rows = diff_rows(published)
    changed = "Evidence “Outcomes 2023 (revised)” (changed)"
    assert rows[f"{changed}: Title"] == ("Outcomes 2023", "Outcomes 2023 (revised)")
    assert rows[f"{changed}: Uploaded report"] == ("A PDF", "A new PDF")
    assert f"{changed}: Year" not in rows

    with django_capture_on_commit_callbacks(execute=True):
        approve(moderator_client, published)
    item.refresh_from_db()
    assert (item.title, item.verified_by_moderator, item.verified_by) == (
        "Outcomes 2023 (revised)",
        False,
        None,
    )
    assert item.history.latest().history_user == moderator
    assert not old_file.exists() and Path(item.document.path).exists()


def test_removing_evidence_waits_for_approval(editor_client, moderator_client, published):
    item = published.evidence_items.get()
    editor_client.post(
        url("evidence_remove", published, item=item.uuid), {"version": current_version(published)}
    )
    assert published.evidence_items.exists()
    assert "to be removed" in editor_client.get(url("evidence", published)).content.decode()
    assert diff_rows(published)["Evidence “Outcomes 2023” (removed)"] == ("Published", "Removed")
    approve(moderator_client, published)
    assert not published.evidence_items.exists()


# --- Changes sent back to the owners ---


def test_changes_sent_back_keep_what_the_owners_proposed_until_they_send_them_again(
    editor_client, moderator_client, published, django_capture_on_commit_callbacks
):
    editor_client.post(
        step_url(published, "what-you-do"),
        {"summary": "Proposed", "description": "New", "version": current_version(published)},
    )
    editor_client.post(
        url("evidence_add", published),
        evidence_data(published, title="Evaluation 2025", document=pdf_upload()),
    )
    [pending] = [
        item
        for item in revision_lists.current(published, revision_lists.EVIDENCE)
        if item["title"] == "Evaluation 2025"
    ]
    stored = Path(EvidenceItem._meta.get_field("document").storage.path(pending["document"]))

    with django_capture_on_commit_callbacks(execute=True):
        response = moderator_client.post(
            moderation_url(published),
            {
                "action": "request_changes",
                "reason": "Name the evaluator",
                "version": current_version(published),
            },
        )
    assert response.status_code == 302
    revision = published.revisions.get()
    assert revision.status == OrganisationRevision.Status.CHANGES_REQUESTED
    assert stored.exists()
    assert "Your proposed changes are kept" in mail.outbox[-1].body
    # None of it is live, and it is not in the queue while it is the owners' to change.
    assert "Proposed" not in public_page(published)
    assert moderation_queue()[1]["revision"] == 0

    # The owners see the moderator's message and go on from what they proposed.
    task_list = editor_client.get(url("task_list", published)).content.decode()
    assert "A moderator asked for changes" in task_list and "Name the evaluator" in task_list
    form = editor_client.get(step_url(published, "what-you-do")).context["form"]
    assert form["summary"].value() == "Proposed"
    assert "Evaluation 2025" in editor_client.get(url("evidence", published)).content.decode()
    document = editor_client.get(url("evidence_document", published, item=pending["uuid"]))
    assert document["Content-Type"] == "application/pdf"
    editor_client.post(
        url("evidence_edit", published, item=pending["uuid"]),
        evidence_data(published, title="Evaluation 2025", summary="By Dr Evans of Leeds"),
    )
    revision.refresh_from_db()
    assert revision.status == OrganisationRevision.Status.CHANGES_REQUESTED
    assert revision.proposed["summary"] == "Proposed"

    # Sent for review again: back in the queue, waiting since it was sent.
    assert (
        "Send your changes for review"
        in editor_client.get(url("check", published)).content.decode()
    )
    response = editor_client.post(url("check", published), {"version": current_version(published)})
    assert response["Location"] == url("submitted", published)
    confirmation = editor_client.get(response["Location"]).content.decode()
    assert "Changes sent for review" in confirmation
    assert "A moderator will check your changes within 5 working days" in confirmation
    assert mail.outbox[-1].subject == "Your changes to Harbour Trust are waiting for review"
    assert "Until then your published profile stays as it is" in mail.outbox[-1].body
    revision.refresh_from_db()
    assert revision.status == OrganisationRevision.Status.PENDING
    [item] = moderation_queue(kind="revision")[0]
    assert item.waiting_since == revision.submitted_at > revision.created_at
    assert "Name the evaluator" in moderator_client.get(moderation_url(published)).content.decode()

    approve(moderator_client, published)
    published.refresh_from_db()
    assert published.summary == "Proposed"
    evaluation = published.evidence_items.get(title="Evaluation 2025")
    assert evaluation.summary == "By Dr Evans of Leeds"
    assert Path(evaluation.document.path) == stored


def test_a_submission_sent_back_shows_the_moderators_message(client, moderator):
    organisation = OrganisationFactory(status=Organisation.Status.SUBMITTED)
    admin = MembershipFactory(organisation=organisation, role=Membership.Role.ADMIN).user
    moderation_services.decision_record(
        kind="submission",
        action="request_changes",
        subject=organisation,
        actor=moderator,
        reason="Add your charity number",
    )
    client.force_login(admin)
    task_list = client.get(url("task_list", organisation)).content.decode()
    assert "A moderator asked for changes" in task_list and "Add your charity number" in task_list


# --- Fields and lists together ---


def test_edits_to_fields_terms_and_lists_wait_side_by_side(editor_client, published):
    mark = QualityMark.objects.first()
    editor_client.post(
        step_url(published, "quality-marks"),
        {"quality_marks": [mark.pk], "version": current_version(published)},
    )
    editor_client.post(url("service_add", published), service_data(published, name="Extra"))
    editor_client.post(
        step_url(published, "what-you-do"),
        {"summary": "New summary", "description": "New", "version": current_version(published)},
    )
    # "Save and continue" on a list page of a published profile changes nothing.
    editor_client.post(url("services", published), {"version": current_version(published)})

    proposed = published.revisions.pending().get().proposed
    assert proposed["quality_marks"] == [mark.slug]
    assert proposed["summary"] == "New summary"
    assert [service["name"] for service in proposed["services"]] == ["Through the gate", "Extra"]
    check = editor_client.get(url("check", published)).content.decode()
    assert "New summary" in check and mark.name in check and "Extra" in check


def test_drafts_are_still_edited_directly(client, taxonomies):
    draft = OrganisationFactory(status=Organisation.Status.DRAFT)
    admin = MembershipFactory(organisation=draft, role=Membership.Role.ADMIN).user
    client.force_login(admin)
    client.post(url("service_add", draft), service_data(draft, name="Straight in"))
    assert draft.services.get().name == "Straight in"
    assert not draft.revisions.exists()


def test_a_moderator_cannot_verify_evidence_they_put_on_someone_elses_profile(
    moderator_client, moderator, published, settings
):
    """Four eyes: the moderator who added a report to another organisation's profile (a
    change another moderator approved) does not also check it; any other moderator may."""
    writer = moderator_user(full_name="Wren Writer")
    writer_client = Client()
    writer_client.force_login(writer)
    writer_client.post(
        url("evidence_add", published),
        evidence_data(published, title="Evaluation 2025", year="2025", document=pdf_upload()),
    )
    approve(moderator_client, published)
    added = published.evidence_items.get(title="Evaluation 2025")
    untouched = published.evidence_items.get(title="Outcomes 2023")
    EvidenceItem.objects.filter(pk=untouched.pk).update(verified_by_moderator=False)
    verify = partial(moderation_services.decision_record, kind="evidence_verify", action="approve")

    page = writer_client.get(moderation_url(published)).content.decode()
    assert page.count("Mark as verified") == 1  # for the report they did not add
    assert "Another moderator must verify it: you added or changed it" in page
    with pytest.raises(PermissionDenied, match="You added or changed this evidence yourself"):
        verify(subject=added, actor=writer)
    response = writer_client.post(
        reverse("moderation:evidence_verify", kwargs={"org": published.uuid, "item": added.uuid}),
        follow=True,
    )
    assert "another moderator must verify it" in response.content.decode()
    added.refresh_from_db()
    assert not added.verified_by_moderator
    verify(subject=untouched, actor=writer)  # not theirs

    settings.MODERATION_ALLOW_SELF_APPROVAL = True
    assert verify(subject=added, actor=writer).self_decided
    added.refresh_from_db()
    assert added.verified_by == writer
