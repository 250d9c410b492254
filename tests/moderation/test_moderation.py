"""Moderation: transitions, pending revisions, the queue, reports, audit records and access."""

import uuid
from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from directory.moderation import services
from directory.moderation.models import (
    OrganisationRevision,
    ProblemReport,
    ReviewLock,
)
from directory.moderation.selectors import moderation_queue
from directory.organisations.models import AuditRecord, Organisation, Service
from directory.registration import services as registration_services
from tests.factories import (
    ClaimRequestFactory,
    CommissionerProfileFactory,
    DeliveryLocationFactory,
    EvidenceItemFactory,
    MembershipFactory,
    OrganisationFactory,
    OrganisationRevisionFactory,
    PartnershipRoleFactory,
    PathwayFactory,
    ProblemReportFactory,
    RegionFactory,
    ServiceFactory,
    moderator_user,
    verified_user,
)
from tests.registration.registration_helpers import draft_with_admin, step_url

pytestmark = pytest.mark.django_db
Status = Organisation.Status


def submitted_with_admin(**fields):
    organisation = OrganisationFactory(status=Status.SUBMITTED, last_verified_at=None, **fields)
    admin = MembershipFactory(organisation=organisation, role=Membership.Role.ADMIN).user
    return organisation, admin


def org_url(name, organisation, **kwargs):
    return reverse(f"moderation:{name}", kwargs={"org": organisation.uuid, **kwargs})


# --- Access ---------------------------------------------------------------------------------


def moderation_urls():
    organisation = OrganisationFactory(status=Status.ARCHIVED)
    evidence = EvidenceItemFactory(organisation=organisation)
    return [
        reverse("moderation:queue"),
        org_url("organisation", organisation),
        org_url("history", organisation),
        org_url("archive", organisation),
        org_url("restore", organisation),
        org_url("purge", organisation),
        org_url("evidence_verify", organisation, item=evidence.uuid),
        reverse("moderation:claim", kwargs={"pk": ClaimRequestFactory().pk}),
        reverse("moderation:commissioner", kwargs={"pk": CommissionerProfileFactory().pk}),
        reverse("moderation:report", kwargs={"pk": ProblemReportFactory().pk}),
    ]


def test_anonymous_people_are_asked_to_sign_in_on_every_moderation_url(client):
    for url in moderation_urls():
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("account_login")), url


@pytest.mark.parametrize("role", ["member", "admin", "plain", "staff_commissioner"])
def test_non_moderators_get_404_on_every_moderation_url(client, role):
    user = verified_user()
    if role in {"member", "admin"}:
        MembershipFactory(user=user, role="admin" if role == "admin" else "editor")
    if role == "staff_commissioner":
        CommissionerProfileFactory(user=user)
    client.force_login(user)
    for url in moderation_urls():
        assert client.get(url).status_code == 404, url
        assert client.post(url).status_code == 404, url


def test_moderators_can_open_the_workspace_pages(moderator_client):
    for url in moderation_urls():
        if url.endswith("/restore/") or url.endswith("/verify/"):
            assert moderator_client.get(url).status_code == 405
        else:
            assert moderator_client.get(url).status_code == 200, url


# --- New submissions ------------------------------------------------------------------------


def test_approving_a_submission_publishes_it_and_records_the_decision(moderator):
    organisation, admin = submitted_with_admin()
    services.decision_record(
        kind="submission",
        action="approve",
        subject=organisation,
        actor=moderator,
        expected_version=organisation.version,
    )
    organisation.refresh_from_db()
    assert organisation.status == Status.PUBLISHED
    assert organisation.last_verified_at is not None
    decision = AuditRecord.objects.get(organisation=organisation)
    assert (decision.kind, decision.action, decision.actor) == (
        "submission",
        "approve",
        moderator,
    )
    assert organisation.history.latest().history_user == moderator
    assert [message.to for message in mail.outbox] == [[admin.email]]
    assert "published" in mail.outbox[0].body
    # It links to the profile as everyone sees it, not to the owners' editing pages.
    profile = f"{settings.SITE_URL}/organisations/{organisation.slug}/"
    assert f"See your published profile, as everyone sees it:\n{profile}\n" in mail.outbox[0].body
    assert "/register/" not in mail.outbox[0].body


@pytest.mark.parametrize(
    "action, status",
    [("request_changes", Status.CHANGES_REQUESTED), ("reject", Status.REJECTED)],
)
def test_request_changes_and_reject_need_a_reason_and_send_it(moderator, action, status):
    organisation, admin = submitted_with_admin()

    def decide(reason):
        services.decision_record(
            kind="submission", action=action, subject=organisation, actor=moderator, reason=reason
        )

    with pytest.raises(ValidationError):
        decide("  ")
    decide("Add your charity number")
    organisation.refresh_from_db()
    assert organisation.status == status
    assert AuditRecord.objects.get(organisation=organisation).reason == ("Add your charity number")
    assert "Add your charity number" in mail.outbox[0].body
    # Not published: it links to the pages where the owners make the changes.
    task_list = reverse("registration:task_list", kwargs={"org": organisation.uuid})
    assert f"{settings.SITE_URL}{task_list}" in mail.outbox[0].body


@pytest.mark.parametrize(
    "status",
    [Status.DRAFT, Status.PUBLISHED, Status.CHANGES_REQUESTED, Status.REJECTED, Status.ARCHIVED],
)
@pytest.mark.parametrize(
    "decide",
    [
        lambda org, mod: services.decision_record(
            kind="submission",
            action="approve",
            subject=org,
            actor=mod,
            expected_version=org.version,
        ),
        lambda org, mod: services.decision_record(
            kind="submission", action="reject", subject=org, actor=mod, reason="x"
        ),
        lambda org, mod: services.decision_record(
            kind="submission", action="request_changes", subject=org, actor=mod, reason="x"
        ),
    ],
)
def test_illegal_transitions_are_refused(moderator, status, decide):
    organisation = OrganisationFactory(status=status)
    with pytest.raises(services.ModerationError):
        decide(organisation, moderator)
    organisation.refresh_from_db()
    assert organisation.status == status
    assert not AuditRecord.objects.exists()


@pytest.mark.parametrize(
    "status, refusal",
    [
        (Status.SUBMITTED, "This organisation has already been submitted"),
        (Status.PUBLISHED, "This organisation is published"),
        (Status.REJECTED, "This organisation was rejected, so it cannot be submitted"),
        (Status.ARCHIVED, "This organisation is archived, so it cannot be submitted"),
    ],
)
def test_submitting_is_refused_unless_a_draft_or_sent_back(status, refusal):
    organisation = OrganisationFactory(
        status=status, completed_sections=list(registration_services.REQUIRED_SECTIONS)
    )
    admin = verified_user()
    MembershipFactory(user=admin, organisation=organisation, role="admin")
    with pytest.raises(registration_services.SubmissionError, match=refusal):
        registration_services.organisation_submit(
            organisation=organisation, user=admin, expected_version=organisation.version
        )
    organisation.refresh_from_db()
    assert (organisation.status, organisation.version) == (status, 1)
    assert not organisation.revisions.exists()


@pytest.mark.parametrize("status", [status for status in Status if status != Status.ARCHIVED])
def test_only_archived_organisations_are_restored_or_purged(moderator, status):
    organisation = OrganisationFactory(status=status)
    with pytest.raises(services.ModerationError):
        services.decision_record(
            kind="restore", action="done", subject=organisation, actor=moderator
        )
    with pytest.raises(services.ModerationError):
        services.decision_record(
            kind="purge",
            action="done",
            subject=organisation,
            actor=moderator,
            confirm_name=organisation.name,
        )
    assert Organisation.objects.get().status == status


def test_a_moderator_cannot_decide_on_their_own_organisation(moderator, moderator_client):
    organisation, _ = submitted_with_admin()
    MembershipFactory(user=moderator, organisation=organisation, role="editor")
    with pytest.raises(PermissionDenied):
        services.decision_record(
            kind="submission",
            action="approve",
            subject=organisation,
            actor=moderator,
            expected_version=organisation.version,
        )
    response = moderator_client.post(
        org_url("organisation", organisation),
        {"action": "approve", "version": organisation.version},
    )
    assert response.status_code == 200
    organisation.refresh_from_db()
    assert organisation.status == Status.SUBMITTED


# --- A submission is decided as it was sent --------------------------------------------------


def ready_to_submit(**fields):
    """A draft with every required section complete, and its admin (email verified)."""
    return draft_with_admin(
        completed_sections=list(registration_services.REQUIRED_SECTIONS), **fields
    )


def submit(organisation, admin):
    organisation.refresh_from_db()
    registration_services.organisation_submit(
        organisation=organisation, user=admin, expected_version=organisation.version
    )
    organisation.refresh_from_db()


def test_a_submitted_profile_cannot_be_changed_until_a_moderator_decides(client, moderator):
    organisation, admin = ready_to_submit(summary="As sent")
    submit(organisation, admin)
    client.force_login(admin)
    page = client.get(step_url(organisation, "what-you-do")).content.decode()
    assert "waiting for a moderator's review, so it cannot be changed now" in page
    data = {"summary": "Changed", "description": "D", "version": organisation.version}
    response = client.post(step_url(organisation, "what-you-do"), data)
    assert response.status_code == 200
    refusal = " ".join(response.context["form"].errors["__all__"])
    assert "cannot be changed now. Your changes have not been saved" in refusal
    with pytest.raises(registration_services.UnderReviewError):
        registration_services.service_save(
            organisation=organisation,
            service=Service(name="Mentoring"),
            expected_version=organisation.version,
            m2m={"pathways": [PathwayFactory()], "regions": [RegionFactory()]},
        )
    organisation.refresh_from_db()
    assert (organisation.summary, organisation.status) == ("As sent", Status.SUBMITTED)
    assert not organisation.services.exists()

    # Once the moderator has asked for changes, the owners make them.
    services.decision_record(
        kind="submission",
        action="request_changes",
        subject=organisation,
        actor=moderator,
        reason="Say more about what you do",
    )
    data["version"] = organisation.version
    assert client.post(step_url(organisation, "what-you-do"), data).status_code == 302
    organisation.refresh_from_db()
    assert organisation.summary == "Changed"


def test_approval_is_refused_for_a_version_the_moderator_has_not_seen(moderator_client):
    organisation, admin = ready_to_submit(summary="First answer")
    submit(organisation, admin)
    seen = organisation.version
    # Meanwhile another moderator sends it back and the owners change it and send it again.
    services.decision_record(
        kind="submission",
        action="request_changes",
        subject=organisation,
        actor=moderator_user(),
        reason="Say more",
    )
    organisation.refresh_from_db()
    organisation.summary = "Second answer"
    registration_services.organisation_section_save(
        organisation=organisation, expected_version=organisation.version
    )
    submit(organisation, admin)

    review = org_url("organisation", organisation)
    response = moderator_client.post(review, {"action": "approve", "version": seen})
    assert response["Location"] == review
    assert "has changed since you opened this page" in moderator_client.get(review).content.decode()
    organisation.refresh_from_db()
    assert organisation.status == Status.SUBMITTED
    assert not AuditRecord.objects.filter(action="approve").exists()

    response = moderator_client.post(review, {"action": "approve", "version": organisation.version})
    assert response["Location"] == reverse("moderation:queue")
    organisation.refresh_from_db()
    assert (organisation.status, organisation.summary) == (Status.PUBLISHED, "Second answer")


def test_approving_changes_is_refused_when_the_owners_changed_them_since(moderator):
    organisation = OrganisationFactory(summary="Live")
    organisation.summary = "First proposal"
    registration_services.organisation_section_save(
        organisation=organisation, expected_version=organisation.version
    )
    seen = organisation.version
    organisation.summary = "Second proposal"
    registration_services.organisation_section_save(
        organisation=organisation, expected_version=seen
    )
    revision = organisation.revisions.pending().get()

    with pytest.raises(services.ChangedSinceReviewError):
        services.decision_record(
            kind="revision",
            action="approve",
            subject=revision,
            actor=moderator,
            expected_version=seen,
        )
    assert Organisation.objects.get().summary == "Live"
    revision.refresh_from_db()
    assert revision.status == OrganisationRevision.Status.PENDING

    services.decision_record(
        kind="revision",
        action="approve",
        subject=revision,
        actor=moderator,
        expected_version=seen + 1,
    )
    assert Organisation.objects.get().summary == "Second proposal"


def test_a_submission_waits_in_the_queue_since_it_was_sent(monkeypatch):
    organisation, admin = ready_to_submit()
    sent = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    monkeypatch.setattr(timezone, "now", lambda: sent)
    submit(organisation, admin)
    monkeypatch.undo()
    # A later save of the row (here by the system) does not move it back in the queue.
    Organisation.objects.get(pk=organisation.pk).save()
    [item] = moderation_queue()[0]
    assert item.waiting_since == organisation.submitted_at == sent


@pytest.mark.parametrize("action", ["approve", "request_changes", "reject"])
def test_a_moderator_cannot_decide_on_changes_to_their_own_organisation(
    moderator, moderator_client, action
):
    revision = OrganisationRevisionFactory(organisation__summary="Live")
    organisation = revision.organisation
    MembershipFactory(user=moderator, organisation=organisation, role="editor")
    decide = {
        "approve": lambda: services.decision_record(
            kind="revision",
            action="approve",
            subject=revision,
            actor=moderator,
            expected_version=organisation.version,
        ),
        "request_changes": lambda: services.decision_record(
            kind="revision",
            action="request_changes",
            subject=revision,
            actor=moderator,
            reason="Say more",
        ),
        "reject": lambda: services.decision_record(
            kind="revision",
            action="reject",
            subject=revision,
            actor=moderator,
            reason="Not accurate",
        ),
    }[action]
    with pytest.raises(PermissionDenied):
        decide()
    response = moderator_client.post(
        org_url("organisation", organisation),
        {"action": action, "reason": "Say more", "version": organisation.version},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["__all__"]
    assert errors == ["You cannot moderate an organisation you belong to"]
    revision.refresh_from_db()
    assert revision.status == OrganisationRevision.Status.PENDING
    assert Organisation.objects.get().summary == "Live"
    assert not AuditRecord.objects.exists() and mail.outbox == []


def test_a_moderator_cannot_verify_evidence_of_their_own_organisation(moderator, moderator_client):
    evidence = EvidenceItemFactory()
    organisation = evidence.organisation
    MembershipFactory(user=moderator, organisation=organisation, role="admin")
    with pytest.raises(PermissionDenied):
        services.decision_record(
            kind="evidence_verify", action="approve", subject=evidence, actor=moderator
        )
    response = moderator_client.post(
        org_url("evidence_verify", organisation, item=evidence.uuid), follow=True
    )
    assert "You cannot moderate an organisation you belong to" in response.content.decode()
    evidence.refresh_from_db()
    assert not evidence.verified_by_moderator and evidence.verified_by is None
    assert not AuditRecord.objects.exists()


def test_decision_form_errors_are_shown_and_values_kept(moderator_client):
    organisation, _ = submitted_with_admin()
    response = moderator_client.post(
        org_url("organisation", organisation),
        {"action": "reject", "reason": "", "version": organisation.version},
    )
    assert response.status_code == 200
    assert "Enter a message saying what needs to change" in response.content.decode()
    assert response.content.decode().count("govuk-error-summary") >= 1
    organisation.refresh_from_db()
    assert organisation.status == Status.SUBMITTED


# --- Pending revisions ----------------------------------------------------------------------


def test_edits_to_a_published_profile_wait_for_approval(client, moderator_client, taxonomies):
    organisation = OrganisationFactory(name="Live Trust", summary="Old summary")
    editor = verified_user()
    MembershipFactory(user=editor, organisation=organisation, role="editor")
    admin = MembershipFactory(organisation=organisation, role="admin").user
    client.force_login(editor)
    data = {"summary": "New summary", "description": "New", "version": organisation.version}
    assert client.post(step_url(organisation, "what-you-do"), data).status_code == 302

    # The public still sees the published version; the owners see what is waiting.
    public = client.get(organisation.get_absolute_url()).content.decode()
    assert "Old summary" in public and "New summary" not in public
    task_list = client.get(reverse("registration:task_list", kwargs={"org": organisation.uuid}))
    assert "Changes waiting for review" in task_list.content.decode()
    form_page = client.get(step_url(organisation, "what-you-do")).content.decode()
    assert "New summary" in form_page

    # The moderator sees the field-by-field difference, and approves.
    review = moderator_client.get(org_url("organisation", organisation)).content.decode()
    assert "<del>Old</del> summary" in review and "<ins>New</ins> summary" in review
    organisation.refresh_from_db()
    response = moderator_client.post(
        org_url("organisation", organisation),
        {"action": "approve", "version": organisation.version},
    )
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.summary == "New summary"
    assert organisation.history.latest().history_user.is_moderator
    assert OrganisationRevision.objects.get().status == OrganisationRevision.Status.APPROVED
    assert "New summary" in client.get(organisation.get_absolute_url()).content.decode()
    assert mail.outbox[-1].to == [admin.email]


def test_revision_diff_shows_added_and_removed_terms(moderator):
    keep, old, new = PartnershipRoleFactory(), PartnershipRoleFactory(), PartnershipRoleFactory()
    organisation = OrganisationFactory(summary="Before")
    organisation.partnership_roles.set([keep, old])
    organisation.summary = "After"
    revision = services.revision_record(
        organisation=organisation, m2m={"partnership_roles": [keep, new]}
    )
    rows = {row["field"]: row for row in services.revision_diff(revision)}
    assert rows["summary"]["before"] == "Before" and rows["summary"]["after"] == "After"
    assert rows["partnership_roles"]["added"] == [new.name]
    assert rows["partnership_roles"]["removed"] == [old.name]
    services.decision_record(
        kind="revision",
        action="approve",
        subject=revision,
        actor=moderator,
        expected_version=organisation.version,
    )
    assert set(organisation.partnership_roles.all()) == {keep, new}
    # The terms are in the audit history too, changed by the moderator who approved.
    record = organisation.history.latest()
    assert record.history_user == moderator
    assert {row.partnershiprole for row in record.partnership_roles.all()} == {keep, new}


def test_changing_a_field_back_leaves_nothing_waiting():
    organisation = OrganisationFactory(summary="Same")
    organisation.summary = "Different"
    services.revision_record(organisation=organisation)
    organisation.summary = "Same"
    assert services.revision_record(organisation=organisation) is None
    assert not OrganisationRevision.objects.exists()


@pytest.mark.parametrize(
    "action, status",
    [
        ("reject", OrganisationRevision.Status.REJECTED),
        ("request_changes", OrganisationRevision.Status.CHANGES_REQUESTED),
    ],
)
def test_refused_revisions_leave_the_live_profile_alone(moderator, action, status):
    revision = OrganisationRevisionFactory(organisation__summary="Live")
    admin = MembershipFactory(organisation=revision.organisation, role="admin").user
    services.decision_record(
        kind="revision", action=action, subject=revision, actor=moderator, reason="Not accurate"
    )
    revision.refresh_from_db()
    assert revision.status == status and revision.message == "Not accurate"
    assert Organisation.objects.get().summary == "Live"
    decision = AuditRecord.objects.get()
    assert (decision.kind, decision.actor, decision.reason) == (
        "revision",
        moderator,
        "Not accurate",
    )
    [email] = mail.outbox
    assert email.to == [admin.email] and "Not accurate" in email.body
    with pytest.raises(services.ModerationError):
        services.decision_record(
            kind="revision",
            action="approve",
            subject=revision,
            actor=moderator,
            expected_version=revision.organisation.version,
        )


# --- Evidence, archive, purge, history -------------------------------------------------------


def test_verifying_evidence_is_recorded_and_shown_publicly(client, moderator_client, moderator):
    evidence = EvidenceItemFactory(title="JDL 2023")
    organisation = evidence.organisation
    assert (
        moderator_client.get(
            org_url("evidence_verify", organisation, item=evidence.uuid)
        ).status_code
        == 405
    )
    moderator_client.post(org_url("evidence_verify", organisation, item=evidence.uuid))
    evidence.refresh_from_db()
    assert evidence.verified_by_moderator and evidence.verified_by == moderator
    assert AuditRecord.objects.get().kind == "evidence_verify"
    assert "Verified by a moderator" in client.get(organisation.get_absolute_url()).content.decode()
    # Search results say which organisations have evidence a moderator has checked.
    OrganisationFactory(name="Unchecked Trust")
    EvidenceItemFactory(organisation__name="Also Unchecked")
    results = client.get(reverse("directory:organisation_list")).content.decode()
    tagged = [
        chunk.split("</a>")[0].rsplit(">", 1)[-1]
        for chunk in results.split('class="app-result__title"')[1:]
        if "Evidence verified by a moderator" in chunk
    ]
    assert tagged == [organisation.name]


def test_archiving_closes_the_changes_waiting_for_review(moderator):
    revision = OrganisationRevisionFactory(organisation__summary="Live")
    organisation = revision.organisation
    services.decision_record(
        kind="archive", action="done", subject=organisation, actor=moderator, reason="Closed"
    )
    revision.refresh_from_db()
    assert (revision.status, revision.message) == (OrganisationRevision.Status.REJECTED, "Closed")
    assert moderation_queue()[1]["revision"] == 0
    services.decision_record(kind="restore", action="done", subject=organisation, actor=moderator)
    organisation.refresh_from_db()
    assert services.revision_overlay(organisation) == {} and organisation.summary == "Live"


def test_archiving_closes_changes_sent_back_to_the_owners_too(moderator):
    revision = OrganisationRevisionFactory(organisation__summary="Live")
    services.decision_record(
        kind="revision",
        action="request_changes",
        subject=revision,
        actor=moderator,
        reason="Say more",
    )
    services.decision_record(
        kind="archive",
        action="done",
        subject=revision.organisation,
        actor=moderator,
        reason="Closed",
    )
    revision.refresh_from_db()
    assert revision.status == OrganisationRevision.Status.REJECTED
    assert not revision.organisation.revisions.open().exists()


def test_archive_restore_and_purge(moderator_client, moderator):
    organisation = OrganisationFactory(name="Old Trust")
    response = moderator_client.post(org_url("archive", organisation), {"reason": ""})
    assert "Enter the reason" in response.content.decode()
    moderator_client.post(org_url("archive", organisation), {"reason": "Closed down"})
    organisation.refresh_from_db()
    assert organisation.status == Status.ARCHIVED
    moderator_client.post(org_url("restore", organisation))
    organisation.refresh_from_db()
    assert organisation.status == Status.DRAFT
    assert moderator_client.get(org_url("purge", organisation)).status_code == 404

    services.decision_record(
        kind="archive", action="done", subject=organisation, actor=moderator, reason="Gone"
    )
    response = moderator_client.post(org_url("purge", organisation), {"confirm_name": "Old"})
    assert "exactly as shown" in response.content.decode()
    assert Organisation.objects.filter(pk=organisation.pk).exists()
    moderator_client.post(org_url("purge", organisation), {"confirm_name": "Old Trust"})
    assert not Organisation.objects.filter(pk=organisation.pk).exists()
    purge = AuditRecord.objects.get(kind="purge")
    assert purge.organisation is None and purge.organisation_name == "Old Trust"
    assert [d.kind for d in AuditRecord.objects.order_by("id")] == [
        "archive",
        "restore",
        "archive",
        "purge",
    ]


def test_the_django_admin_cannot_delete_organisations(client):
    organisation = OrganisationFactory(status=Status.ARCHIVED)
    superuser = moderator_user(is_staff=True, is_superuser=True)
    client.force_login(superuser)
    delete_url = reverse("admin:directory_organisation_delete", args=[organisation.pk])
    assert client.get(delete_url).status_code == 403
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    changelist = reverse("admin:directory_organisation_changelist")
    assert "delete_selected" not in client.get(changelist).content.decode()
    client.post(changelist, {"action": "delete_selected", "_selected_action": [organisation.pk]})
    assert Organisation.objects.filter(pk=organisation.pk).exists()


def superuser_client(client):
    client.force_login(moderator_user(is_staff=True, is_superuser=True))
    return client


def test_the_django_admin_shows_organisations_and_what_they_publish_read_only(client):
    """Four eyes: an edit in the admin would publish without another moderator's review."""
    location = DeliveryLocationFactory(service__organisation__summary="Published summary")
    service = location.service
    organisation = service.organisation
    evidence = EvidenceItemFactory(organisation=organisation, service=service)
    superuser_client(client)
    for name, record in [
        ("organisation", organisation),
        ("service", service),
        ("evidenceitem", evidence),
        ("deliverylocation", location),
    ]:
        change = reverse(f"admin:directory_{name}_change", args=[record.pk])
        page = client.get(change)
        assert page.status_code == 200
        assert 'name="_save"' not in page.content.decode()
        workspace = reverse("moderation:organisation", kwargs={"org": organisation.uuid})
        assert (f'href="{workspace}"' in page.content.decode()) is (name == "organisation")
        assert client.post(change, {"summary": "Edited in the admin"}).status_code == 403
        assert client.get(reverse(f"admin:directory_{name}_add")).status_code == 403
    # simple_history's "Revert" page saves what is posted to it: refused.
    record = organisation.history.earliest()
    revert = reverse(
        "admin:directory_organisation_simple_history", args=[organisation.pk, record.pk]
    )
    assert client.get(revert).status_code == 200
    assert client.post(revert, {"summary": "Edited in the admin"}).status_code == 403
    organisation.refresh_from_db()
    assert organisation.summary == "Published summary"


def test_the_django_admin_reads_the_history_as_sentences(client, moderator):
    organisation = OrganisationFactory(summary="Before")
    ServiceFactory(organisation=organisation, name="Mentoring")
    organisation.summary = "After"
    organisation.completed_sections = ["about"]
    organisation.save()
    services.decision_record(
        kind="archive", action="done", subject=organisation, actor=moderator, reason="Closed"
    )
    superuser_client(client)
    change = client.get(reverse("admin:directory_organisation_change", args=[organisation.pk]))
    history = client.get(reverse("admin:directory_organisation_history", args=[organisation.pk]))
    for page in (change, history):
        table = page.content.decode().split("app-history")[1].split("</table>")[0]
        assert "Summary changed" in table
        assert "Service ‘Mentoring’ added" in table
        assert "Archived by Mo Derator with the message “Closed”" in table
    # Not simple_history's raw records, with field names and a way to revert.
    assert "completed_sections" not in history.content.decode()
    assert "revert" not in history.content.decode()
    # A service's, location's or evidence's History is its organisation's.
    service = organisation.services.get()
    for name, record in [
        ("service", service),
        ("deliverylocation", DeliveryLocationFactory(service=service)),
        ("evidenceitem", EvidenceItemFactory(organisation=organisation)),
    ]:
        response = client.get(reverse(f"admin:directory_{name}_history", args=[record.pk]))
        assert response["Location"] == history.request["PATH_INFO"]


def test_history_page_lists_changes_with_who_made_them(moderator_client, moderator):
    organisation, _ = submitted_with_admin(name="History Trust")
    ServiceFactory(organisation=organisation, name="Mentoring")
    services.decision_record(
        kind="submission",
        action="approve",
        subject=organisation,
        actor=moderator,
        expected_version=organisation.version,
    )
    organisation.refresh_from_db()
    organisation.summary = "Mentoring at the gate"
    organisation.completed_sections = ["about"]
    organisation.version += 1
    organisation.save()
    services.decision_record(
        kind="archive", action="done", subject=organisation, actor=moderator, reason="Closed"
    )
    page = moderator_client.get(org_url("history", organisation)).content.decode()
    assert "Service ‘Mentoring’ added" in page
    assert "Approved by Mo Derator (new submission)" in page
    assert "Archived by Mo Derator with the message “Closed”" in page
    assert "Summary changed" in page
    assert "Status changed to “Published”" in page
    for raw in ("completed_sections", "summary,", "version", "Changed</td>"):
        assert raw not in page


# --- The queue ------------------------------------------------------------------------------


def test_queue_lists_every_kind_with_counts_oldest_first(
    moderator_client, django_assert_max_num_queries
):
    submitted_with_admin(name="Submitted Org")
    OrganisationRevisionFactory(organisation__name="Revised Org")
    ClaimRequestFactory(organisation__name="Adminless Org")
    with_admin = ClaimRequestFactory(organisation__name="Org With Admin").organisation
    MembershipFactory(organisation=with_admin, role="admin")
    CommissionerProfileFactory(body_name="Probation North West")
    ProblemReportFactory(organisation__name="Reported Org")
    with django_assert_max_num_queries(25):
        page = moderator_client.get(reverse("moderation:queue")).content.decode()
    for name in ["Submitted Org", "Revised Org", "Adminless Org", "Probation North West"]:
        assert name in page
    assert "Org With Admin" not in page
    assert page.index("Submitted Org") < page.index("Reported Org")
    # The work before the freshness figures: on a phone the columns stack in this order.
    assert page.index("Reported Org") < page.index("Freshness of published entries")
    only_reports = moderator_client.get(reverse("moderation:queue"), {"kind": "report"})
    assert "Reported Org" in only_reports.content.decode()
    assert "Submitted Org" not in only_reports.content.decode()


def test_queue_filters_by_region(moderator_client):
    north = ServiceFactory(organisation__status=Status.SUBMITTED, organisation__name="North Org")
    ServiceFactory(organisation__status=Status.SUBMITTED, organisation__name="South Org")
    region = north.regions.get()
    page = moderator_client.get(reverse("moderation:queue"), {"region": region.slug})
    assert "North Org" in page.content.decode()
    assert "South Org" not in page.content.decode()


def test_queue_shows_who_is_reviewing_what(client, moderator_client):
    organisation, _ = submitted_with_admin()
    other = moderator_user(full_name="Other Moderator")
    client.force_login(other)
    client.get(org_url("organisation", organisation))
    assert ReviewLock.objects.get().user == other
    page = moderator_client.get(reverse("moderation:queue")).content.decode()
    assert "Other Moderator" in page
    review = moderator_client.get(org_url("organisation", organisation)).content.decode()
    assert "Other Moderator is already reviewing" in review


def test_claims_and_commissioners_are_decided_from_the_queue(moderator_client):
    claim = ClaimRequestFactory(kind="claim")
    moderator_client.post(
        reverse("moderation:claim", kwargs={"pk": claim.pk}), {"action": "approve"}
    )
    assert Membership.objects.get(user=claim.user).role == "admin"
    profile = CommissionerProfileFactory()
    moderator_client.post(
        reverse("moderation:commissioner", kwargs={"pk": profile.pk}),
        {"action": "reject", "reason": "Not a commissioning body"},
    )
    profile.refresh_from_db()
    assert profile.verification_status == "rejected"
    assert sorted(AuditRecord.objects.values_list("kind", "action", "reason")) == [
        ("claim", "approve", ""),
        ("commissioner", "reject", "Not a commissioning body"),
    ]


def queue_page(kind, thing):
    return reverse(f"moderation:{kind}", kwargs={"pk": thing.pk})


@pytest.mark.parametrize(
    "kind, make, refusal, recorded, choice",
    [
        ("claim", lambda: ClaimRequestFactory(kind="claim"), "reject", "reject", "Decline"),
        (
            "commissioner",
            CommissionerProfileFactory,
            "reject",
            "reject",
            "They cannot be verified",
        ),
        ("report", ProblemReportFactory, "reject", "reject", "Dismiss: nothing needs to change"),
    ],
)
def test_refusing_from_the_queue_needs_a_reason_and_records_it(
    moderator_client, kind, make, refusal, recorded, choice
):
    thing = make()
    # The hint names the choice that needs a reason as the page words it.
    page = moderator_client.get(queue_page(kind, thing)).content.decode()
    assert f"Recorded with your decision. Needed for “{choice}”" in page
    response = moderator_client.post(queue_page(kind, thing), {"action": refusal, "reason": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == ["Enter the reason for your decision"]
    assert "govuk-error-summary" in response.content.decode()
    assert not AuditRecord.objects.exists()

    response = moderator_client.post(
        queue_page(kind, thing), {"action": refusal, "reason": "Could not confirm it"}
    )
    assert response["Location"] == reverse("moderation:queue")
    decision = AuditRecord.objects.get()
    assert (decision.kind, decision.action, decision.reason) == (
        kind,
        recorded,
        "Could not confirm it",
    )


def test_the_reason_for_a_claim_decision_is_sent_to_the_person_who_asked(moderator):
    claim = ClaimRequestFactory(kind="claim")
    services.decision_record(
        kind="claim",
        action="reject",
        subject=claim,
        actor=moderator,
        reason="Use your work address",
    )
    [email] = mail.outbox
    assert email.to == [claim.user.email] and "Use your work address" in email.body
    assert AuditRecord.objects.get().reason == "Use your work address"


def test_a_resolved_report_records_what_was_done(moderator_client):
    report = ProblemReportFactory()
    moderator_client.post(
        queue_page("report", report), {"action": "approve", "reason": "Phone number updated"}
    )
    report.refresh_from_db()
    assert report.status == ProblemReport.Status.RESOLVED
    assert AuditRecord.objects.get().reason == "Phone number updated"


# --- Who decides a claim ---------------------------------------------------------------------


def test_claims_on_an_organisation_with_an_admin_are_its_admins_to_decide(client, moderator):
    claim = ClaimRequestFactory(kind="claim")
    admin = MembershipFactory(organisation=claim.organisation, role="admin").user
    client.force_login(moderator)
    assert client.get(queue_page("claim", claim)).status_code == 404
    assert client.post(queue_page("claim", claim), {"action": "approve"}).status_code == 404
    requests_page = reverse("registration:claim_requests", kwargs={"org": claim.organisation.uuid})
    assert client.get(requests_page).status_code == 404
    decide = reverse(
        "registration:claim_request_decide",
        kwargs={"org": claim.organisation.uuid, "pk": claim.pk},
    )
    assert client.post(decide, {"decision": "approve"}).status_code == 404
    with pytest.raises(PermissionDenied):
        services.decision_record(kind="claim", action="approve", subject=claim, actor=moderator)
    claim.refresh_from_db()
    assert claim.status == "pending" and not AuditRecord.objects.exists()

    client.force_login(admin)
    assert client.post(decide, {"decision": "approve"}).status_code == 302
    claim.refresh_from_db()
    assert (claim.status, claim.decided_by) == ("approved", admin)


def test_moderators_decide_claims_on_an_organisation_with_no_admin(client, moderator):
    claim = ClaimRequestFactory(kind="join")
    MembershipFactory(organisation=claim.organisation, role="editor")
    client.force_login(moderator)
    requests_page = reverse("registration:claim_requests", kwargs={"org": claim.organisation.uuid})
    assert claim.user.email in client.get(requests_page).content.decode()
    assert client.get(queue_page("claim", claim)).status_code == 200
    assert [item.title for item in moderation_queue(kind="claim")[0]] == [claim.organisation.name]


def test_nobody_decides_their_own_claim(client, moderator, moderator_client):
    claim = ClaimRequestFactory(kind="claim", user=moderator)
    page = moderator_client.get(queue_page("claim", claim)).content.decode()
    assert "This is your own request, so another moderator must decide it" in page
    response = moderator_client.post(queue_page("claim", claim), {"action": "approve"})
    assert "This is your own request" in " ".join(response.context["form"].errors["__all__"])
    with pytest.raises(PermissionDenied):
        services.decision_record(kind="claim", action="approve", subject=claim, actor=moderator)
    assert not Membership.objects.filter(user=moderator).exists()

    # An admin who asked before they became one does not decide their own request either.
    other = ClaimRequestFactory(kind="claim")
    MembershipFactory(organisation=other.organisation, user=other.user, role="admin")
    client.force_login(other.user)
    decide = reverse(
        "registration:claim_request_decide",
        kwargs={"org": other.organisation.uuid, "pk": other.pk},
    )
    response = client.post(decide, {"decision": "approve"}, follow=True)
    assert "This is your own request" in response.content.decode()
    other.refresh_from_db()
    assert other.status == "pending"


def test_a_moderator_cannot_verify_their_own_commissioner_profile(moderator, moderator_client):
    profile = CommissionerProfileFactory(user=moderator)
    page = moderator_client.get(queue_page("commissioner", profile)).content.decode()
    assert "another moderator must verify you" in page
    response = moderator_client.post(queue_page("commissioner", profile), {"action": "approve"})
    assert "You cannot verify yourself" in " ".join(response.context["form"].errors["__all__"])
    with pytest.raises(PermissionDenied):
        services.decision_record(
            kind="commissioner", action="approve", subject=profile, actor=moderator
        )
    profile.refresh_from_db()
    assert profile.verification_status == "pending" and not AuditRecord.objects.exists()
    # Another moderator can.
    services.decision_record(
        kind="commissioner", action="approve", subject=profile, actor=moderator_user()
    )
    profile.refresh_from_db()
    assert profile.verification_status == "verified"


@pytest.mark.parametrize(
    "decision, reason, subject, says",
    [
        (
            "approve",
            "",
            "You are verified as a commissioner",
            "You can now post partnership opportunities",
        ),
        (
            "approve",
            "Checked with the regional office",
            "You are verified as a commissioner",
            "Checked with the regional office",
        ),
        (
            "reject",
            "Not a commissioning body",
            "We could not verify you as a commissioner",
            "could not confirm that you commission services for Probation Service North West",
        ),
    ],
)
def test_the_commissioner_is_emailed_the_decision_and_the_reason(
    moderator_client, decision, reason, subject, says
):
    profile = CommissionerProfileFactory(user=verified_user(email="pat@probation.example.org"))

    response = moderator_client.post(
        queue_page("commissioner", profile), {"action": decision, "reason": reason}
    )

    assert response["Location"] == reverse("moderation:queue")
    [email] = mail.outbox
    assert email.to == ["pat@probation.example.org"]
    assert email.subject == subject
    assert says in email.body
    assert ("The moderator's message:" in email.body) == bool(reason)
    if reason:
        assert reason in email.body
    assert "/account/" in email.body
    assert "Mo Derator" not in email.body  # the moderator is not named
    decided = AuditRecord.objects.get()
    assert (decided.kind, decided.subject_user, decided.reason) == (
        "commissioner",
        profile.user,
        reason,
    )


def test_no_email_about_a_commissioner_decision_that_was_refused(moderator, moderator_client):
    own = CommissionerProfileFactory(user=moderator)
    moderator_client.post(queue_page("commissioner", own), {"action": "approve"})
    decided = CommissionerProfileFactory(verification_status="verified", verified_at=timezone.now())
    with pytest.raises(services.ModerationError):
        services.decision_record(
            kind="commissioner", action="reject", subject=decided, actor=moderator, reason="x"
        )
    assert mail.outbox == []


def test_decisions_about_people_keep_nothing_of_them_once_they_delete_their_account(
    moderator,
):
    from accounts.services import user_delete

    claim = ClaimRequestFactory(kind="claim", user=verified_user(full_name="Cara Claimant"))
    services.decision_record(
        kind="claim", action="reject", subject=claim, actor=moderator, reason="Not from the charity"
    )
    profile = CommissionerProfileFactory(body_name="Probation North West")
    services.decision_record(
        kind="commissioner", action="approve", subject=profile, actor=moderator
    )
    people = [claim.user, profile.user]
    assert [d.subject_user for d in AuditRecord.objects.order_by("id")] == people
    traces = [text for user in people for text in (user.email, user.full_name) if text]

    for user in people:
        user_delete(user=user)

    for decision in AuditRecord.objects.all():
        assert decision.subject_user is None
        recorded = " ".join([decision.subject_name, decision.reason, decision.organisation_name])
        assert not [trace for trace in traces if trace in recorded]
    assert sorted(AuditRecord.objects.values_list("subject_name", flat=True)) == [
        "Claim as its admin",
        "Probation North West",
    ]


# --- Reports from the public ----------------------------------------------------------------


def report_url(organisation):
    return reverse("directory:report_problem", kwargs={"slug": organisation.slug})


def test_the_public_can_report_a_problem(client, moderator_client):
    organisation = OrganisationFactory()
    assert report_url(organisation) in client.get(organisation.get_absolute_url()).content.decode()
    response = client.post(
        report_url(organisation), {"description": "Closed last year", "email": "a@example.org"}
    )
    assert response.status_code == 302
    report = ProblemReport.objects.get()
    assert (report.description, report.email) == ("Closed last year", "a@example.org")
    queue = moderator_client.get(reverse("moderation:queue")).content.decode()
    assert "Closed last year" in queue
    moderator_client.post(
        reverse("moderation:report", kwargs={"pk": report.pk}), {"action": "approve"}
    )
    report.refresh_from_db()
    assert report.status == "resolved"


@pytest.mark.parametrize(
    "data, message",
    [
        ({"description": ""}, "Enter what is wrong with this entry"),
        ({"description": "x", "email": "not-an-email"}, "Enter an email address"),
        ({"description": "x" * 3001}, "3000 characters or fewer"),
    ],
)
def test_report_refuses_bad_input_and_keeps_values(client, data, message):
    organisation = OrganisationFactory()
    response = client.post(report_url(organisation), data)
    assert message in response.content.decode()
    assert not ProblemReport.objects.exists()


def test_honeypot_reports_are_dropped_quietly(client):
    organisation = OrganisationFactory()
    response = client.post(report_url(organisation), {"description": "Buy", "nickname": "bot"})
    assert response.status_code == 302
    assert not ProblemReport.objects.exists()


def test_reports_are_rate_limited(client, rate_limit):
    rate_limit("problem_report", "3/h/ip")
    organisation = OrganisationFactory()
    for _ in range(2):
        assert client.post(report_url(organisation), {"description": "Wrong"}).status_code == 302
    # A robot filling the honeypot counts against the limit too.
    client.post(report_url(organisation), {"description": "Spam", "nickname": "bot"})
    response = client.post(report_url(organisation), {"description": "Wrong again"})
    assert response.status_code == 429
    assert "Wrong again" in response.content.decode()
    assert "Try again in an hour" in response.content.decode()
    assert ProblemReport.objects.count() == 2
    # Someone else (another address) can still report.
    other = Client(REMOTE_ADDR="198.51.100.9")
    assert other.post(report_url(organisation), {"description": "Closed"}).status_code == 302


def test_the_report_limit_ends_after_an_hour(client, rate_limit, clock):
    rate_limit("problem_report", "1/h/ip")
    organisation = OrganisationFactory()
    assert client.post(report_url(organisation), {"description": "Wrong"}).status_code == 302
    assert client.post(report_url(organisation), {"description": "Again"}).status_code == 429
    clock.advance(60 * 60)
    assert client.post(report_url(organisation), {"description": "Later"}).status_code == 302
    assert ProblemReport.objects.count() == 2


def test_the_report_limit_counts_each_client_behind_the_proxy(settings, rate_limit):
    """In production every request comes from nginx on 127.0.0.1: the limit must count the
    client address nginx appends to X-Forwarded-For, or one person would block everyone."""
    rate_limit("problem_report", "2/h/ip")
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    organisation = OrganisationFactory()
    behind_nginx = Client(REMOTE_ADDR="127.0.0.1")

    def report(client_address, forged=""):
        forwarded = f"{forged}, {client_address}" if forged else client_address
        return behind_nginx.post(
            report_url(organisation), {"description": "Wrong"}, HTTP_X_FORWARDED_FOR=forwarded
        ).status_code

    assert [report("203.0.113.1") for _ in range(3)] == [302, 302, 429]
    # A forged X-Forwarded-For of its own does not get the same client round the limit.
    assert report("203.0.113.1", forged="192.0.2.99") == 429
    assert report("203.0.113.2") == 302
    assert ProblemReport.objects.count() == 3


def test_unpublished_organisations_cannot_be_reported(client):
    organisation = OrganisationFactory(status=Status.DRAFT)
    assert client.get(report_url(organisation)).status_code == 404


# --- Owners confirming their entry ----------------------------------------------------------


def test_admins_confirm_their_entry_is_still_correct(client):
    organisation = OrganisationFactory(last_verified_at=None)
    admin = MembershipFactory(organisation=organisation, role="admin").user
    url = reverse("registration:confirm_still_correct", kwargs={"org": organisation.uuid})
    client.force_login(admin)
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    organisation.refresh_from_db()
    assert organisation.last_verified_at is not None
    assert AuditRecord.objects.get().kind == "confirmation"


@pytest.mark.parametrize("role", ["editor", "stranger"])
def test_only_admins_can_confirm(client, role):
    organisation = OrganisationFactory(last_verified_at=None)
    user = verified_user()
    if role == "editor":
        MembershipFactory(user=user, organisation=organisation, role="editor")
    client.force_login(user)
    url = reverse("registration:confirm_still_correct", kwargs={"org": organisation.uuid})
    assert client.post(url).status_code == 404
    url = reverse("registration:confirm_still_correct", kwargs={"org": uuid.uuid4()})
    assert client.post(url).status_code == 404
