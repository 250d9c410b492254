"""Every django-allauth page renders in the GOV.UK layout, without inline script or style."""

import re

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.urls import reverse

from tests.accounts.helpers import PASSWORD, activate_totp, current_totp_code, sign_in
from tests.factories import verified_user

ANONYMOUS_PAGES = [
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/accounts/password/reset/done/",
    "/accounts/password/reset/key/1-bad-key/",
    "/accounts/confirm-email/",
    "/accounts/confirm-email/not-a-real-key/",
    "/accounts/inactive/",
]
SIGNED_IN_PAGES = [
    "/accounts/logout/",
    "/accounts/password/change/",
    "/accounts/email/",
    "/accounts/reauthenticate/",
    "/accounts/2fa/",
    "/accounts/2fa/totp/activate/",
    "/accounts/sessions/",
    "/account/",
    "/account/details/",
    "/account/delete/",
]
TWO_FACTOR_PAGES = [
    "/accounts/2fa/",
    "/accounts/2fa/totp/deactivate/",
    "/accounts/2fa/recovery-codes/",
    "/accounts/2fa/recovery-codes/generate/",
    "/accounts/2fa/reauthenticate/",
]


def assert_govuk_page(response):
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    assert 'class="govuk-template"' in html
    assert 'id="main-content"' in html
    assert html.count("<h1") == 1
    assert 'style="' not in html
    for script in re.findall(r"<script[^>]*>", html):
        assert "src=" in script, f"inline script: {script}"
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "duplicate ids"
    assert "placeholder=" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("path", ANONYMOUS_PAGES)
def test_anonymous_pages(client, path):
    assert_govuk_page(client.get(path))


@pytest.fixture
def recently_signed_in(client):
    user = verified_user()
    sign_in(client, user)
    # Two-factor settings ask for the password again, even just after signing in.
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    return user


@pytest.mark.django_db
@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_signed_in_pages(client, recently_signed_in, path):
    assert_govuk_page(client.get(path))


@pytest.mark.django_db
@pytest.mark.parametrize("path", TWO_FACTOR_PAGES)
def test_two_factor_pages(client, recently_signed_in, path):
    activate_totp(recently_signed_in)
    RecoveryCodes.activate(recently_signed_in)
    assert_govuk_page(client.get(path))


@pytest.mark.django_db
def test_two_factor_code_page_at_sign_in(client):
    user = verified_user()
    activate_totp(user)
    sign_in(client, user)
    assert_govuk_page(client.get(reverse("mfa_authenticate")))


@pytest.mark.django_db
def test_the_code_page_says_what_code_to_enter(client):
    user = verified_user()
    activate_totp(user)
    sign_in(client, user)
    page = client.get(reverse("mfa_authenticate")).content.decode()
    assert "The 6-digit code your authenticator app shows now" in page
    assert 'aria-describedby="id_code-hint"' in page


@pytest.mark.django_db(transaction=True)  # allauth adds its messages once the codes are saved
def test_only_codes_made_again_say_the_old_ones_no_longer_work(client, recently_signed_in):
    """On first set-up there were no old codes."""
    secret = client.get(reverse("mfa_activate_totp")).context["form"].secret
    first = client.post(
        reverse("mfa_activate_totp"), {"code": current_totp_code(secret)}, follow=True
    )
    assert first.redirect_chain[-1][0] == reverse("mfa_view_recovery_codes")
    assert "old codes no longer work" not in first.content.decode()
    again = client.post(reverse("mfa_generate_recovery_codes"), follow=True)
    assert "Your old codes no longer work" in again.content.decode()


@pytest.mark.django_db
def test_verification_sent_page(client):
    client.post(
        "/accounts/signup/",
        {
            "full_name": "Ada Okafor",
            "email": "ada@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "account_type": "provider",
        },
    )
    assert_govuk_page(client.get(reverse("account_email_verification_sent")))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/accounts/login/", {"login": "", "password": ""}),
        ("/accounts/password/reset/", {"email": "not-an-email"}),
    ],
)
def test_error_pages_have_an_error_summary_and_title(client, path, data):
    response = client.post(path, data)
    html = response.content.decode()
    assert_govuk_page(response)
    assert "There is a problem" in html
    assert "<title>Error: " in html
    assert "govuk-error-message" in html


@pytest.mark.django_db
def test_password_change_errors(client, recently_signed_in):
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": "wrong", "password1": "short", "password2": "short"},
    )
    html = response.content.decode()
    assert_govuk_page(response)
    assert "There is a problem" in html
    assert "<title>Error: " in html


@pytest.mark.django_db
def test_email_change_asks_for_the_password_first(client):
    user = verified_user()
    client.force_login(user)  # no recent password entry in this session
    response = client.post(
        "/accounts/email/", {"action_add": "1", "email": "new.address@example.org"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert user.emailaddress_set.count() == 1
