"""The "Your account" page, the personal data download and deleting an account."""

import json

import pytest
from allauth.usersessions.models import UserSession
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import Invitation, Membership, User
from directory.moderation.selectors import moderation_queue
from directory.moderation.services import moderation_digest_send
from directory.organisations.models import Organisation
from directory.search.models import SavedSearch
from directory.shortlists.models import (
    ContactMessage,
    SearchRecord,
    Shortlist,
    ShortlistItem,
    ShortlistShare,
)
from tests.accounts.helpers import PASSWORD, activate_totp, sign_in
from tests.factories import (
    ClaimRequestFactory,
    CommissionerProfileFactory,
    ContactMessageFactory,
    EvidenceItemFactory,
    InvitationFactory,
    MembershipFactory,
    OrganisationFactory,
    SavedSearchFactory,
    SearchRecordFactory,
    ShortlistFactory,
    ShortlistItemFactory,
    ShortlistShareFactory,
    moderator_user,
    verified_user,
)


@pytest.mark.django_db
def test_account_page_needs_sign_in(client):
    response = client.get(reverse("account"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
def test_account_page_shows_details_security_and_organisations(
    client, django_assert_max_num_queries
):
    user = verified_user(full_name="Ada Okafor")
    for role in ["admin", "editor", "editor"]:
        MembershipFactory(user=user, role=role)
    CommissionerProfileFactory(user=user)
    client.force_login(user)

    with django_assert_max_num_queries(15):
        response = client.get(reverse("account"))

    content = response.content.decode()
    assert "Ada Okafor" in content
    assert "Two-factor authentication" in content
    assert "Sign out of all other sessions" in content
    assert "Probation Service North West" in content
    assert "Waiting for a moderator" in content
    for membership in user.memberships.all():
        assert membership.organisation.name in content
    admin_org = user.memberships.get(role="admin").organisation
    assert reverse("accounts_members", kwargs={"slug": admin_org.slug}) in content
    assert content.count("Manage members") == 1
    draft = MembershipFactory(user=user, organisation=OrganisationFactory(status="draft"))
    content = client.get(reverse("account")).content.decode()
    assert f'/register/{draft.organisation.uuid}/"' in content
    assert 'style="' not in content
    assert "<script>" not in content


@pytest.mark.django_db
def test_change_name(client):
    user = verified_user(full_name="Old Name")
    client.force_login(user)
    response = client.post(reverse("accounts_details"), {"full_name": "  New Name "})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.full_name == "New Name"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("value", "message"),
    [("", "Enter your full name"), ("x" * 151, "150 characters or fewer")],
)
def test_change_name_bad_input(client, value, message):
    user = verified_user(full_name="Old Name")
    client.force_login(user)
    response = client.post(reverse("accounts_details"), {"full_name": value})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["form"]["full_name"].value() == value
    user.refresh_from_db()
    assert user.full_name == "Old Name"


# --- Download ---


@pytest.mark.django_db
def test_download_contains_everything_personal(client):
    user = verified_user(full_name="Ada Okafor")
    membership = MembershipFactory(user=user, role="admin")
    CommissionerProfileFactory(user=user, body_name="Kent County Council")
    InvitationFactory(email=user.email, organisation=OrganisationFactory(name="Invited Org"))
    sign_in(client, user)
    activate_totp(user)
    # A change the user made, recorded in the audit history.
    organisation = membership.organisation
    organisation.summary = "Changed by Ada"
    organisation._history_user = user
    organisation.save()

    response = client.get(reverse("accounts_download"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["account"]["email"] == user.email
    assert data["account"]["full_name"] == "Ada Okafor"
    assert data["email_addresses"] == [{"email": user.email, "verified": True, "primary": True}]
    assert data["commissioner_profile"]["body_name"] == "Kent County Council"
    assert data["memberships"][0]["organisation"] == organisation.name
    assert data["memberships"][0]["role"] == "Admin"
    assert data["invitations_received"][0]["organisation"] == "Invited Org"
    assert data["two_factor_authentication"][0]["type"]
    assert "secret" not in json.dumps(data["two_factor_authentication"]).lower()
    assert data["sessions"] and data["sessions"][0]["ip_address"] == "127.0.0.1"
    assert any(
        change["record"] == "organisation" and change["record_id"] == organisation.pk
        for change in data["changes_you_made"]
    )


@pytest.mark.django_db
def test_download_holds_only_your_own_data(client):
    user = verified_user()
    stranger = verified_user(full_name="Stranger Danger")
    MembershipFactory(user=stranger)
    client.force_login(user)
    content = client.get(reverse("accounts_download")).content.decode()
    assert stranger.email not in content
    assert "Stranger Danger" not in content


@pytest.mark.django_db
def test_download_holds_shortlists_saved_searches_and_messages_sent(client):
    user = verified_user()
    colleague = verified_user(email="colleague@probation.example.gov.uk")
    shortlist = ShortlistFactory(owner=user, name="Kent accommodation", description="For 2027")
    ShortlistItemFactory(
        shortlist=shortlist,
        organisation=OrganisationFactory(name="Safe Homes"),
        note="Strong on women's housing",
    )
    ShortlistShareFactory(shortlist=shortlist, user=colleague, role="editor")
    SearchRecordFactory(shortlist=shortlist, query_string="region=kent", result_count=7)
    ShortlistShareFactory(shortlist=ShortlistFactory(name="Someone's list"), user=user)
    SavedSearchFactory(owner=user, name="Wales housing", query_string="region=wales")
    ContactMessageFactory(
        sender=user, organisation=OrganisationFactory(name="Cymru Futures"), body="Hello there"
    )
    ContactMessageFactory(body="Somebody else's message")
    SavedSearchFactory(name="Somebody else's search")
    client.force_login(user)

    data = json.loads(client.get(reverse("accounts_download")).content)

    [own] = data["shortlists"]
    assert (own["name"], own["description"]) == ("Kent accommodation", "For 2027")
    assert own["organisations"][0]["organisation"] == "Safe Homes"
    assert own["organisations"][0]["note"] == "Strong on women's housing"
    assert own["shared_with"] == [{"email": colleague.email, "role": "Can edit"}]
    assert own["searches_recorded"][0]["search"] == "region=kent"
    assert own["searches_recorded"][0]["results"] == 7
    assert data["shortlists_shared_with_you"][0]["shortlist"] == "Someone's list"
    assert [(s["name"], s["search"]) for s in data["saved_searches"]] == [
        ("Wales housing", "region=wales")
    ]
    [sent] = data["messages_sent"]
    assert (sent["organisation"], sent["message"]) == ("Cymru Futures", "Hello there")


# --- Deletion ---


@pytest.mark.django_db
def test_delete_needs_the_password(client):
    user = verified_user()
    client.force_login(user)
    page = client.get(reverse("accounts_delete"))
    assert page.status_code == 200

    for password in ["", "wrong-password"]:
        response = client.post(reverse("accounts_delete"), {"password": password})
        assert response.status_code == 200
        assert "There is a problem" in response.content.decode()
    assert User.objects.filter(pk=user.pk).exists()


@pytest.mark.django_db
def test_delete_removes_personal_data_and_history(client):
    user = verified_user(full_name="Ada Okafor")
    other_admin = verified_user()
    shared = OrganisationFactory(name="Shared Org")
    MembershipFactory(user=other_admin, organisation=shared, role="admin")
    membership = MembershipFactory(user=user, organisation=shared, role="editor")
    CommissionerProfileFactory(user=user)
    InvitationFactory(email=user.email)
    evidence = EvidenceItemFactory(organisation=shared, verified_by=user)
    claim = ClaimRequestFactory(user=user, message="Personal note from Ada")
    shared.summary = "Edited by Ada"
    shared._history_user = user
    shared.save()
    other_browser = Client()
    sign_in(other_browser, user)
    sign_in(client, user)
    user_pk = user.pk

    response = client.post(reverse("accounts_delete"), {"password": PASSWORD})

    assert response.status_code == 200
    assert "Your account has been deleted" in response.content.decode()
    assert not User.objects.filter(pk=user_pk).exists()
    assert "_auth_user_id" not in client.session
    assert other_browser.get(reverse("account")).status_code == 302
    assert not UserSession.objects.filter(user_id=user_pk).exists()
    assert not Invitation.objects.filter(email__iexact=user.email).exists()
    # The audit history keeps what changed, but not who.
    assert not Organisation.history.filter(history_user_id=user_pk).exists()
    assert shared.history.filter(summary="Edited by Ada").get().history_user is None
    assert not Membership.history.filter(user_id=user_pk).exists()
    assert not evidence.history.filter(verified_by_id=user_pk).exists()
    assert evidence.history.exists()  # the evidence's own history stays
    assert not claim.history.filter(message="Personal note from Ada").exists()
    assert not Membership.history.filter(id=membership.pk).exists()
    # The organisation, its other admin and its content are untouched.
    shared.refresh_from_db()
    assert not shared.is_unclaimed
    assert shared.memberships.get().user == other_admin


@pytest.mark.django_db
def test_delete_removes_shortlists_saved_searches_and_messages(client):
    user = verified_user()
    colleague = verified_user()
    # The user's own shortlist goes, even though a colleague can see it: it was theirs.
    own = ShortlistFactory(owner=user)
    ShortlistItemFactory(shortlist=own, note="Private note")
    ShortlistShareFactory(shortlist=own, user=colleague)
    SearchRecordFactory(shortlist=own)
    # A colleague's shortlist stays, without the user's access or their name on its records.
    theirs = ShortlistFactory(owner=colleague)
    ShortlistShareFactory(shortlist=theirs, user=user, role="editor")
    record = SearchRecordFactory(shortlist=theirs, recorded_by=user)
    SavedSearchFactory(owner=user)
    ContactMessageFactory(sender=user)
    others_message = ContactMessageFactory(sender=colleague)
    client.force_login(user)
    assert "shortlists" in client.get(reverse("accounts_delete")).content.decode()

    client.post(reverse("accounts_delete"), {"password": PASSWORD})

    assert list(Shortlist.objects.all()) == [theirs]
    assert not ShortlistItem.objects.filter(shortlist_id=own.pk).exists()
    assert not ShortlistShare.objects.exists()
    assert list(SearchRecord.objects.all()) == [record]
    record.refresh_from_db()
    assert record.recorded_by is None
    assert not SavedSearch.objects.exists()
    assert list(ContactMessage.objects.all()) == [others_message]


@pytest.mark.django_db
def test_delete_hands_sole_admin_organisations_to_moderators(client):
    user = verified_user()
    sole = MembershipFactory(user=user, role="admin").organisation
    with_other_admin = MembershipFactory(user=user, role="admin").organisation
    MembershipFactory(organisation=with_other_admin, role="admin")
    sole_editor_only = MembershipFactory(user=user, role="admin").organisation
    MembershipFactory(organisation=sole_editor_only, role="editor")
    client.force_login(user)

    client.post(reverse("accounts_delete"), {"password": PASSWORD})

    for organisation in [sole, with_other_admin, sole_editor_only]:
        organisation.refresh_from_db()
    assert sole.is_unclaimed and sole_editor_only.is_unclaimed
    assert not with_other_admin.is_unclaimed
    assert Organisation.objects.filter(pk=sole.pk).exists()  # handed over, not deleted
    assert "last admin deleted their account" in sole.history.first().history_change_reason


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["published", "draft"])
def test_a_sole_admins_organisation_is_handed_over_through_the_models_checks(client, status):
    """The handover is checked like every service write (full_clean): the model's own clean()
    runs, and a profile falling short of today's rules (an old import, a draft) does not stop
    the deletion; it is the moderators' to put right."""
    user = verified_user()
    organisation = MembershipFactory(
        user=user, role="admin", organisation__status=status
    ).organisation
    Organisation.objects.filter(pk=organisation.pk).update(
        postcode="m11ae", charity_number_ew="12", summary="", website=""
    )
    client.force_login(user)

    response = client.post(reverse("accounts_delete"), {"password": PASSWORD})

    assert "Your account has been deleted" in response.content.decode()
    assert not User.objects.filter(pk=user.pk).exists()
    organisation.refresh_from_db()
    assert organisation.is_unclaimed and organisation.admin_lost_at is not None
    assert organisation.status == status
    assert organisation.postcode == "M1 1AE"  # Organisation.clean() ran
    assert organisation.charity_number_ew == "12"  # left as it was, for the moderators
    record = organisation.history.first()
    assert record.history_user is None and record.is_unclaimed


@pytest.mark.django_db
def test_organisations_left_without_an_admin_wait_in_the_moderation_queue(client):
    moderator = moderator_user()
    user = verified_user(email="leaving@example.org")
    sole = MembershipFactory(user=user, role="admin", organisation__name="Sole Trust").organisation
    MembershipFactory(organisation=sole, role="editor")
    shared = MembershipFactory(user=user, role="admin", organisation__name="Shared Trust")
    MembershipFactory(organisation=shared.organisation, role="admin")
    never_had_one = OrganisationFactory(name="Imported Trust", is_unclaimed=True)
    client.force_login(user)

    client.post(reverse("accounts_delete"), {"password": PASSWORD})

    # The moderators are told in their hourly digest, not by an email of its own (the person
    # leaving is not named).
    assert mail.outbox == []
    assert moderation_digest_send() == 1
    [email] = mail.outbox
    assert email.to == [moderator.email]
    assert "Organisation without an admin: Sole Trust" in email.body
    assert "Shared Trust" not in email.body and "leaving@example.org" not in email.body
    # The queue lists it as its own kind, with a count; an imported entry is not listed.
    items, counts = moderation_queue()
    assert counts["adminless"] == 1
    [item] = [item for item in items if item.kind == "adminless"]
    assert (item.title, item.kind_label) == ("Sole Trust", "Organisation without an admin")
    sole.refresh_from_db()
    assert item.waiting_since == sole.admin_lost_at
    client.force_login(moderator)
    queue = client.get(reverse("moderation:queue")).content.decode()
    assert "Organisations without an admin</a>: <strong>1</strong>" in queue
    review = client.get(reverse("moderation:organisation", kwargs={"org": sole.uuid}))
    assert "This organisation has no admin" in review.content.decode()
    assert never_had_one.name not in queue

    # A claim on it is the moderators' to decide; once approved it has an admin again.
    claim = ClaimRequestFactory(organisation=sole, kind="claim")
    client.post(reverse("moderation:claim", kwargs={"pk": claim.pk}), {"action": "approve"})
    items, counts = moderation_queue(kind="adminless")
    assert (items, counts["adminless"]) == ([], 0)
