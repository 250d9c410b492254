"""Password reset, change of email address and signing out, end to end."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from tests.accounts.helpers import PASSWORD, sign_in
from tests.factories import CommissionerProfileFactory, verified_user


def link_in(message, path_prefix: str) -> str:
    return re.search(rf"https?://testserver({re.escape(path_prefix)}\S+)", message.body).group(1)


@pytest.mark.django_db
def test_password_reset(client):
    user = verified_user()
    response = client.post(reverse("account_reset_password"), {"email": user.email.upper()})
    assert response.status_code == 302
    assert mail.outbox[0].subject.endswith("Reset your password")

    link = link_in(mail.outbox[0], "/accounts/password/reset/key/")
    form_page = client.get(link, follow=True)
    assert b"Choose a new password" in form_page.content
    response = client.post(
        form_page.request["PATH_INFO"],
        {"password1": "a-fresh-passphrase-9", "password2": "a-fresh-passphrase-9"},
    )
    assert response.status_code == 302

    user.refresh_from_db()
    assert user.check_password("a-fresh-passphrase-9")
    # The link works once.
    assert b"This link does not work" in client.get(link, follow=True).content


@pytest.mark.django_db
def test_password_reset_for_an_unknown_email_reveals_nothing(client):
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_done")


@pytest.mark.django_db
def test_change_of_email_after_reauthentication(client):
    user = verified_user(email="old@example.org")
    CommissionerProfileFactory(user=user)
    sign_in(client, user)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})

    response = client.post(
        reverse("account_email"), {"action_add": "1", "email": "sam@justice.gov.uk"}
    )
    assert response.status_code == 302
    # Nothing changes until the new address is confirmed.
    user.refresh_from_db()
    assert user.email == "old@example.org"

    confirmation = next(m for m in mail.outbox if m.to == ["sam@justice.gov.uk"])
    client.post(link_in(confirmation, "/accounts/confirm-email/"))

    user.refresh_from_db()
    assert user.email == "sam@justice.gov.uk"
    assert list(EmailAddress.objects.filter(user=user).values_list("email", flat=True)) == [
        "sam@justice.gov.uk"
    ]
    assert user.commissioner_profile.verification_status == "verified"
    assert any(m.subject.endswith("Your email address has been changed") for m in mail.outbox)


@pytest.mark.django_db
def test_sign_out_needs_a_post(client):
    sign_in(client, verified_user())
    page = client.get(reverse("account_logout"))
    assert page.status_code == 200
    assert "_auth_user_id" in client.session
    client.post(reverse("account_logout"))
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_password_change_sends_a_notification(client):
    user = verified_user()
    sign_in(client, user)
    client.post(
        reverse("account_change_password"),
        {
            "oldpassword": PASSWORD,
            "password1": "new-passphrase-77",
            "password2": "new-passphrase-77",
        },
    )
    assert mail.outbox[-1].subject.endswith("Your password has been changed")
    assert mail.outbox[-1].to == [user.email]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field"),
    [
        (
            {
                "oldpassword": "wrong-password",
                "password1": "new-pass-123",
                "password2": "new-pass-123",
            },
            "oldpassword",
        ),
        ({"oldpassword": PASSWORD, "password1": "short", "password2": "short"}, "password1"),
        (
            {"oldpassword": PASSWORD, "password1": "password123", "password2": "password123"},
            "password1",
        ),
        (
            {"oldpassword": PASSWORD, "password1": "new-pass-123", "password2": "other-pass-123"},
            "password2",
        ),
    ],
)
def test_password_change_bad_input(client, data, field):
    user = verified_user()
    sign_in(client, user)
    response = client.post(reverse("account_change_password"), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
