"""An organisation's admins manage its members; everyone else gets 404."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import MODERATORS_GROUP, Invitation, Membership
from tests.accounts.helpers import activate_totp
from tests.factories import (
    InvitationFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
    verified_user,
)


@pytest.fixture
def admin_membership():
    return MembershipFactory(user=verified_user(), role="admin")


@pytest.fixture
def organisation(admin_membership):
    return admin_membership.organisation


@pytest.fixture
def admin_client(client, admin_membership):
    client.force_login(admin_membership.user)
    return client


def members_url(organisation, name="accounts_members", **kwargs):
    return reverse(name, kwargs={"slug": organisation.slug, **kwargs})


@pytest.mark.django_db
def test_admin_sees_members_and_open_invitations(
    admin_client, organisation, django_assert_max_num_queries
):
    for _ in range(3):
        MembershipFactory(organisation=organisation, role="editor")
    InvitationFactory(organisation=organisation, email="waiting@example.org")
    InvitationFactory(organisation=organisation, accepted_at=timezone.now())

    with django_assert_max_num_queries(12):
        response = admin_client.get(members_url(organisation))

    content = response.content.decode()
    for membership in organisation.memberships.all():
        assert membership.user.email in content
    assert "waiting@example.org" in content
    assert content.count("Withdraw") == 1


# --- Invitations ---


@pytest.mark.django_db
def test_invite_sends_an_email_with_a_link(
    admin_client, organisation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            members_url(organisation, "accounts_member_invite"),
            {"email": "New.Person@Example.org", "role": "editor"},
        )

    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "new.person@example.org"
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)
    assert len(invitation.token) >= 40
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.person@example.org"]
    assert organisation.name in message.subject
    assert f"/account/invitations/{invitation.token}/" in message.body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"email": "", "role": "editor"}, "email", "Enter their email address"),
        ({"email": "not-an-email", "role": "editor"}, "email", "correct format"),
        ({"email": "a" * 250 + "@example.org", "role": "editor"}, "email", "254 characters"),
        ({"email": "x@example.org", "role": ""}, "role", "Select what they can do"),
        ({"email": "x@example.org", "role": "owner"}, "role", "Select a valid choice"),
    ],
)
def test_invite_bad_input(
    admin_client, organisation, data, field, message, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(members_url(organisation, "accounts_member_invite"), data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert response.context["form"]["email"].value() == data["email"]
    assert not Invitation.objects.exists()
    assert not mail.outbox


@pytest.mark.django_db
def test_inviting_an_existing_member_is_refused(admin_client, organisation):
    member = MembershipFactory(organisation=organisation, role="editor").user
    response = admin_client.post(
        members_url(organisation, "accounts_member_invite"),
        {"email": member.email.upper(), "role": "admin"},
    )
    assert response.status_code == 200
    assert "already a member" in response.content.decode()
    assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_inviting_twice_replaces_the_first_invitation(admin_client, organisation):
    url = members_url(organisation, "accounts_member_invite")
    admin_client.post(url, {"email": "twice@example.org", "role": "editor"})
    admin_client.post(url, {"email": "twice@example.org", "role": "admin"})

    assert Invitation.objects.open().get().role == "admin"
    assert Invitation.objects.count() == 2


@pytest.mark.django_db
def test_database_allows_one_open_invitation_per_organisation_and_email(organisation):
    InvitationFactory(organisation=organisation, email="dup@example.org")
    with pytest.raises(IntegrityError), transaction.atomic():
        InvitationFactory(organisation=organisation, email="DUP@example.org")


@pytest.mark.django_db
def test_invited_person_accepts(client, organisation):
    invitation = InvitationFactory(organisation=organisation, email="new@example.org", role="admin")
    url = reverse("accounts_invitation_accept", kwargs={"token": invitation.token})

    anonymous = client.get(url)
    assert anonymous.status_code == 200
    assert "Sign in" in anonymous.content.decode()

    client.force_login(verified_user(email="new@example.org"))
    assert client.get(url).status_code == 200
    response = client.post(url)

    assert response.status_code == 302
    assert organisation.memberships.get(user__email="new@example.org").role == "admin"
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    # A used link does not work again.
    again = client.post(url)
    assert "already been used" in again.content.decode()


@pytest.mark.django_db
def test_expired_invitation_is_refused(client, organisation):
    invitation = InvitationFactory(organisation=organisation, email="late@example.org")
    Invitation.objects.filter(pk=invitation.pk).update(
        created_at=timezone.now() - timedelta(days=8),
        expires_at=timezone.now() - timedelta(days=1),
    )
    client.force_login(verified_user(email="late@example.org"))
    url = reverse("accounts_invitation_accept", kwargs={"token": invitation.token})

    assert "has expired" in client.get(url).content.decode()
    response = client.post(url)
    assert "has expired" in response.content.decode()
    assert not organisation.memberships.filter(user__email="late@example.org").exists()


@pytest.mark.django_db
def test_invitation_for_another_email_is_refused(client, organisation):
    invitation = InvitationFactory(organisation=organisation, email="intended@example.org")
    client.force_login(verified_user(email="someone.else@example.org"))
    url = reverse("accounts_invitation_accept", kwargs={"token": invitation.token})

    response = client.post(url)

    assert "different email address" in response.content.decode()
    assert organisation.memberships.count() == 1


@pytest.mark.django_db
def test_invitation_to_an_unconfirmed_address_is_refused(client, organisation):
    invitation = InvitationFactory(organisation=organisation, email="unconfirmed@example.org")
    client.force_login(UserFactory(email="unconfirmed@example.org"))
    url = reverse("accounts_invitation_accept", kwargs={"token": invitation.token})
    client.post(url)
    assert organisation.memberships.count() == 1


@pytest.mark.django_db
def test_unknown_or_withdrawn_token(admin_client, organisation):
    assert admin_client.get("/account/invitations/no-such-token/").status_code == 404

    invitation = InvitationFactory(organisation=organisation)
    revoke = members_url(organisation, "accounts_invitation_revoke", pk=invitation.pk)
    assert admin_client.get(revoke).status_code == 405
    assert admin_client.post(revoke).status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    url = reverse("accounts_invitation_accept", kwargs={"token": invitation.token})
    assert "already been used or was withdrawn" in admin_client.post(url).content.decode()


# --- Roles and removal ---


@pytest.mark.django_db
def test_change_role(admin_client, organisation):
    editor = MembershipFactory(organisation=organisation, role="editor")
    response = admin_client.post(
        members_url(organisation, "accounts_member_role", pk=editor.pk), {"role": "admin"}
    )
    assert response.status_code == 302
    editor.refresh_from_db()
    assert editor.role == "admin"


@pytest.mark.django_db
def test_last_admin_cannot_be_demoted(admin_client, organisation, admin_membership):
    MembershipFactory(organisation=organisation, role="editor")
    response = admin_client.post(
        members_url(organisation, "accounts_member_role", pk=admin_membership.pk),
        {"role": "editor"},
    )
    assert response.status_code == 200
    assert "at least one admin" in response.content.decode()
    admin_membership.refresh_from_db()
    assert admin_membership.role == "admin"


@pytest.mark.django_db
def test_last_admin_cannot_be_removed(admin_client, organisation, admin_membership):
    url = members_url(organisation, "accounts_member_remove", pk=admin_membership.pk)
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url)
    assert response.status_code == 200
    assert "at least one admin" in response.content.decode()
    assert Membership.objects.filter(pk=admin_membership.pk).exists()


@pytest.mark.django_db
def test_an_admin_can_step_down_when_another_admin_remains(
    admin_client, organisation, admin_membership
):
    MembershipFactory(organisation=organisation, role="admin")
    response = admin_client.post(
        members_url(organisation, "accounts_member_remove", pk=admin_membership.pk)
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account")
    assert organisation.memberships.admins().count() == 1


@pytest.mark.django_db
def test_remove_member(admin_client, organisation):
    editor = MembershipFactory(organisation=organisation, role="editor")
    response = admin_client.post(members_url(organisation, "accounts_member_remove", pk=editor.pk))
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=editor.pk).exists()


@pytest.mark.django_db
def test_moderator_manages_any_organisation(client, organisation):
    moderator = verified_user()
    moderator.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    activate_totp(moderator)
    client.force_login(moderator)
    assert client.get(members_url(organisation)).status_code == 200


# --- Strangers: every URL answers 404 ---


def every_members_url(organisation, membership, invitation):
    return [
        ("get", members_url(organisation)),
        ("get", members_url(organisation, "accounts_member_invite")),
        ("post", members_url(organisation, "accounts_member_invite")),
        ("get", members_url(organisation, "accounts_member_role", pk=membership.pk)),
        ("post", members_url(organisation, "accounts_member_role", pk=membership.pk)),
        ("get", members_url(organisation, "accounts_member_remove", pk=membership.pk)),
        ("post", members_url(organisation, "accounts_member_remove", pk=membership.pk)),
        ("post", members_url(organisation, "accounts_invitation_revoke", pk=invitation.pk)),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["editor", "other_admin"])
def test_non_admins_and_other_organisations_get_404(client, organisation, admin_membership, who):
    invitation = InvitationFactory(organisation=organisation)
    if who == "editor":
        visitor = MembershipFactory(organisation=organisation, role="editor").user
    else:
        visitor = MembershipFactory(organisation=OrganisationFactory(), role="admin").user
    client.force_login(visitor)

    for method, url in every_members_url(organisation, admin_membership, invitation):
        response = getattr(client, method)(url, {"role": "editor", "email": "x@example.org"})
        assert response.status_code == 404, (method, url)

    admin_membership.refresh_from_db()
    assert admin_membership.role == "admin"
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    assert Invitation.objects.count() == 1


@pytest.mark.django_db
def test_admin_of_a_cannot_touch_b_members_through_a_url(admin_client, organisation):
    other = MembershipFactory(role="editor")
    url = members_url(organisation, "accounts_member_role", pk=other.pk)
    assert admin_client.post(url, {"role": "admin"}).status_code == 404
    other_invitation = InvitationFactory(organisation=other.organisation)
    revoke = members_url(organisation, "accounts_invitation_revoke", pk=other_invitation.pk)
    assert admin_client.post(revoke).status_code == 404
    other.refresh_from_db()
    assert other.role == "editor"


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_sign_in(client, organisation):
    response = client.get(members_url(organisation))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
def test_invitation_email_link_is_absolute(
    admin_client, organisation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            members_url(organisation, "accounts_member_invite"),
            {"email": "link@example.org", "role": "editor"},
        )
    assert re.search(r"http://testserver/account/invitations/[\w-]+/", mail.outbox[0].body)
