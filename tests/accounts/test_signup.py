"""Signing up, confirming the email address and the password rules."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from accounts.models import CommissionerProfile, User
from tests.factories import UserFactory, VerifiedEmailAddressFactory

SIGNUP_URL = "/accounts/signup/"
GOOD_PASSWORD = "granite-lantern-orchard-42"


def signup_data(**overrides):
    data = {
        "full_name": "Ada Okafor",
        "email": "ada@example.org",
        "password1": GOOD_PASSWORD,
        "password2": GOOD_PASSWORD,
        "account_type": "provider",
    }
    data.update(overrides)
    return data


def confirmation_link(message) -> str:
    return re.search(r"https?://testserver(/accounts/confirm-email/\S+/)", message.body).group(1)


@pytest.mark.django_db
def test_organisation_member_signs_up_and_must_confirm_email(client):
    response = client.post(SIGNUP_URL, signup_data())

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(email="ada@example.org")
    assert user.full_name == "Ada Okafor"
    assert not CommissionerProfile.objects.filter(user=user).exists()
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject.endswith("Confirm your email address")
    # Not signed in until the address is confirmed.
    assert client.get(reverse("account")).status_code == 302


@pytest.mark.django_db
def test_only_commissioners_are_asked_who_they_work_for(client, taxonomies):
    """GOV.UK's conditional reveal: the commissioner's questions sit beneath that answer, hidden
    by the radios script until it is chosen, and shown in place without JavaScript."""
    page = client.get(SIGNUP_URL).content.decode()
    commissioner = page.index('value="commissioner"')
    assert page.count("data-aria-controls") == 1
    assert 'data-aria-controls="conditional-id_account_type_2"' in page[commissioner:]
    reveal = page.index(
        '<div class="govuk-radios__conditional govuk-radios__conditional--hidden" '
        'id="conditional-id_account_type_2">'
    )
    assert page.index('value="provider"') < commissioner < reveal
    for question in ('name="body_type"', 'name="body_name"', 'name="region"'):
        assert reveal < page.index(question) < page.index("Create account</button>")
    # A commissioner's answers come back in place when something else is wrong.
    response = client.post(
        SIGNUP_URL,
        signup_data(account_type="commissioner", body_type="pcc", body_name="", full_name=""),
    )
    page = response.content.decode()
    assert 'value="commissioner" checked' in page
    assert 'value="pcc" checked' in page


@pytest.mark.django_db
def test_unconfirmed_user_cannot_sign_in(client):
    client.post(SIGNUP_URL, signup_data())
    client.logout()

    response = client.post(
        reverse("account_login"), {"login": "ada@example.org", "password": GOOD_PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_confirming_the_email_signs_the_user_in(client):
    client.post(SIGNUP_URL, signup_data())
    link = confirmation_link(mail.outbox[0])

    page = client.get(link)
    assert page.status_code == 200
    assert b"Confirm your email address" in page.content
    response = client.post(link)

    assert response.status_code == 302
    assert EmailAddress.objects.get(email="ada@example.org").verified
    # They land on their account page, which starts them registering their organisation.
    assert response["Location"] == reverse("account")
    page = client.get(response["Location"]).content.decode()
    start = page.index("govuk-button--start")
    assert page.index("Register your organisation") < start < page.index("Your details")
    assert f'href="{reverse("registration:start")}"' in page[start - 200 : start]


@pytest.mark.django_db
def test_the_start_button_is_only_for_people_without_an_organisation(client, taxonomies):
    from tests.factories import MembershipFactory

    membership = MembershipFactory(user__email="ada@example.org")
    client.force_login(membership.user)
    page = client.get(reverse("account")).content.decode()
    assert "govuk-button--start" not in page
    assert "Register another organisation" in page


@pytest.mark.django_db
def test_commissioner_signs_up_with_their_body(client, taxonomies):
    from directory.organisations.models import Region

    region = Region.objects.first()
    response = client.post(
        SIGNUP_URL,
        signup_data(
            email="sam@kent.example.org",
            account_type="commissioner",
            body_type="local_authority",
            body_name="Kent County Council",
            region=region.pk,
        ),
    )

    assert response.status_code == 302
    profile = CommissionerProfile.objects.get(user__email="sam@kent.example.org")
    assert profile.body_type == "local_authority"
    assert profile.body_name == "Kent County Council"
    assert profile.region == region
    assert profile.verification_status == "pending"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"full_name": ""}, "full_name", "Enter your full name"),
        ({"full_name": "x" * 151}, "full_name", "150 characters or fewer"),
        ({"email": ""}, "email", "Enter your email address"),
        ({"email": "not-an-email"}, "email", "Enter an email address in the correct format"),
        ({"account_type": ""}, "account_type", "Select what you will use the directory for"),
        ({"account_type": "spy"}, "account_type", "Select a valid choice"),
        ({"account_type": "commissioner"}, "body_type", "Select who you work for"),
        (
            {"account_type": "commissioner", "body_type": "pcc"},
            "body_name",
            "Enter the name of the organisation you work for",
        ),
        ({"password1": "", "password2": ""}, "password1", "Enter a password"),
        ({"password2": "something-else-entirely"}, "password2", "same password"),
    ],
)
def test_signup_bad_input_is_refused_and_kept(client, overrides, field, message):
    data = signup_data(**overrides)
    response = client.post(SIGNUP_URL, data)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    assert message in " ".join(errors[field])
    assert not User.objects.exists()
    content = response.content.decode()
    assert "There is a problem" in content
    assert "govuk-error-message" in content
    assert response.context["form"]["full_name"].value() == data["full_name"]


PASSWORD_128 = "correct horse battery staple " * 4 + "x" * 12
PASSWORD_129 = PASSWORD_128 + "x"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password", "accepted"),
    [
        ("nine-char", False),  # 9 characters: too short
        ("password123", False),  # common
        ("1234567890123", False),  # entirely numeric
        ("ten-chars!", True),  # exactly 10
        (PASSWORD_128, True),
        (PASSWORD_129, False),
    ],
)
def test_password_rules(client, password, accepted):
    response = client.post(SIGNUP_URL, signup_data(password1=password, password2=password))

    assert User.objects.filter(email="ada@example.org").exists() is accepted
    if not accepted:
        assert response.status_code == 200
        assert response.context["form"].errors["password1"]


def test_long_password_cases_have_the_lengths_they_claim():
    assert (len("nine-char"), len("ten-chars!")) == (9, 10)
    assert (len(PASSWORD_128), len(PASSWORD_129)) == (128, 129)


@pytest.mark.django_db
def test_signing_up_with_a_taken_email_creates_no_second_account(client):
    VerifiedEmailAddressFactory(user=UserFactory(email="ada@example.org"))
    response = client.post(SIGNUP_URL, signup_data(full_name="Someone Else"))

    assert response.status_code == 302
    assert User.objects.filter(email__iexact="ada@example.org").count() == 1
    # The owner is told by email, without revealing to the form that the account exists.
    assert mail.outbox[-1].subject.endswith("You already have an account")
