"""Who may use the registration pages, claims and joins, and who may see uploaded documents."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Group
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.urls import reverse

from accounts.models import MODERATORS_GROUP, Membership
from directory.moderation.models import ClaimRequest
from directory.organisations.models import Organisation
from tests.factories import (
    ClaimRequestFactory,
    DeliveryLocationFactory,
    EvidenceItemFactory,
    MembershipFactory,
    OrganisationFactory,
    ServiceFactory,
    UserFactory,
)
from tests.registration.registration_helpers import draft_with_admin, step_url, url

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.4\n%%EOF\n"


def every_registration_url(organisation) -> list[str]:
    service = ServiceFactory(organisation=organisation)
    location = DeliveryLocationFactory(service=service)
    item = EvidenceItemFactory(organisation=organisation)
    claim = ClaimRequestFactory(organisation=organisation)
    return [
        url("task_list", organisation),
        *[step_url(organisation, step) for step in ["name", "registration-numbers", "contact"]],
        *[step_url(organisation, step) for step in ["what-you-do", "size", "quality-marks"]],
        step_url(organisation, "partnership"),
        url("services", organisation),
        url("service_add", organisation),
        url("service_edit", organisation, service=service.uuid),
        url("service_remove", organisation, service=service.uuid),
        url("location_add", organisation, service=service.uuid),
        url("location_edit", organisation, location=location.uuid),
        url("location_remove", organisation, location=location.uuid),
        url("evidence", organisation),
        url("evidence_add", organisation),
        url("evidence_edit", organisation, item=item.uuid),
        url("evidence_remove", organisation, item=item.uuid),
        url("check", organisation),
        url("submitted", organisation),
        url("claim_requests", organisation),
        url("claim_request_decide", organisation, pk=claim.pk),
    ]


@pytest.fixture
def organisation_b(taxonomies):
    organisation, _ = draft_with_admin(name="Organisation B")
    return organisation


@pytest.fixture
def member_of_a(client, taxonomies):
    _, user = draft_with_admin(name="Organisation A")
    client.force_login(user)
    return client


def test_member_of_another_organisation_gets_404_everywhere(member_of_a, organisation_b):
    version = organisation_b.version
    for address in every_registration_url(organisation_b):
        assert member_of_a.get(address).status_code == 404, address
        assert member_of_a.post(address, {"version": version, "name": "X"}).status_code == 404, (
            address
        )
    organisation_b.refresh_from_db()
    assert (organisation_b.name, organisation_b.version) == ("Organisation B", version)


def test_a_service_of_another_organisation_is_not_found_through_your_own(client, taxonomies):
    organisation_a, user = draft_with_admin()
    organisation_b, _ = draft_with_admin()
    service_b = ServiceFactory(organisation=organisation_b)
    location_b = DeliveryLocationFactory(service=service_b)
    item_b = EvidenceItemFactory(organisation=organisation_b)
    client.force_login(user)
    for address in [
        url("service_edit", organisation_a, service=service_b.uuid),
        url("location_add", organisation_a, service=service_b.uuid),
        url("location_edit", organisation_a, location=location_b.uuid),
        url("evidence_edit", organisation_a, item=item_b.uuid),
        url("evidence_remove", organisation_a, item=item_b.uuid),
    ]:
        assert client.get(address).status_code == 404, address


def test_anonymous_visitors_are_asked_to_sign_in(client, organisation_b):
    response = client.get(url("task_list", organisation_b))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_archived_organisations_cannot_be_edited(client, taxonomies):
    organisation, user = draft_with_admin()
    organisation.status = Organisation.Status.ARCHIVED
    organisation.save()
    client.force_login(user)
    assert client.get(url("task_list", organisation)).status_code == 404


def test_editors_edit_but_do_not_decide_requests(client, organisation_b):
    editor = MembershipFactory(organisation=organisation_b, role=Membership.Role.EDITOR).user
    client.force_login(editor)
    assert client.get(url("task_list", organisation_b)).status_code == 200
    assert client.get(step_url(organisation_b, "name")).status_code == 200
    assert client.get(url("claim_requests", organisation_b)).status_code == 404


def test_moderators_can_edit_any_organisation(client, organisation_b):
    moderator = UserFactory()
    moderator.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    TOTP.activate(moderator, generate_totp_secret())  # moderators must use two factors
    client.force_login(moderator)
    assert client.get(url("task_list", organisation_b)).status_code == 200
    # Its requests to join are its admin's to decide (tests/moderation/test_moderation.py).
    assert client.get(url("claim_requests", organisation_b)).status_code == 404


# --- Claims and requests to join ---


def test_request_to_join_emails_the_admins(client, taxonomies):
    organisation = OrganisationFactory(name="Listed Trust")
    admin = MembershipFactory(organisation=organisation).user
    user = UserFactory()
    client.force_login(user)
    address = reverse("registration:claim", kwargs={"org": organisation.uuid, "kind": "join"})
    assert client.get(address).status_code == 200
    response = client.post(address, {"message": "I manage the Salford project"})
    assert response.status_code == 200
    claim = ClaimRequest.objects.get()
    assert (claim.user, claim.kind, claim.status) == (user, "join", "pending")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [admin.email]
    assert "Listed Trust" in mail.outbox[0].subject
    assert url("claim_requests", organisation) in mail.outbox[0].body


def test_request_posted_twice_is_refused_the_second_time(client, taxonomies):
    organisation = OrganisationFactory()
    client.force_login(UserFactory())
    address = reverse("registration:claim", kwargs={"org": organisation.uuid, "kind": "claim"})
    client.post(address, {"message": ""})
    response = client.post(address, {"message": ""})
    assert "already asked" in " ".join(response.context["form"].errors["__all__"])
    assert ClaimRequest.objects.count() == 1


def test_one_pending_request_per_user_is_a_database_rule(taxonomies):
    claim = ClaimRequestFactory()
    with pytest.raises(IntegrityError):
        ClaimRequestFactory(organisation=claim.organisation, user=claim.user)


@pytest.mark.parametrize("kind", ["join", "claim"])
def test_drafts_cannot_be_joined_or_claimed(client, organisation_b, kind):
    client.force_login(UserFactory())
    address = reverse("registration:claim", kwargs={"org": organisation_b.uuid, "kind": kind})
    assert client.get(address).status_code == 404


def test_unknown_kind_of_request_is_not_found(client, taxonomies):
    organisation = OrganisationFactory()
    client.force_login(UserFactory())
    address = reverse("registration:claim", kwargs={"org": organisation.uuid, "kind": "steal"})
    assert client.get(address).status_code == 404


@pytest.mark.parametrize(
    ("kind", "decision", "role"),
    [("join", "approve", "editor"), ("claim", "approve", "admin"), ("join", "decline", None)],
)
def test_admin_decides_a_request(client, taxonomies, kind, decision, role):
    organisation = OrganisationFactory(is_unclaimed=True)
    admin = MembershipFactory(organisation=organisation).user
    claim = ClaimRequestFactory(organisation=organisation, kind=kind)
    client.force_login(admin)
    assert claim.user.email.encode() in client.get(url("claim_requests", organisation)).content
    response = client.post(
        url("claim_request_decide", organisation, pk=claim.pk), {"decision": decision}
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == ("approved" if decision == "approve" else "declined")
    assert (claim.decided_by, claim.decided_at is not None) == (admin, True)
    membership = Membership.objects.filter(organisation=organisation, user=claim.user).first()
    assert (membership.role if membership else None) == role
    assert mail.outbox[-1].to == [claim.user.email]
    organisation.refresh_from_db()
    assert organisation.is_unclaimed == (role != "admin")


def test_decided_request_cannot_be_decided_again(client, taxonomies):
    organisation = OrganisationFactory()
    admin = MembershipFactory(organisation=organisation).user
    claim = ClaimRequestFactory(organisation=organisation)
    client.force_login(admin)
    address = url("claim_request_decide", organisation, pk=claim.pk)
    client.post(address, {"decision": "decline"})
    assert client.post(address, {"decision": "approve"}).status_code == 404
    assert not Membership.objects.filter(user=claim.user).exists()


def test_request_for_an_organisation_without_admins_waits_for_moderators(client, taxonomies):
    organisation = OrganisationFactory(is_unclaimed=True)
    client.force_login(UserFactory())
    client.post(
        reverse("registration:claim", kwargs={"org": organisation.uuid, "kind": "claim"}),
        {"message": ""},
    )
    assert ClaimRequest.objects.pending().filter(organisation=organisation).exists()
    assert mail.outbox == []


# --- Uploaded evidence documents ---


@pytest.fixture
def document_item(taxonomies):
    def make(status):
        organisation = OrganisationFactory(status=status, name="Evidence Trust")
        return EvidenceItemFactory(
            organisation=organisation,
            title="Evaluation: 2024/25 <final>",
            document=SimpleUploadedFile("x.pdf", PDF_BYTES, content_type="application/pdf"),
        )

    return make


def document_url(item):
    return reverse(
        "directory:evidence_document",
        kwargs={"slug": item.organisation.slug, "evidence": item.uuid},
    )


DOCUMENT_URLS = {
    "public profile": document_url,
    "owners' copy": lambda item: reverse(
        "registration:evidence_document",
        kwargs={"org": item.organisation.uuid, "item": item.uuid},
    ),
    "moderators' copy": lambda item: reverse(
        "moderation:evidence_document",
        kwargs={"org": item.organisation.uuid, "item": item.uuid},
    ),
}


@pytest.mark.parametrize("document_url", DOCUMENT_URLS.values(), ids=DOCUMENT_URLS.keys())
def test_every_document_is_a_download_that_cannot_run_in_the_site(
    moderator_client, document_item, document_url
):
    """Downloaded, never sniffed into a page, and under a policy that runs nothing."""
    item = document_item(Organisation.Status.PUBLISHED)
    response = moderator_client.get(document_url(item))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="evaluation-202425-final.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = {part.strip() for part in response["Content-Security-Policy"].split(";")}
    assert policy == {"default-src 'none'", "frame-ancestors 'none'", "sandbox"}
    assert "no-store" in response["Cache-Control"].split(", ")


def test_published_document_is_served_to_anyone_and_never_stored(client, document_item):
    item = document_item(Organisation.Status.PUBLISHED)
    response = client.get(document_url(item))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("status", ["draft", "submitted", "rejected", "archived"])
def test_unpublished_document_is_not_found_for_others(client, document_item, status):
    item = document_item(status)
    assert client.get(document_url(item)).status_code == 404
    client.force_login(draft_with_admin()[1])
    assert client.get(document_url(item)).status_code == 404


def test_members_see_their_draft_documents(client, document_item):
    item = document_item(Organisation.Status.DRAFT)
    client.force_login(MembershipFactory(organisation=item.organisation).user)
    assert client.get(document_url(item)).status_code == 200


def test_document_under_another_organisations_slug_is_not_found(client, document_item):
    item = document_item(Organisation.Status.PUBLISHED)
    other = OrganisationFactory()
    address = reverse(
        "directory:evidence_document", kwargs={"slug": other.slug, "evidence": item.uuid}
    )
    assert client.get(address).status_code == 404


def test_evidence_without_a_document_is_not_found(client, taxonomies):
    item = EvidenceItemFactory()
    assert client.get(document_url(item)).status_code == 404


def test_moderators_decide_requests_in_the_workspace_not_the_admin(client, taxonomies):
    moderator = UserFactory(is_staff=True, is_superuser=True)
    TOTP.activate(moderator, generate_totp_secret())
    claim = ClaimRequestFactory(organisation=OrganisationFactory(), kind="claim")
    client.force_login(moderator)
    client.post(
        reverse("admin:moderation_claimrequest_changelist"),
        {"action": "approve", "_selected_action": [claim.pk]},
    )
    claim.refresh_from_db()
    assert claim.status == "pending"  # the admin has no action deciding it
    response = client.post(
        reverse("moderation:claim", kwargs={"pk": claim.pk}), {"action": "approve"}
    )
    assert response["Location"] == reverse("moderation:queue")
    claim.refresh_from_db()
    assert (claim.status, claim.decided_by) == ("approved", moderator)
    assert Membership.objects.get(user=claim.user).role == Membership.Role.ADMIN
