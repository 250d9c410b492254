"""Every view that follows a `next` address goes there only when it is on this site."""

from urllib.parse import urlencode

import pytest
from django.urls import reverse

from tests.accounts.helpers import PASSWORD, sign_in
from tests.factories import OrganisationFactory, ShortlistFactory, verified_user

pytestmark = pytest.mark.django_db

OFF_SITE = [
    "https://evil.example.com/",
    "https://evil.example.com/accounts/login/",
    "//evil.example.com",
    "///evil.example.com",
    "/\\evil.example.com",
    "http:evil.example.com",
    "javascript:alert(1)",
]
ON_SITE = "/organisations/?region=wales"


# Each does what the view is for, asking to go to `next_url` afterwards, and returns the answer
# and where the view goes when it does not follow `next`.


def signing_in(client, user, next_url):
    url = f"{reverse('account_login')}?{urlencode({'next': next_url})}"
    response = client.post(url, {"login": user.email, "password": PASSWORD, "next": next_url})
    return response, reverse("account")


def signing_out(client, user, next_url):
    sign_in(client, user)
    return client.post(reverse("account_logout"), {"next": next_url}), "/"


def entering_the_password_again(client, user, next_url):
    sign_in(client, user)
    response = client.post(
        reverse("account_reauthenticate"), {"password": PASSWORD, "next": next_url}
    )
    return response, reverse("account")


def changing_the_password(client, user, next_url):
    sign_in(client, user)
    new = "a-brand-new-passphrase"
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": new, "password2": new, "next": next_url},
    )
    return response, reverse("account_change_password")


def adding_to_a_shortlist(client, user, next_url):
    shortlist = ShortlistFactory(owner=user)
    client.force_login(user)
    response = client.post(
        reverse("shortlists:add"),
        {"organisation": OrganisationFactory().slug, "shortlist": shortlist.pk, "next": next_url},
    )
    return response, shortlist.get_absolute_url()


VIEWS = [
    signing_in,
    signing_out,
    entering_the_password_again,
    changing_the_password,
    adding_to_a_shortlist,
]


@pytest.mark.parametrize("next_url", OFF_SITE)
@pytest.mark.parametrize("action", VIEWS, ids=lambda action: action.__name__)
def test_a_next_address_off_the_site_is_refused(client, action, next_url):
    response, default = action(client, verified_user(), next_url)

    assert response.status_code == 302
    assert response["Location"] == default


@pytest.mark.parametrize("action", VIEWS, ids=lambda action: action.__name__)
def test_a_next_address_on_the_site_is_followed(client, action):
    response, _ = action(client, verified_user(), ON_SITE)

    assert response.status_code == 302
    assert response["Location"] == ON_SITE
