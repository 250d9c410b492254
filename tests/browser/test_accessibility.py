"""axe-core on every page type, anonymous and signed in as each role, including the error
states of forms: one test, one list. Add new pages to PAGES.

tests/test_axe_coverage.py fails when a named URL pattern that renders a page has no case here.

Each case opens its page as each of its roles, checks that the page answered as expected at the
address asked for (not a 404 or a redirect to somewhere else), then runs axe-core; then it fills
in and sends the page's form for each of its `submits`, and runs axe-core on each answer.

The pages' data is built once for the module and committed, so that the live server (this
module's own: pytest-django's `live_server` would empty the database after every test) reads it;
the database is emptied at the end (tests/module_data.py). Each role has one browser context,
signed in when the module starts, and one page in it that every case of the role uses; the
context loads axe-core into every document the page opens.
"""

import io
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect
from pytest_django.live_server_helper import LiveServer

from directory.moderation import services as moderation_services
from directory.organisations.models import (
    ClientGroup,
    DeliverySetting,
    EvidenceItem,
    Pathway,
    Region,
    Service,
)
from directory.registration import services
from directory.search.search_index import refresh_search_documents
from tests.accounts.helpers import PASSWORD, activate_totp, sign_in
from tests.browser.conftest import (
    AXE_JS,
    _new_page,
    axe_violations,
    save_artefacts_if_failed,
)
from tests.browser.pages import (
    HomePage,
    OfferAppraisalPage,
    OrganisationPage,
    Person,
    SearchPage,
    SitePage,
)
from tests.factories import (
    OFFER_APPRAISAL_INPUTS,
    EvidenceItemFactory,
    JusticeDataLabEvidenceFactory,
    MembershipFactory,
    OfferAppraisalFactory,
    OrganisationFactory,
    OrganisationRevisionFactory,
    ProblemReportFactory,
    ServiceFactory,
    ShortlistItemFactory,
    verified_user,
)
from tests.module_data import committed_for_the_module
from tests.world import ROLES, World, build_world, client_for

# --- The cases ---


@dataclass(frozen=True)
class Submit:
    """Fill in the form that holds the button `button` and send it.

    `fields` maps a field's name to its value (a radio button's or checkbox's value to select,
    or a file as Playwright's {"name", "mimeType", "buffer"}); `blank` empties every text box
    first. The answer must be `status` and show `shows` (by default the error summary)."""

    button: str
    fields: dict = field(default_factory=dict)
    blank: bool = False
    status: int = 200
    shows: str = ".govuk-error-summary"


BLANK = (Submit("Save and continue", blank=True),)


@dataclass(frozen=True)
class Page:
    label: str
    url_name: str | None  # None for a path that matches no pattern
    roles: tuple[str, ...] = ("anonymous",)  # roles of tests/world.py, or SIGN_IN_STAGES
    kwargs: Callable = lambda s: {}
    query: str | Callable = ""  # or made from the site's data
    path: str = ""
    status: int = 200
    submits: tuple[Submit, ...] = ()
    width: int | None = None  # a narrow screen, in CSS pixels

    def url(self, site) -> str:
        if self.url_name is None:
            return self.path
        query = self.query(site) if callable(self.query) else self.query
        return reverse(self.url_name, kwargs=self.kwargs(site)) + query


SIGNED_IN = tuple(role for role in ROLES if role != "anonymous") + ("newcomer",)
EVERYONE = ("anonymous", *SIGNED_IN)
# The search's and a profile's controls for shortlists and messages: signed out, signed in with
# shortlists (admin), without (newcomer), and a commissioner (who may message organisations).
SEARCHERS = ("anonymous", "admin", "newcomer", "commissioner")


def slug(s):
    return {"slug": s.world.organisation.slug}


def org(s):
    return {"org": s.world.organisation.uuid}


def draft(s):
    return {"org": s.world.draft.uuid}


def pending(s):
    return {"org": s.pending.uuid}


def step(name):
    return lambda s: {**draft(s), "step": name}


def draft_service(s):
    return {**draft(s), "service": s.world.draft_service.uuid}


def opportunity(s):
    return {"opportunity": s.world.opportunity.uuid}


def consortium(s):
    return {"consortium": s.world.consortium.uuid}


def shortlist(s):
    return {"pk": s.world.shortlist.pk}


def saved_search(s):
    return {"pk": s.world.saved_search.pk}


def appraisal(s):
    return {"pk": s.world.appraisal.pk}


def editor_membership(s):
    return {**slug(s), "pk": s.world.editor_membership.pk}


IMPORT_CSV = b"name,postcode\nAnchor House,LS1 1AA\nBad Trust,XX1\n,M1 1AE\n"
APPRAISAL_ERRORS = {**OFFER_APPRAISAL_INPUTS, "results_percent": "10", "contract_months": "0"}

PAGES = [
    # The public directory
    Page("home", "home", roles=EVERYONE),
    Page("home, narrow screen", "home", width=320),
    Page("organisation list", "directory:organisation_list", roles=SEARCHERS),
    Page("organisation list, narrow screen", "directory:organisation_list", width=320),
    Page("organisation list, filtered", "directory:organisation_list", query="?region=london"),
    Page("organisation list, no results", "directory:organisation_list", query="?q=zzzzzz"),
    Page("organisation profile", "directory:organisation_detail", roles=SEARCHERS, kwargs=slug),
    Page(
        "organisation profile, narrow screen",
        "directory:organisation_detail",
        kwargs=slug,
        width=320,
    ),
    Page(
        "report a problem",
        "directory:report_problem",
        kwargs=slug,
        submits=(Submit("Send report"),),
    ),
    Page("problem reported", "directory:report_sent", kwargs=slug),
    Page("market coverage", "insights"),
    Page(
        "market coverage, filtered",
        "insights",
        query="?client_group=women&setting=custody",
    ),
    Page("open data", "open_data"),
    Page("APIs", "api_docs"),
    Page("APIs, narrow screen", "api_docs", width=320),
    Page("accessibility statement", "accessibility"),
    Page("privacy notice", "privacy"),
    Page("cookies", "cookies"),
    Page("page not found", None, roles=("anonymous", "admin"), path="/no-such-page/", status=404),
    # Signing in, up and out, and the account's security
    Page(
        "sign in",
        "account_login",
        submits=(Submit("Sign in", {"login": "admin@org-a.example.org", "password": "not-it"}),),
    ),
    Page("create an account", "account_signup", submits=(Submit("Create account"),)),
    Page("account inactive", "account_inactive"),
    Page("confirm your email address", "account_email_verification_sent"),
    Page("confirmation link not valid", "account_confirm_email", kwargs=lambda s: {"key": "x"}),
    Page(
        "reset your password",
        "account_reset_password",
        submits=(Submit("Send link", {"email": "not an email address"}),),
    ),
    Page("password reset email sent", "account_reset_password_done"),
    Page(
        "password reset link not valid",
        "account_reset_password_from_key",
        kwargs=lambda s: {"uidb36": "1", "key": "bad-key"},
    ),
    Page("password reset", "account_reset_password_from_key_done"),
    Page("sign out", "account_logout", roles=("admin",)),
    Page("enter your password again", "account_reauthenticate", roles=("admin",)),
    Page("email addresses", "account_email", roles=("admin",)),
    Page(
        "change password",
        "account_change_password",
        roles=("admin",),
        submits=(Submit("Change password"),),
    ),
    Page("signed-in sessions", "usersessions_list", roles=("admin",)),
    Page("two-factor authentication", "mfa_index", roles=("admin", "moderator")),
    Page("set up an authenticator app", "mfa_activate_totp", roles=("recently signed in",)),
    Page("enter your two-factor code again", "mfa_reauthenticate", roles=("moderator",)),
    Page(
        "turn off the authenticator app",
        "mfa_deactivate_totp",
        roles=("two-factor user, recently signed in",),
    ),
    Page(
        "recovery codes",
        "mfa_view_recovery_codes",
        roles=("two-factor user, recently signed in",),
    ),
    Page(
        "new recovery codes",
        "mfa_generate_recovery_codes",
        roles=("two-factor user, recently signed in",),
    ),
    Page(
        "two-factor code at sign in",
        "mfa_authenticate",
        roles=("half signed in",),
        submits=(Submit("Continue", {"code": "000000"}),),
    ),
    # Your account and your organisation's members
    Page("your account", "account", roles=SIGNED_IN),
    Page("your details", "accounts_details", roles=("admin",)),
    Page("delete your account", "accounts_delete", roles=("admin",)),
    Page("members", "accounts_members", roles=("admin",), kwargs=slug),
    Page(
        "invite a member",
        "accounts_member_invite",
        roles=("admin",),
        kwargs=slug,
        submits=(Submit("Send invitation"),),
    ),
    Page(
        "change a member's role", "accounts_member_role", roles=("admin",), kwargs=editor_membership
    ),
    Page("remove a member", "accounts_member_remove", roles=("admin",), kwargs=editor_membership),
    Page(
        "invitation",
        "accounts_invitation_accept",
        roles=("anonymous", "newcomer"),
        kwargs=lambda s: {"token": s.world.invitation.token},
    ),
    # Registering and editing an organisation: a draft, and a published one (A)
    Page("register an organisation", "registration:start", roles=("admin", "newcomer")),
    Page(
        "name a new organisation",
        "registration:new",
        roles=("newcomer",),
        submits=(Submit("Continue", blank=True),),
    ),
    Page("task list, draft", "registration:task_list", roles=("editor",), kwargs=draft),
    Page("task list, published", "registration:task_list", roles=("admin",), kwargs=org),
    Page(
        "name and legal form",
        "registration:step",
        roles=("admin",),
        kwargs=step("name"),
        submits=BLANK,
    ),
    Page(
        "registration numbers",
        "registration:step",
        roles=("admin",),
        kwargs=step("registration-numbers"),
    ),
    Page(
        "contact details",
        "registration:step",
        roles=("admin",),
        kwargs=step("contact"),
        submits=BLANK,
    ),
    Page("what you do", "registration:step", roles=("admin",), kwargs=step("what-you-do")),
    Page("size", "registration:step", roles=("admin",), kwargs=step("size"), submits=BLANK),
    Page("quality marks", "registration:step", roles=("admin",), kwargs=step("quality-marks")),
    Page("partnership section", "registration:step", roles=("admin",), kwargs=step("partnership")),
    Page("services", "registration:services", roles=("admin",), kwargs=draft),
    Page("add a service", "registration:service_add", roles=("admin",), kwargs=org),
    Page(
        "edit a service",
        "registration:service_edit",
        roles=("admin",),
        kwargs=draft_service,
        submits=(Submit("Save service", blank=True),),
    ),
    Page("remove a service", "registration:service_remove", roles=("admin",), kwargs=draft_service),
    Page(
        "add a location",
        "registration:location_add",
        roles=("admin",),
        kwargs=draft_service,
        submits=(Submit("Save location", blank=True),),
    ),
    Page(
        "edit a location",
        "registration:location_edit",
        roles=("admin",),
        kwargs=lambda s: {**org(s), "location": s.world.location.uuid},
    ),
    Page(
        "remove a location",
        "registration:location_remove",
        roles=("admin",),
        kwargs=lambda s: {**org(s), "location": s.world.location.uuid},
    ),
    Page("evidence", "registration:evidence", roles=("admin",), kwargs=draft),
    Page(
        "add evidence",
        "registration:evidence_add",
        roles=("admin",),
        kwargs=draft,
        submits=(Submit("Save evidence", blank=True),),
    ),
    Page(
        "edit evidence",
        "registration:evidence_edit",
        roles=("admin",),
        kwargs=lambda s: {**org(s), "item": s.world.evidence.uuid},
    ),
    Page(
        "remove evidence",
        "registration:evidence_remove",
        roles=("admin",),
        kwargs=lambda s: {**org(s), "item": s.world.evidence.uuid},
    ),
    Page("check your answers", "registration:check", roles=("admin",), kwargs=draft),
    Page("changes sent", "registration:submitted", roles=("admin",), kwargs=org),
    Page("requests to join", "registration:claim_requests", roles=("admin",), kwargs=org),
    Page(
        "ask to join an organisation",
        "registration:claim",
        roles=("stranger",),
        kwargs=lambda s: {**org(s), "kind": "join"},
    ),
    # A published organisation's new service and changed evidence, waiting for review
    Page("task list, changes waiting", "registration:task_list", roles=("editor",), kwargs=pending),
    Page("services, changes waiting", "registration:services", roles=("editor",), kwargs=pending),
    Page("evidence, changes waiting", "registration:evidence", roles=("editor",), kwargs=pending),
    Page("check answers, changes waiting", "registration:check", roles=("editor",), kwargs=pending),
    # A published organisation's changes, sent back by a moderator
    Page(
        "task list, changes sent back",
        "registration:task_list",
        roles=("editor",),
        kwargs=lambda s: {"org": s.sent_back.uuid},
    ),
    Page(
        "check answers, changes sent back",
        "registration:check",
        roles=("editor",),
        kwargs=lambda s: {"org": s.sent_back.uuid},
    ),
    # Moderation and import
    Page("moderation queue", "moderation:queue", roles=("moderator",)),
    Page(
        "a submitted organisation",
        "moderation:organisation",
        roles=("moderator",),
        kwargs=lambda s: {"org": s.world.submitted.uuid},
        submits=(Submit("Record decision", {"action": "reject"}),),
    ),
    Page(
        "a published organisation's changes",
        "moderation:organisation",
        roles=("moderator",),
        kwargs=lambda s: {"org": s.revised.uuid},
    ),
    Page(
        "a published organisation's new service and evidence",
        "moderation:organisation",
        roles=("moderator",),
        kwargs=pending,
    ),
    Page(
        "an organisation without an admin",
        "moderation:organisation",
        roles=("moderator",),
        kwargs=lambda s: {"org": s.adminless.uuid},
    ),
    Page(
        "history",
        "moderation:history",
        roles=("moderator",),
        kwargs=lambda s: {"org": s.revised.uuid},
    ),
    Page("archive an organisation", "moderation:archive", roles=("moderator",), kwargs=org),
    Page(
        "purge an organisation",
        "moderation:purge",
        roles=("moderator",),
        kwargs=lambda s: {"org": s.world.archived.uuid},
    ),
    Page(
        "a reported problem",
        "moderation:report",
        roles=("moderator",),
        kwargs=lambda s: {"pk": s.world.problem_report.pk},
    ),
    Page(
        "claim request",
        "moderation:claim",
        roles=("moderator",),
        kwargs=lambda s: {"pk": s.world.unclaimed_claim.pk},
        submits=(Submit("Record decision", {"decision": "decline"}),),
    ),
    Page(
        "commissioner to verify",
        "moderation:commissioner",
        roles=("moderator",),
        kwargs=lambda s: {"pk": s.world.pending_commissioner.pk},
    ),
    Page(
        "import organisations",
        "import_upload",
        roles=("moderator",),
        submits=(
            Submit("Check the file"),
            Submit(
                "Check the file",
                {"file": {"name": "list.csv", "mimeType": "text/csv", "buffer": IMPORT_CSV}},
                shows="text=This is a dry run",
            ),
            Submit("Import the valid rows", shows="h1:has-text('Import of list.csv finished')"),
        ),
    ),
    # Shortlists, saved searches and messages
    Page("shortlists", "shortlists:list", roles=("admin", "newcomer")),
    Page(
        "new shortlist",
        "shortlists:create",
        roles=("admin",),
        submits=(Submit("Create shortlist"),),
    ),
    Page(
        "add to a shortlist",
        "shortlists:add",
        roles=("admin",),
        query="?organisation=organisation-b",
    ),
    Page(
        "a shortlist",
        "shortlists:detail",
        roles=("admin",),
        kwargs=shortlist,
        submits=(Submit("Share"),),
    ),
    Page("a shortlist shared with you", "shortlists:detail", roles=("partner",), kwargs=shortlist),
    Page("rename a shortlist", "shortlists:edit", roles=("admin",), kwargs=shortlist),
    Page("delete a shortlist", "shortlists:delete", roles=("admin",), kwargs=shortlist),
    Page("compare", "shortlists:compare", roles=("admin",), kwargs=shortlist),
    Page("print a shortlist", "shortlists:print", roles=("admin",), kwargs=shortlist),
    Page(
        "message a shortlist",
        "shortlists:contact",
        roles=("admin",),
        kwargs=shortlist,
        submits=(Submit("Send message"),),
    ),
    Page(
        "note on a shortlisted organisation",
        "shortlists:item_note",
        roles=("admin",),
        kwargs=lambda s: {**shortlist(s), "item": s.world.shortlist_item.pk},
    ),
    Page("saved searches", "saved_searches:list", roles=("admin",)),
    Page("save a search", "saved_searches:create", roles=("admin",), query="?region=london"),
    Page(
        "save a search of opportunities",
        "saved_searches:create_opportunities",
        roles=("admin",),
        query="?region=north-west",
    ),
    Page("change a saved search", "saved_searches:edit", roles=("admin",), kwargs=saved_search),
    Page("delete a saved search", "saved_searches:delete", roles=("admin",), kwargs=saved_search),
    Page(
        "message an organisation",
        "contact_organisation",
        roles=("commissioner",),
        kwargs=slug,
        submits=(Submit("Send message"),),
    ),
    Page(
        "you cannot message organisations yet",
        "contact_organisation",
        roles=("newcomer",),
        kwargs=slug,
        status=403,
    ),
    Page("who may message you", "contact_preferences", roles=("admin",), kwargs=slug),
    # Offer appraisal
    Page("offer appraisal", "consortia:offer_appraisal", roles=("anonymous", "admin")),
    Page(
        "offer appraisal, results",
        "consortia:offer_appraisal",
        roles=("anonymous", "admin"),
        query="?" + urlencode(OFFER_APPRAISAL_INPUTS),
    ),
    Page(
        "offer appraisal, errors",
        "consortia:offer_appraisal",
        query="?" + urlencode(APPRAISAL_ERRORS),
    ),
    Page("saved appraisals", "consortia:offer_appraisal_list", roles=("admin",)),
    Page(
        "compare appraisals",
        "consortia:offer_appraisal_compare",
        roles=("admin",),
        query=lambda s: f"?appraisals={s.world.appraisal.pk}&appraisals={s.second_appraisal.pk}",
    ),
    Page("an appraisal", "consortia:offer_appraisal_detail", roles=("admin",), kwargs=appraisal),
    Page(
        "rename an appraisal",
        "consortia:offer_appraisal_rename",
        roles=("admin",),
        kwargs=appraisal,
    ),
    Page(
        "delete an appraisal",
        "consortia:offer_appraisal_delete",
        roles=("admin",),
        kwargs=appraisal,
    ),
    # Opportunities and consortia
    Page("opportunities", "opportunities:list", roles=("anonymous", "admin")),
    # Signed out; its poster (A's admin); a member of another organisation, who may respond;
    # one whose organisation has responded; a commissioner; someone who may not respond.
    Page(
        "opportunity",
        "opportunities:detail",
        roles=("anonymous", "admin", "stranger", "partner", "commissioner", "newcomer"),
        kwargs=opportunity,
    ),
    Page(
        "express interest",
        "opportunities:detail",
        roles=("stranger",),
        kwargs=opportunity,
        submits=(Submit("Send expression of interest"),),
    ),
    Page(
        "post an opportunity",
        "opportunities:create",
        roles=("admin", "commissioner"),
        submits=(Submit("Publish opportunity"),),
    ),
    Page(
        "you cannot post opportunities yet",
        "opportunities:create",
        roles=("newcomer",),
        status=403,
    ),
    Page("responses", "opportunities:responses", roles=("admin",), kwargs=opportunity),
    Page(
        "a response",
        "opportunities:response_decide",
        roles=("admin",),
        kwargs=lambda s: {**opportunity(s), "pk": s.world.expression_of_interest.pk},
    ),
    Page("consortia", "partnerships:consortium_list", roles=("anonymous", "admin")),
    Page(
        "form a consortium",
        "partnerships:consortium_create",
        roles=("admin",),
        submits=(Submit("Start the consortium"),),
    ),
    Page("consortium", "partnerships:consortium_detail", roles=("admin",), kwargs=consortium),
    Page(
        "consortium, invited",
        "partnerships:consortium_detail",
        roles=("partner",),
        kwargs=consortium,
    ),
    Page(
        "invite to a consortium",
        "partnerships:consortium_invite",
        roles=("admin",),
        kwargs=consortium,
        submits=(Submit("Send invitation"),),
    ),
    Page(
        "hand over leadership",
        "partnerships:consortium_leadership",
        roles=("admin",),
        kwargs=consortium,
    ),
    Page(
        "leave a consortium",
        "partnerships:consortium_leave",
        roles=("admin",),
        kwargs=lambda s: {**consortium(s), "pk": s.world.lead_membership.pk},
    ),
    Page("find partners", "partnerships:find_partners", roles=("admin",), kwargs=org),
    Page(
        "partnership interest",
        "partnerships:interest",
        roles=("admin",),
        kwargs=org,
        submits=(Submit("Add"),),
    ),
]


CASES = [
    pytest.param(case, role, id=f"{case.label} [{role}]") for case in PAGES for role in case.roles
]


# --- The pages' data ---


@dataclass(frozen=True)
class Site:
    """tests/world.py's world, what only these pages need, and the live server's address."""

    world: World
    revised: object  # published, with changes to its details waiting for review
    pending: object  # published, with a new service and changed evidence waiting for review
    sent_back: object  # published, its changes sent back to the owners by a moderator
    adminless: object  # published, its last admin gone
    second_appraisal: object
    url: str = ""


def _market() -> None:
    """Organisations on the real taxonomies, spread so that market coverage has every shade."""
    regions, pathways = list(Region.objects.all()), list(Pathway.objects.all())
    women = ClientGroup.objects.get(slug="women")
    custody = DeliverySetting.objects.get(slug="custody")
    for n in range(12):
        ServiceFactory(
            organisation=OrganisationFactory(name=f"Harbour Trust {n}"),
            pathways=pathways[: 1 + n % 4],
            regions=regions[n % 5 : n % 5 + 3],
            client_groups=[women] if n % 3 else [],
            settings=[custody] if n % 2 else [],
            accepting_referrals=n % 2 == 0,
        )


def _with_changes_waiting(editor):
    """A published organisation whose editor added a service and changed its evidence."""
    service = ServiceFactory(organisation__name="Harbour Trust", name="Through the gate")
    organisation = service.organisation
    evidence = EvidenceItemFactory(organisation=organisation, title="Outcomes 2023")
    MembershipFactory(user=editor, organisation=organisation, role="editor")
    new = Service(name="Cymru Mentoring", description="Mentors in Cardiff")
    terms = {"pathways": service.pathways.all(), "regions": service.regions.all()}
    services.service_save(
        organisation=organisation, service=new, expected_version=1, m2m=terms, user=editor
    )
    changed = EvidenceItem.objects.get(pk=evidence.pk)
    changed.title = "Outcomes 2023 (revised)"
    services.evidence_save(organisation=organisation, evidence=changed, expected_version=2)
    return organisation


def _with_changes_sent_back(editor, moderator):
    """A published organisation whose editor's changes a moderator sent back."""
    organisation = ServiceFactory(organisation__name="Tideway Trust").organisation
    MembershipFactory(user=editor, organisation=organisation, role="editor")
    organisation.summary = "A new summary"
    services.organisation_section_save(
        organisation=organisation, expected_version=organisation.version, user=editor
    )
    moderation_services.revision_request_changes(
        revision=organisation.revisions.get(),
        moderator=moderator,
        reason="Say which prisons you work in",
    )
    return organisation


def build_site() -> Site:
    call_command("load_taxonomies", verbosity=0)
    world = build_world()
    JusticeDataLabEvidenceFactory(organisation=world.organisation, verified_by_moderator=True)
    ShortlistItemFactory(shortlist=world.shortlist, organisation=world.organisation)
    # The submission a moderator decides on has everything a profile can have.
    ServiceFactory(organisation=world.submitted)
    EvidenceItemFactory(organisation=world.submitted)
    MembershipFactory(organisation=world.submitted, role="admin")
    revised = OrganisationRevisionFactory(organisation__name="Revised Trust").organisation
    ProblemReportFactory(organisation=revised)
    site = Site(
        world=world,
        revised=revised,
        pending=_with_changes_waiting(world.users["editor"]),
        sent_back=_with_changes_sent_back(world.users["editor"], world.users["moderator"]),
        adminless=OrganisationFactory(
            name="Left Trust", is_unclaimed=True, admin_lost_at=timezone.now()
        ),
        second_appraisal=OfferAppraisalFactory(
            owner=world.users["admin"], organisation=world.organisation, name="Second offer"
        ),
    )
    _market()
    refresh_search_documents()
    call_command("export_open_data", stdout=io.StringIO())
    return site


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker, tmp_path_factory):
    # The tests ask for `db` so that pytest-django makes the test database: never empty another.
    assert connection.settings_dict["NAME"].startswith("test_"), "not the test database"
    folders = {
        "OPEN_DATA_ROOT": tmp_path_factory.mktemp("open-data"),
        "IMPORT_UPLOAD_ROOT": tmp_path_factory.mktemp("imports"),
    }
    with committed_for_the_module(django_db_blocker), override_settings(**folders):
        built = build_site()
        server = LiveServer("localhost")
        try:
            yield replace(built, url=server.url)
        finally:
            server.stop()


# --- Signed in, once per role ---


def _signed_in_by_password(client: Client, *, two_factor: bool) -> None:
    """Signed in and re-authenticated just now, as two-factor settings require."""
    user = verified_user()
    sign_in(client, user)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    if two_factor:
        activate_totp(user)
        RecoveryCodes.activate(user)


def _half_signed_in(client: Client) -> None:
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


class RoleContexts:
    """A browser context per role, signed in at the start by copying a test client's session
    into it, instead of typing it all. (The sign-in stages' re-authentication lasts five
    minutes: their cases come early in PAGES.)"""

    def __init__(self, browser, site: Site, roles):
        self.contexts = {role: self._open(browser, site, role) for role in roles}
        self.pages = {}

    def page(self, role: str):
        """The role's one page, kept open from test to test: a new page costs Chromium more
        than the test's own navigation and axe-core run (whatever a page held in it goes with
        the next navigation; the cookies are the context's either way)."""
        if role not in self.pages:
            page = self.contexts[role].new_page()
            page.set_default_timeout(10_000)
            self.pages[role] = page
        return self.pages[role]

    @staticmethod
    def _open(browser, site: Site, role: str):
        context = browser.new_context(base_url=site.url)
        context.add_init_script(path=AXE_JS)
        if role == "anonymous":
            return context
        if role in SIGN_IN_STAGES:
            client = Client()
            SIGN_IN_STAGES[role](client)
        else:
            client = client_for(site.world, role)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": site.url}]
        )
        return context

    def close(self) -> None:
        for context in self.contexts.values():
            context.close()


@pytest.fixture(scope="module")
def role_contexts(browser, site, django_db_blocker):
    with django_db_blocker.unblock():
        contexts = RoleContexts(browser, site, {role for case in PAGES for role in case.roles})
    yield contexts
    contexts.close()


@pytest.fixture
def tab(request, db, role_contexts, role):
    """A page of the role's context. (Asking for `db`, each test runs in a transaction that is
    rolled back: the module's data, committed before, stays as it is.)"""
    page = role_contexts.page(role)
    viewport = page.viewport_size
    yield page
    save_artefacts_if_failed(request, page)
    page.set_viewport_size(viewport)


# --- The test ---


def fill_in(form, fields: dict) -> None:
    for name, value in fields.items():
        control = form.locator(f'[name="{name}"]')
        if isinstance(value, dict):
            control.set_input_files(value)
        elif control.first.get_attribute("type") in ("radio", "checkbox"):
            form.locator(f'[name="{name}"][value="{value}"]').check()
        else:
            control.fill(value)


def send(page, submit: Submit):
    """Fill in and send the form; returns the answer."""
    form = page.locator("main form").filter(
        has=page.get_by_role("button", name=submit.button, exact=True)
    )
    button = form.get_by_role("button", name=submit.button, exact=True)
    if submit.blank:
        # Boxes in a closed conditional reveal are hidden: a person cannot fill them in.
        boxes = "input[type=text]:visible, input[type=email]:visible, textarea:visible"
        for box in form.locator(boxes).all():
            box.fill("")
    fill_in(form, submit.fields)
    with page.expect_navigation() as navigation:
        button.click()
    return navigation.value


@pytest.mark.parametrize("case,role", CASES)
def test_page_has_no_axe_violations(site, tab, case, role):
    if case.width:
        tab.set_viewport_size({"width": case.width, "height": 900})
    url = case.url(site)
    response = tab.goto(url)
    assert (response.status, response.url) == (case.status, site.url + url)
    opened = SitePage(tab)
    assert opened.heading.count() == 1, "exactly one h1"
    assert axe_violations(tab) == []
    for submit in case.submits:
        response = send(tab, submit)
        assert response.status == submit.status, f"{submit.button}: answered {response.status}"
        expect(tab.locator(submit.shows).first).to_be_visible()
        assert opened.heading.count() == 1, f"{submit.button}: exactly one h1"
        assert axe_violations(tab) == [], f"after {submit.button}"


@pytest.fixture
def tab_without_js(browser, request, db, site):
    yield from _new_page(browser, request, base_url=site.url, java_script_enabled=False)


def test_pages_work_without_javascript(tab_without_js):
    person = Person(tab_without_js, javascript=False)
    HomePage(person).open().search("Organisation A")
    SearchPage(person).open_result("Organisation A")
    expect(OrganisationPage(person).heading).to_have_text("Organisation A")


@pytest.mark.parametrize("role", ["anonymous"])
def test_skip_link_is_first_and_visible_on_focus(tab, role):
    HomePage(tab).open()
    tab.keyboard.press("Tab")
    focused = tab.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to main content"
    assert tab.evaluate("document.activeElement.getBoundingClientRect().height") > 0


# --- Reflow (WCAG 1.4.10) and page titles, on every page of the list ---

NARROWEST = 320  # CSS pixels: WCAG 1.4.10's width, 1280 pixels at 400% zoom


def assert_titled_by_heading(page: SitePage) -> None:
    """The page's title is its h1 (after "Error: " when it shows an error summary), then any
    further parts and the service's name, each after an en dash."""
    heading = " ".join(page.heading.inner_text().split())
    title = page.page.title()
    prefix = "Error: " if page.error_summary.count() else ""
    assert title.startswith(f"{prefix}{heading}"), f"title {title!r} for h1 {heading!r}"
    assert title.endswith(f" – {settings.SERVICE_NAME}"), title
    assert " - " not in title, f"a hyphen, not an en dash, between parts: {title!r}"


def links_without_govuk_focus_style(page) -> list[str]:
    """Visible links that, focused, lack GOV.UK's focus style (the yellow focus colour behind
    them, as `govuk-link` and every component's links have) and show the browser's instead."""
    return page.evaluate(
        """() => {
            const focusColour = 'rgb(255, 221, 0)';
            const before = document.activeElement;
            const links = [...document.querySelectorAll('a[href]')].filter((a) =>
                a.getClientRects().length && !a.closest('.govuk-visually-hidden'));
            const bare = links.filter((a) => {
                a.focus();
                return getComputedStyle(a).backgroundColor !== focusColour;
            }).map((a) => a.outerHTML.slice(0, 120));
            before && before.focus && before.focus();
            return bare.slice(0, 5);
        }"""
    )


@pytest.mark.parametrize("case,role", CASES)
def test_page_reflows_at_320_pixels_with_its_title_and_focus_styles(site, tab, case, role):
    tab.set_viewport_size({"width": NARROWEST, "height": 900})
    url = case.url(site)
    response = tab.goto(url)
    assert (response.status, response.url) == (case.status, site.url + url)
    opened = SitePage(tab)
    assert opened.sideways_overflow() == {}
    assert_titled_by_heading(opened)
    assert links_without_govuk_focus_style(tab) == []
    for submit in case.submits:
        send(tab, submit)
        assert opened.sideways_overflow() == {}, f"after {submit.button}"
        assert_titled_by_heading(opened)
        assert links_without_govuk_focus_style(tab) == [], f"after {submit.button}"


@pytest.fixture(params=[True, False], ids=["with JavaScript", "without JavaScript"])
def anonymous_tab(request, browser, db, site):
    yield from _new_page(browser, request, base_url=site.url, java_script_enabled=request.param)


@pytest.mark.parametrize("width", [1280, 375])
def test_a_wide_table_scrolls_in_its_own_region(anonymous_tab, width):
    """The appraisal's results: the page never scrolls sideways; the tables' regions can be
    scrolled by keyboard, and with JavaScript are a Tab stop only while they have more to show."""
    anonymous_tab.set_viewport_size({"width": width, "height": 900})
    appraisal = OfferAppraisalPage(anonymous_tab).open_appraised(OFFER_APPRAISAL_INPUTS)
    assert appraisal.sideways_overflow() == {}
    assert_titled_by_heading(appraisal)
    regions = appraisal.table_regions.evaluate_all(
        """(regions) => regions.map((region) => ({
            scrolls: region.scrollWidth > region.clientWidth,
            tabStop: region.getAttribute('tabindex') === '0',
            named: Boolean(region.getAttribute('aria-label')),
        }))"""
    )
    assert regions and all(region["named"] for region in regions)
    enhanced = "js-enabled" in anonymous_tab.locator("body").get_attribute("class")
    for region in regions:
        assert region["tabStop"] == (region["scrolls"] or not enhanced), region
    if width < 400:
        assert any(region["scrolls"] for region in regions)
