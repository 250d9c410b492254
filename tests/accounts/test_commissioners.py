"""Commissioners: verified at once from a public-sector email domain, otherwise by a moderator."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail
from django.urls import reverse

from accounts.models import CommissionerProfile, PublicSectorDomain
from accounts.selectors import email_is_public_sector
from accounts.services import commissioner_verify_by_email
from directory.moderation.models import ModerationDecision
from tests.factories import CommissionerProfileFactory, UserFactory


@pytest.mark.django_db
def test_the_allow_list_is_seeded():
    seeded = {str(entry) for entry in PublicSectorDomain.objects.all()}
    assert {"*.justice.gov.uk", "*.gov.uk", "*.police.uk", "nhs.net", "*.nhs.uk"} <= seeded
    assert {"gov.wales", "llyw.cymru"} <= seeded


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("email", "matches"),
    [
        ("sam@justice.gov.uk", True),
        ("sam@probation.justice.gov.uk", True),
        ("sam@kent.gov.uk", True),
        ("Sam@Manchester.GOV.UK", True),
        ("sam@merseyside.police.uk", True),
        ("sam@nhs.net", True),
        ("sam@gov.wales", True),
        ("sam@llyw.cymru", True),
        ("sam@sub.nhs.net", False),  # nhs.net is listed without its subdomains
        ("sam@evil-gov.uk", False),  # look-alike: not a subdomain
        ("sam@gov.uk.evil.com", False),
        ("sam@notgov.uk", False),
        ("sam@justice.gov.uk@evil.com", False),
        ("sam@example.org", False),
        ("not-an-email", False),
        ("", False),
    ],
)
def test_public_sector_domain_matching(email, matches):
    assert email_is_public_sector(email) is matches


@pytest.mark.django_db
def test_a_domain_added_in_admin_is_matched():
    PublicSectorDomain.objects.create(domain="probation.example", include_subdomains=False)
    assert email_is_public_sector("sam@probation.example")
    assert not email_is_public_sector("sam@north.probation.example")


@pytest.mark.django_db
def test_commissioner_with_public_sector_email_is_verified_on_confirmation(client):
    client.post(
        "/accounts/signup/",
        {
            "full_name": "Sam Patel",
            "email": "sam.patel@justice.gov.uk",
            "password1": "granite-lantern-orchard-42",
            "password2": "granite-lantern-orchard-42",
            "account_type": "commissioner",
            "body_type": "probation_region",
            "body_name": "Probation Service Wales",
        },
    )
    profile = CommissionerProfile.objects.get(user__email="sam.patel@justice.gov.uk")
    assert profile.verification_status == "pending"  # not until the email is confirmed

    link = re.search(r"testserver(/accounts/confirm-email/\S+/)", mail.outbox[0].body).group(1)
    client.post(link)

    profile.refresh_from_db()
    assert profile.verification_status == "verified"
    assert profile.verified_at is not None
    assert profile.verified_by is None  # verified by the email domain, not a person
    verified = mail.outbox[-1]
    assert verified.to == ["sam.patel@justice.gov.uk"]
    assert verified.subject == "You are verified as a commissioner"
    assert "sam.patel@justice.gov.uk is at justice.gov.uk, a public sector address" in verified.body
    assert "for Probation Service Wales" in verified.body
    assert f"{settings.SITE_URL}/organisations/" in verified.body
    assert f"{settings.SITE_URL}/account/" in verified.body


@pytest.mark.django_db
def test_only_the_first_confirmation_sends_the_verified_email():
    profile = CommissionerProfileFactory(user=UserFactory(email="sam@justice.gov.uk"))

    assert commissioner_verify_by_email(user=profile.user, email="sam@justice.gov.uk")
    assert not commissioner_verify_by_email(user=profile.user, email="sam@justice.gov.uk")

    assert [message.subject for message in mail.outbox] == ["You are verified as a commissioner"]


@pytest.mark.django_db
def test_commissioner_with_other_email_waits_for_a_moderator():
    profile = CommissionerProfileFactory(user=UserFactory(email="sam@evil-gov.uk"))
    assert not commissioner_verify_by_email(user=profile.user, email=profile.user.email)
    profile.refresh_from_db()
    assert profile.verification_status == "pending"
    assert mail.outbox == []


@pytest.mark.django_db
def test_rejected_commissioner_is_not_verified_by_a_later_email():
    profile = CommissionerProfileFactory(verification_status="rejected")
    assert not commissioner_verify_by_email(user=profile.user, email="sam@justice.gov.uk")
    profile.refresh_from_db()
    assert profile.verification_status == "rejected"


@pytest.mark.django_db
def test_organisation_member_confirming_a_gov_email_gets_no_commissioner_profile():
    user = UserFactory(email="clerk@kent.gov.uk")
    assert not commissioner_verify_by_email(user=user, email=user.email)
    assert not CommissionerProfile.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_admin_lists_pending_commissioners_and_leaves_deciding_to_the_workspace(admin_client):
    """Verifying is a moderator's decision with a record and an email: the admin has no
    actions or field for it, only a link to the workspace's page."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    admin_user = admin_client.get("/").wsgi_request.user
    # Admins must use two-factor authentication; give this one an authenticator.
    TOTP.activate(admin_user, generate_totp_secret())
    EmailAddress.objects.get_or_create(user=admin_user, email=admin_user.email, verified=True)
    admin_client.force_login(admin_user)  # signed in again, with the second factor
    pending = CommissionerProfileFactory()
    changelist = reverse("admin:accounts_commissionerprofile_changelist")

    page = admin_client.get(changelist, {"verification_status__exact": "pending"})
    assert pending.body_name in page.content.decode()

    actions = [name for name, _label in page.context["action_form"].fields["action"].choices]
    assert not {"verify", "reject"} & set(actions)
    workspace = reverse("moderation:commissioner", kwargs={"pk": pending.pk})
    assert workspace in page.content.decode()
    change = reverse("admin:accounts_commissionerprofile_change", args=[pending.pk])
    assert "verification_status" in admin_client.get(change).context["adminform"].readonly_fields
    admin_client.post(changelist, {"action": "verify", "_selected_action": [pending.pk]})
    admin_client.post(
        change,
        {
            "user": pending.user_id,
            "body_type": pending.body_type,
            "body_name": pending.body_name,
            "verification_status": "verified",
        },
    )
    pending.refresh_from_db()
    assert pending.verification_status == "pending"

    admin_client.post(workspace, {"decision": "approve"})
    pending.refresh_from_db()
    assert pending.verification_status == "verified"
    assert pending.verified_by == admin_user
    assert ModerationDecision.objects.get().subject_user == pending.user
    [email] = mail.outbox
    assert email.to == [pending.user.email]


@pytest.mark.django_db
def test_the_moderators_group_exists():
    from django.contrib.auth.models import Group

    from accounts.models import MODERATORS_GROUP

    assert Group.objects.filter(name=MODERATORS_GROUP).exists()
