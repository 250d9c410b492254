"""Rate limits, session lifetimes and two-factor authentication."""

import re
from urllib.parse import quote

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from rest_framework.views import APIView

from accounts.models import MODERATORS_GROUP, User
from tests.accounts.helpers import (
    PASSWORD,
    activate_totp,
    current_totp_code,
    force_login_password_only,
    force_login_with_both_factors,
    sign_in,
)
from tests.factories import verified_user


def is_signed_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- Sign-in ---


@pytest.mark.django_db
def test_sign_in_with_the_right_password(client):
    user = verified_user()
    response = sign_in(client, user)
    assert response.status_code == 302
    assert is_signed_in(client)


@pytest.mark.django_db
def test_sign_in_with_the_wrong_password_is_refused_with_a_message(client):
    user = verified_user()
    response = sign_in(client, user, password="not-the-password")
    assert response.status_code == 200
    assert not is_signed_in(client)
    assert "There is a problem" in response.content.decode()


@pytest.mark.django_db
def test_session_id_changes_at_sign_in(client):
    user = verified_user()
    client.get(reverse("account_login"))
    session_before = client.session.session_key
    assert session_before
    sign_in(client, user)
    assert client.session.session_key != session_before


@pytest.mark.django_db
def test_failed_sign_ins_lock_the_account_for_a_cool_off_that_ends_by_itself(client, clock):
    user = verified_user()
    for _ in range(5):
        sign_in(client, user, password="wrong-password-guess")

    # Even the right password is refused during the cool-off...
    response = sign_in(client, user)
    assert response.status_code == 200
    assert not is_signed_in(client)
    assert "Too many failed" in response.content.decode()

    # ...from another address too (the limit is per account)...
    other_ip = Client(REMOTE_ADDR="198.51.100.7")
    assert sign_in(other_ip, user).status_code == 200
    assert not is_signed_in(other_ip)

    # ...and it ends by itself after five minutes.
    clock.advance(5 * 60 + 1)
    assert sign_in(client, user).status_code == 302
    assert is_signed_in(client)


@pytest.mark.django_db
def test_failed_sign_ins_from_one_address_are_limited_across_accounts(client, clock):
    users = [verified_user() for _ in range(11)]
    for user in users[:10]:
        sign_in(client, user, password="wrong-password-guess")

    response = sign_in(client, users[10])
    assert response.status_code == 200
    assert not is_signed_in(client)

    clock.advance(61)
    assert sign_in(client, users[10]).status_code == 302


# --- Sign-up and password reset ---

TOO_MANY = "Sorry, there have been too many attempts"


def sign_up(client, number: int):
    return client.post(
        reverse("account_signup"),
        {
            "full_name": "Ada Okafor",
            "email": f"ada-{number}@example.org",
            "password1": "granite-lantern-orchard-42",
            "password2": "granite-lantern-orchard-42",
            "account_type": "provider",
        },
    )


@pytest.mark.django_db
def test_sign_ups_from_one_address_are_limited_for_an_hour(client, clock, settings):
    assert settings.ACCOUNT_RATE_LIMITS["signup"] == "20/h/ip"
    for number in range(20):
        assert sign_up(client, number).status_code == 302

    refused = sign_up(client, 20)
    assert refused.status_code == 429
    assert TOO_MANY in refused.content.decode()  # the service's own page
    assert not User.objects.filter(email="ada-20@example.org").exists()
    # Another address may still sign up.
    assert sign_up(Client(REMOTE_ADDR="198.51.100.7"), 21).status_code == 302

    clock.advance(60 * 60 + 1)
    assert sign_up(client, 20).status_code == 302
    assert User.objects.filter(email="ada-20@example.org").exists()


def reset_password(client, email: str):
    return client.post(reverse("account_reset_password"), {"email": email})


@pytest.mark.django_db
def test_password_reset_emails_for_one_account_are_limited(client, clock, settings):
    assert settings.ACCOUNT_RATE_LIMITS["reset_password"] == "20/m/ip,5/m/key"
    user = verified_user()
    for _ in range(5):
        assert reset_password(client, user.email).status_code == 302
    assert len(mail.outbox) == 5

    # Not from another address either: the limit is per account, so its owner is not flooded.
    for other in (client, Client(REMOTE_ADDR="198.51.100.7")):
        refused = reset_password(other, user.email)
        assert refused.status_code == 429
        assert TOO_MANY in refused.content.decode()
    assert len(mail.outbox) == 5

    clock.advance(61)
    assert reset_password(client, user.email).status_code == 302
    assert len(mail.outbox) == 6


@pytest.mark.django_db
def test_password_reset_requests_from_one_address_are_limited_across_accounts(client, clock):
    users = [verified_user() for _ in range(21)]
    for user in users[:20]:
        assert reset_password(client, user.email).status_code == 302

    assert reset_password(client, users[20].email).status_code == 429
    assert len(mail.outbox) == 20

    clock.advance(61)
    assert reset_password(client, users[20].email).status_code == 302


# --- Sessions ---


@pytest.mark.django_db
def test_inactive_session_is_signed_out(client, clock):
    user = verified_user()
    sign_in(client, user)
    assert client.get(reverse("account")).status_code == 200

    clock.advance(59 * 60)
    assert client.get(reverse("account")).status_code == 200  # activity resets the clock
    clock.advance(59 * 60)
    assert client.get(reverse("account")).status_code == 200

    clock.advance(61 * 60)
    response = client.get(reverse("account"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not is_signed_in(client)


@pytest.mark.django_db
def test_session_ends_after_the_absolute_maximum_even_when_active(client, clock, settings):
    user = verified_user()
    sign_in(client, user)
    for _ in range(settings.SESSION_COOKIE_AGE // (30 * 60)):
        clock.advance(30 * 60)
        client.get(reverse("account"))
    clock.advance(30 * 60)

    response = client.get(reverse("account"))
    assert response.status_code == 302
    assert not is_signed_in(client)


@pytest.mark.django_db
def test_password_change_signs_out_other_sessions_but_keeps_this_one(client):
    user = verified_user()
    other_browser = Client()
    sign_in(other_browser, user)
    sign_in(client, user)
    assert other_browser.get(reverse("account")).status_code == 200

    response = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": PASSWORD,
            "password1": "a-brand-new-passphrase",
            "password2": "a-brand-new-passphrase",
        },
    )

    assert response.status_code == 302
    assert client.get(reverse("account")).status_code == 200
    assert other_browser.get(reverse("account")).status_code == 302


@pytest.mark.django_db
def test_sign_out_of_all_other_sessions(client):
    user = verified_user()
    other_browser = Client()
    sign_in(other_browser, user)
    sign_in(client, user)

    assert client.get(reverse("accounts_end_other_sessions")).status_code == 405
    response = client.post(reverse("accounts_end_other_sessions"))

    assert response.status_code == 302
    assert client.get(reverse("account")).status_code == 200
    assert other_browser.get(reverse("account")).status_code == 302


# --- Two-factor authentication ---


def moderator():
    user = verified_user()
    user.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    return user


@pytest.mark.django_db
@pytest.mark.parametrize(
    "make_user",
    [moderator, lambda: verified_user(is_staff=True), lambda: verified_user(is_superuser=True)],
    ids=["moderator", "staff", "superuser"],
)
@pytest.mark.parametrize("path", ["/account/", "/organisations/", "/admin/", "/"])
def test_moderators_and_staff_must_set_up_two_factor_first(client, make_user, path):
    client.force_login(make_user())
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


@pytest.mark.django_db
def test_moderator_can_still_reach_set_up_and_sign_out(client):
    client.force_login(moderator())
    for name in ["mfa_index", "mfa_activate_totp", "account_logout"]:
        response = client.get(reverse(name))
        assert response.get("Location") != reverse("mfa_activate_totp"), name


@pytest.mark.django_db
def test_moderator_with_two_factor_gets_through(client):
    user = moderator()
    activate_totp(user)
    client.force_login(user)
    assert client.get(reverse("account")).status_code == 200


@pytest.mark.django_db
def test_ordinary_users_are_not_forced_to_use_two_factor(client):
    client.force_login(verified_user())
    assert client.get(reverse("account")).status_code == 200


@pytest.mark.django_db
def test_sign_in_with_two_factor_asks_for_a_code(client):
    user = verified_user()
    secret = activate_totp(user)

    response = sign_in(client, user)
    assert response["Location"] == reverse("mfa_authenticate")
    assert not is_signed_in(client)

    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200
    assert not is_signed_in(client)

    right = client.post(reverse("mfa_authenticate"), {"code": current_totp_code(secret)})
    assert right.status_code == 302
    assert is_signed_in(client)


@pytest.mark.django_db
def test_setting_up_two_factor_asks_for_the_password_then_a_code(client):
    from allauth.mfa.models import Authenticator

    user = verified_user()
    sign_in(client, user)
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))

    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = page.context["form"].secret
    response = client.post(reverse("mfa_activate_totp"), {"code": current_totp_code(secret)})

    assert response.status_code == 302
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


@pytest.mark.django_db
def test_guessing_two_factor_codes_hits_the_same_cool_off(client, clock):
    user = verified_user()
    secret = activate_totp(user)
    sign_in(client, user)
    for _ in range(5):
        client.post(reverse("mfa_authenticate"), {"code": "000000"})

    response = client.post(reverse("mfa_authenticate"), {"code": current_totp_code(secret)})
    assert not is_signed_in(client)
    assert "Too many failed" in response.content.decode()


@pytest.mark.django_db
def test_guessing_codes_to_reauthenticate_hits_the_same_cool_off(client, clock):
    """The two-factor pages ask for a code again before changes; guessing it is limited too."""
    user = verified_user()
    secret = activate_totp(user)
    force_login_with_both_factors(client, user)
    for _ in range(5):
        client.post(reverse("mfa_reauthenticate"), {"code": "000000"})

    response = client.post(reverse("mfa_reauthenticate"), {"code": current_totp_code(secret)})
    assert response.status_code == 200
    assert "Too many failed" in response.content.decode()


# --- One sign-in path: the second factor is used in the session, not merely set up ---


def staff_with_totp():
    user = verified_user(is_staff=True)
    activate_totp(user)
    return user


def moderator_with_totp():
    user = moderator()
    activate_totp(user)
    return user


SECOND_FACTOR_USERS = pytest.mark.parametrize(
    "make_user", [staff_with_totp, moderator_with_totp], ids=["staff", "moderator"]
)


@pytest.mark.django_db
@SECOND_FACTOR_USERS
@pytest.mark.parametrize("path", ["/moderation/", "/admin/", "/account/"])
def test_a_session_without_the_second_factor_is_signed_out(client, make_user, path):
    """An authenticator set up but not used to sign in (as the admin's own sign-in allowed)."""
    force_login_password_only(client, make_user())
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={quote(path, safe='')}"
    assert not is_signed_in(client)


@pytest.mark.django_db
@SECOND_FACTOR_USERS
def test_signing_in_with_both_factors_reaches_the_moderators_workspace(client, make_user):
    user = make_user()
    secret = user.authenticator_set.get(type="totp").wrap().instance.data["secret"]
    sign_in(client, user)
    client.post(reverse("mfa_authenticate"), {"code": current_totp_code(secret)})
    assert client.get("/admin/" if user.is_staff else "/moderation/").status_code == 200


def sign_in_with_both_factors(client, user, **data):
    """The sign-in form (with `data` such as `next`), then the code; the code's response."""
    secret = user.authenticator_set.get(type="totp").wrap().instance.data["secret"]
    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD, **data})
    return client.post(reverse("mfa_authenticate"), {"code": current_totp_code(secret)})


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("make_user", "data", "lands_on"),
    [
        (moderator_with_totp, {}, "/moderation/"),
        (moderator_with_totp, {"next": "/account/"}, "/account/"),
        (staff_with_totp, {}, "/account/"),
    ],
    ids=["moderator", "moderator-with-next", "staff"],
)
def test_moderators_land_on_the_queue_after_signing_in_unless_sent_elsewhere(
    client, make_user, data, lands_on
):
    assert sign_in_with_both_factors(client, make_user(), **data)["Location"] == lands_on


@pytest.mark.django_db(transaction=True)  # allauth announces the new authenticator on commit
def test_setting_up_an_authenticator_counts_as_using_it(client):
    user = moderator()
    sign_in(client, user)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    secret = client.get(reverse("mfa_activate_totp")).context["form"].secret
    client.post(reverse("mfa_activate_totp"), {"code": current_totp_code(secret)})
    assert client.get("/moderation/").status_code == 200


def test_the_admin_sign_in_is_the_site_sign_in(client, db):
    response = client.get("/admin/login/?next=/admin/directory/")
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Fdirectory%2F"
    assert client.get("/admin/login/")["Location"] == "/accounts/login/?next=%2Fadmin%2F"
    assert client.get("/admin/")["Location"].startswith("/admin/login/")


@pytest.mark.django_db
def test_someone_signed_in_without_admin_access_is_told_so_not_sent_round(client):
    client.force_login(verified_user())
    assert client.get("/admin/login/?next=/admin/").status_code == 403
    client.force_login(staff_with_totp())
    response = client.get("/admin/login/?next=/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/admin/"
    assert response.status_code == 200


@pytest.mark.django_db
def test_ones_own_password_is_changed_on_the_sites_page_not_set_in_the_admin(client):
    """The admin's "change password" form sets a password without the current one: staff use
    it for other people only; their own goes to the page that asks for the current one."""
    superuser = verified_user(is_staff=True, is_superuser=True)
    activate_totp(superuser)
    force_login_with_both_factors(client, superuser)
    own = reverse("admin:auth_user_password_change", args=[superuser.pk])
    new_password = {"password1": "a-new-granite-lantern-9", "password2": "a-new-granite-lantern-9"}

    assert client.get(own)["Location"] == reverse("account_change_password")
    assert client.post(own, new_password)["Location"] == reverse("account_change_password")
    superuser.refresh_from_db()
    assert superuser.check_password(PASSWORD)
    someone = verified_user()
    other = reverse("admin:auth_user_password_change", args=[someone.pk])
    assert client.get(other).status_code == 200


def paths_without_parameters(patterns=None, prefix: str = ""):
    """Every path of the URLconf that takes no parameter."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if pattern.pattern.regex.groups:
            continue
        part = str(pattern.pattern).lstrip("^").rstrip("$").replace("\\Z", "")
        if isinstance(pattern, URLResolver):
            yield from paths_without_parameters(pattern.url_patterns, prefix + part)
        else:
            yield "/" + prefix + part


def pages_that_accept_a_password(client) -> dict[str, str]:
    """Each path whose page (after any redirect) asks this client for a password, with the
    address of that page."""
    found = {}
    for path in set(paths_without_parameters()):
        page = client.get(path, follow=True)
        is_html = page.get("Content-Type", "").startswith("text/html") and not page.streaming
        if is_html and 'type="password"' in page.content.decode():
            found[path] = page.redirect_chain[-1][0] if page.redirect_chain else path
    return found


def paths_that_accept_a_password() -> list[str]:
    """The paths whose page (after any redirect) asks a signed-out visitor for a password."""
    return sorted(pages_that_accept_a_password(Client()))


def post_credentials(client, path: str, user, password: str):
    fields = {"login": user.email, "username": user.email, "email": user.email}
    return client.post(path, {**fields, "password": password, "password1": password})


@pytest.mark.django_db
def test_the_walk_finds_the_ways_in():
    found = paths_that_accept_a_password()
    for expected in ["/accounts/login/", "/admin/login/", "/accounts/signup/"]:
        assert expected in found


@pytest.mark.django_db
@SECOND_FACTOR_USERS
def test_every_way_in_with_a_password_demands_the_second_factor(make_user):
    user = make_user()
    for path in paths_that_accept_a_password():
        client = Client()
        response = post_credentials(client, path, user, PASSWORD)
        assert not is_signed_in(client), path
        assert client.get("/moderation/").status_code == 302, path
        if path == reverse("account_login"):
            assert response["Location"] == reverse("mfa_authenticate")


@pytest.mark.django_db
@SECOND_FACTOR_USERS
def test_every_way_in_with_a_password_is_rate_limited(make_user, clock):
    user = make_user()
    for path in paths_that_accept_a_password():
        cache.clear()
        client = Client()
        for _ in range(5):
            post_credentials(client, path, user, "wrong-password-guess")
        response = post_credentials(client, path, user, PASSWORD)
        assert not is_signed_in(client), path
        assert response.get("Location") != reverse("mfa_authenticate"), path
        # The lockout is the site's: its sign-in refuses the right password too.
        if path == reverse("account_login"):
            assert "Too many failed" in response.content.decode()


def every_view(patterns=None):
    """The view of every pattern in the URLconf, parameters or not."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from every_view(pattern.url_patterns)
        else:
            yield pattern.callback


def test_the_api_accepts_no_credentials():
    """No session, Basic or token authentication: the API would be a password path without
    the second factor or the sign-in's cool-off."""
    classes = {
        getattr(view, "cls", None) or getattr(view, "view_class", None) for view in every_view()
    }
    api_views = [cls for cls in classes if isinstance(cls, type) and issubclass(cls, APIView)]
    assert len(api_views) >= 3  # the walk finds them
    for view in api_views:
        assert not view.authentication_classes, view


PASSWORD_INPUT = re.compile(r"<input[^>]*\btype=\"password\"[^>]*>")


def password_fields(client, url: str, current: str) -> dict[str, str]:
    """The page's password fields filled in: `current` where it asks for the password in use,
    a new valid password where it asks for a new one."""
    page = client.get(url).content.decode()
    fields = {}
    for tag in PASSWORD_INPUT.findall(page):
        name = re.search(r'\bname="([^"]+)"', tag).group(1)
        fields[name] = "a-brand-new-passphrase" if 'autocomplete="new-password"' in tag else current
    return fields


@pytest.mark.django_db
@SECOND_FACTOR_USERS
def test_every_signed_in_page_that_asks_for_a_password_demands_both_factors_and_is_limited(
    make_user, clock
):
    """Password change and set, reauthentication (which the two-factor pages ask for), account
    deletion and the admin's password change: a stolen session must not become a way to guess
    the password without the sign-in's cool-off."""
    user = make_user()
    signed_in = Client()
    force_login_with_both_factors(signed_in, user)
    pages = pages_that_accept_a_password(signed_in)
    assert {"/accounts/password/change/", "/accounts/reauthenticate/", "/account/delete/"} <= set(
        pages.values()
    )
    for path, url in sorted(pages.items()):
        password_only = Client()
        force_login_password_only(password_only, user)
        assert password_only.get(path)["Location"].startswith(reverse("account_login")), path

        cache.clear()
        client = Client()
        force_login_with_both_factors(client, user)
        for _ in range(5):
            client.post(url, password_fields(client, url, "wrong-password-guess"))
        response = client.post(url, password_fields(client, url, PASSWORD))

        # Refused, by the page's own limit or the account's cool-off...
        assert response.status_code == 429 or "Too many failed" in response.content.decode(), path
        user.refresh_from_db()
        assert user.check_password(PASSWORD), path
        # ...which is the sign-in's: the guesses count there too.
        assert "Too many failed" in sign_in(Client(), user).content.decode(), path
