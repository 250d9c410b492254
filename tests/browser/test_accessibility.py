"""axe-core on every page type. Add new pages to PAGES: one place, one test.

tests/test_axe_coverage.py fails when a URL pattern that renders a page has no case here (or
in another file of this folder that it names).
"""

from dataclasses import dataclass, field

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.conf import settings
from django.test import Client
from django.urls import reverse

from directory.search_index import refresh_search_documents
from tests.accounts.helpers import PASSWORD, activate_totp, sign_in
from tests.browser.conftest import axe_violations
from tests.factories import (
    DeliveryLocationFactory,
    JusticeDataLabEvidenceFactory,
    OrganisationFactory,
    ServiceFactory,
    verified_user,
)
from tests.world import build_world, client_for


@pytest.fixture
def published_organisation(transactional_db):
    organisation = OrganisationFactory(name="Harbour Women's Centre", slug="harbour-womens-centre")
    service = ServiceFactory(organisation=organisation, name="Women's housing support")
    DeliveryLocationFactory(service=service)
    JusticeDataLabEvidenceFactory(organisation=organisation, verified_by_moderator=True)
    refresh_search_documents(organisation_ids=[organisation.pk])
    return organisation


@pytest.fixture
def world(published_organisation):
    return build_world()


@dataclass(frozen=True)
class Page:
    label: str
    url_name: str | None  # None for a path that matches no pattern
    role: str = "anonymous"  # a role of tests/world.py, or one of SIGN_IN_STAGES
    kwargs: object = field(default=lambda w: {})
    query: str = ""
    path: str = ""

    def url(self, world) -> str:
        if self.url_name is None:
            return self.path
        return reverse(self.url_name, kwargs=self.kwargs(world)) + self.query


def _signed_in_by_password(client: Client, *, two_factor: bool):
    """Signed in and re-authenticated just now, as two-factor settings require."""
    user = verified_user()
    sign_in(client, user)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    if two_factor:
        activate_totp(user)
        RecoveryCodes.activate(user)


def _half_signed_in(client: Client):
    """Password given, the authenticator app's code still to come."""
    user = verified_user()
    activate_totp(user)
    sign_in(client, user)


SIGN_IN_STAGES = {
    "recently signed in": lambda client: _signed_in_by_password(client, two_factor=False),
    "two-factor user, recently signed in": lambda client: _signed_in_by_password(
        client, two_factor=True
    ),
    "half signed in": _half_signed_in,
}


def slug(w):
    return {"slug": w.organisation.slug}


def org(w):
    return {"org": w.organisation.uuid}


def opportunity(w):
    return {"opportunity": w.opportunity.uuid}


def consortium(w):
    return {"consortium": w.consortium.uuid}


def lead_membership(w):
    return {**consortium(w), "pk": w.lead_membership.pk}


PAGES = [
    Page("home", "home"),
    Page("organisation list", "directory:organisation_list"),
    Page("organisation list, no results", "directory:organisation_list", query="?q=zzzzzz"),
    Page(
        "organisation profile",
        "directory:organisation_detail",
        kwargs=lambda w: {"slug": "harbour-womens-centre"},
    ),
    Page("report a problem", "directory:report_problem", kwargs=slug),
    Page("problem reported", "directory:report_sent", kwargs=slug),
    Page("market coverage", "insights"),
    Page("open data", "open_data"),
    Page("accessibility statement", "accessibility"),
    Page("privacy notice", "privacy"),
    Page("cookies", "cookies"),
    Page("page not found", None, path="/no-such-page/"),
    # Signing in, up and out, and the account's security
    Page("sign in", "account_login"),
    Page("create an account", "account_signup"),
    Page("account inactive", "account_inactive"),
    Page("confirm your email address", "account_email_verification_sent"),
    Page("confirmation link not valid", "account_confirm_email", kwargs=lambda w: {"key": "x"}),
    Page("reset your password", "account_reset_password"),
    Page("password reset email sent", "account_reset_password_done"),
    Page(
        "password reset link not valid",
        "account_reset_password_from_key",
        kwargs=lambda w: {"uidb36": "1", "key": "bad-key"},
    ),
    Page("password reset", "account_reset_password_from_key_done"),
    Page("sign out", "account_logout", role="admin"),
    Page("enter your password again", "account_reauthenticate", role="admin"),
    Page("email addresses", "account_email", role="admin"),
    Page("change password", "account_change_password", role="admin"),
    Page("signed-in sessions", "usersessions_list", role="admin"),
    Page("two-factor authentication", "mfa_index", role="admin"),
    Page("set up an authenticator app", "mfa_activate_totp", role="recently signed in"),
    Page("enter your two-factor code again", "mfa_reauthenticate", role="moderator"),
    Page(
        "turn off the authenticator app",
        "mfa_deactivate_totp",
        role="two-factor user, recently signed in",
    ),
    Page("recovery codes", "mfa_view_recovery_codes", role="two-factor user, recently signed in"),
    Page(
        "new recovery codes",
        "mfa_generate_recovery_codes",
        role="two-factor user, recently signed in",
    ),
    Page("two-factor code at sign in", "mfa_authenticate", role="half signed in"),
    # Your account and your organisation's members
    Page("your account", "account", role="admin"),
    Page("your details", "accounts_details", role="admin"),
    Page("delete your account", "accounts_delete", role="admin"),
    Page("members", "accounts_members", role="admin", kwargs=slug),
    Page("invite a member", "accounts_member_invite", role="admin", kwargs=slug),
    Page(
        "change a member's role",
        "accounts_member_role",
        role="admin",
        kwargs=lambda w: {**slug(w), "pk": w.editor_membership.pk},
    ),
    Page(
        "remove a member",
        "accounts_member_remove",
        role="admin",
        kwargs=lambda w: {**slug(w), "pk": w.editor_membership.pk},
    ),
    Page(
        "invitation", "accounts_invitation_accept", kwargs=lambda w: {"token": w.invitation.token}
    ),
    # Registering: the rest are in test_registration_journey.py
    Page(
        "ask to join an organisation",
        "registration:claim",
        role="stranger",
        kwargs=lambda w: {**org(w), "kind": "join"},
    ),
    Page("add a service", "registration:service_add", role="admin", kwargs=org),
    Page(
        "edit a location",
        "registration:location_edit",
        role="admin",
        kwargs=lambda w: {**org(w), "location": w.location.uuid},
    ),
    Page(
        "remove a location",
        "registration:location_remove",
        role="admin",
        kwargs=lambda w: {**org(w), "location": w.location.uuid},
    ),
    Page(
        "edit evidence",
        "registration:evidence_edit",
        role="admin",
        kwargs=lambda w: {**org(w), "item": w.evidence.uuid},
    ),
    Page(
        "remove evidence",
        "registration:evidence_remove",
        role="admin",
        kwargs=lambda w: {**org(w), "item": w.evidence.uuid},
    ),
    Page("changes sent", "registration:submitted", role="admin", kwargs=org),
    # Moderation: the rest are in test_moderation_pages.py
    Page("import organisations", "import_upload", role="moderator"),
    Page(
        "purge an organisation",
        "moderation:purge",
        role="moderator",
        kwargs=lambda w: {"org": w.archived.uuid},
    ),
    Page(
        "claim request",
        "moderation:claim",
        role="moderator",
        kwargs=lambda w: {"pk": w.unclaimed_claim.pk},
    ),
    Page(
        "commissioner to verify",
        "moderation:commissioner",
        role="moderator",
        kwargs=lambda w: {"pk": w.pending_commissioner.pk},
    ),
    # Opportunities and consortia
    Page("opportunities", "opportunities:list"),
    Page(
        "save a search of opportunities",
        "saved_searches:create_opportunities",
        role="admin",
        query="?region=north-west",
    ),
    Page("opportunity", "opportunities:detail", kwargs=opportunity),
    Page("post an opportunity", "opportunities:create", role="admin"),
    Page("responses", "opportunities:responses", role="admin", kwargs=opportunity),
    Page(
        "a response",
        "opportunities:response_decide",
        role="admin",
        kwargs=lambda w: {**opportunity(w), "pk": w.expression_of_interest.pk},
    ),
    Page("consortia", "partnerships:consortium_list"),
    Page("form a consortium", "partnerships:consortium_create", role="admin"),
    Page("consortium", "partnerships:consortium_detail", role="admin", kwargs=consortium),
    Page(
        "invite to a consortium", "partnerships:consortium_invite", role="admin", kwargs=consortium
    ),
    Page(
        "hand over leadership",
        "partnerships:consortium_leadership",
        role="admin",
        kwargs=consortium,
    ),
    Page(
        "leave a consortium", "partnerships:consortium_leave", role="admin", kwargs=lead_membership
    ),
    Page("find partners", "partnerships:find_partners", role="admin", kwargs=org),
    Page("partnership interest", "partnerships:interest", role="admin", kwargs=org),
]


def sign_in_browser(page, live_server, world, role: str):
    """Copy a test client's signed-in session into the browser, instead of typing it all."""
    if role == "anonymous":
        return
    if role in SIGN_IN_STAGES:
        client = Client()
        SIGN_IN_STAGES[role](client)
    else:
        client = client_for(world, role)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )


@pytest.mark.parametrize("case", PAGES, ids=[case.label for case in PAGES])
def test_page_has_no_axe_violations(page, live_server, world, case):
    sign_in_browser(page, live_server, world, case.role)
    url = case.url(world)
    response = page.goto(url)
    if case.url_name is not None:
        assert response.status == 200, f"{case.label}: {url} answered {response.status}"
        assert response.url == live_server.url + url, f"{case.label}: sent to {response.url}"
    assert page.locator("h1").count() == 1, f"{case.label} must have exactly one h1"
    assert axe_violations(page) == []


def test_pages_work_without_javascript(page_without_js, published_organisation):
    page_without_js.goto(reverse("home"))
    page_without_js.get_by_label("Search the directory").fill("Harbour")
    page_without_js.get_by_role("button", name="Search").click()
    page_without_js.get_by_role("link", name="Harbour Women's Centre").click()
    assert page_without_js.locator("h1").inner_text() == "Harbour Women's Centre"


def test_skip_link_is_first_and_visible_on_focus(page, published_organisation):
    page.goto(reverse("home"))
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to main content"
    assert page.evaluate("document.activeElement.getBoundingClientRect().height") > 0
