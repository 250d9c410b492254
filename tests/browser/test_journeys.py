"""The journeys of issue 9, clicked through as people use the site.

1. A charity creates an account, confirms its email address, registers over two visits,
   invites a colleague and submits its profile.
2. A moderator signs in with two-factor authentication and asks for a change; the charity
   makes it; the moderator approves and the entry appears in search.
3. A commissioner searches with words, filters and a postcode, shortlists three results,
   saves the search, compares the three and downloads the shortlist as CSV.
4. An organisation posts an opportunity, another responds, the first accepts and they form
   a consortium.
5. A visitor appraises a subcontract offer, then reports a problem with an entry.

Each runs with JavaScript on and off. Journeys 1 and 3 run again by keyboard alone (Tab,
Enter and Space, and typing into fields): every element Tab reaches must show a focus
indicator, and focus must land on the error summary after a failed submit.

People act through `Person` (pointer) or `KeyboardPerson` on the page objects of
tests/browser/pages/; the journeys are written once. Links in emails are read from Django's
test outbox and opened like a mail reader would.
"""

import csv
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import MODERATORS_GROUP, Membership
from consortia.models import ConsortiumMembership, ExpressionOfInterest
from directory.moderation.models import ProblemReport
from directory.organisations.models import Organisation, Pathway, Region
from directory.registration import services
from directory.search.models import SavedSearch
from directory.search.search_index import refresh_search_documents
from tests.accounts.helpers import activate_totp
from tests.browser.conftest import _new_page
from tests.browser.pages import (
    AccountPage,
    CheckAnswersPage,
    ComparePage,
    ConfirmEmailPage,
    ConsortiaPage,
    ConsortiumPage,
    EvidencePage,
    HomePage,
    InvitePage,
    KeyboardPerson,
    LocationPage,
    MembersPage,
    ModerationQueuePage,
    NewOrganisationPage,
    OfferAppraisalPage,
    OpportunitiesPage,
    OpportunityFormPage,
    OpportunityPage,
    OrganisationPage,
    Person,
    ReportProblemPage,
    ResponsesPage,
    ReviewPage,
    SaveSearchPage,
    SearchPage,
    SectionPage,
    ServicesPage,
    ShortlistPage,
    SignInPage,
    SignOutPage,
    SignUpPage,
    SitePage,
    StartPage,
    TaskListPage,
    TwoFactorPage,
    totp_code,
)
from tests.factories import (
    CommissionerProfileFactory,
    DeliveryLocationFactory,
    MembershipFactory,
    OrganisationFactory,
    ServiceFactory,
    ShortlistFactory,
    pdf_document,
    verified_user,
)

PASSWORD = "a-long-test-password"  # tests.factories.UserFactory's password
PDF_BYTES = pdf_document()


def _windows(request, browser, live_server, settings, *, javascript: bool, person=Person):
    """Opens a browser window (a fresh context) for each person in the journey; each saves
    its own screenshot and HTML if the test fails."""
    settings.SITE_URL = live_server.url  # so the links in emails lead to the live server
    opened = []

    def open_window(who: str) -> Person:
        pages = _new_page(
            browser,
            request,
            window=f"-{who}",
            base_url=live_server.url,
            java_script_enabled=javascript,
        )
        opened.append(pages)
        return person(next(pages), javascript=javascript)

    yield open_window
    for pages in opened:
        next(pages, None)


@pytest.fixture(params=[True, False], ids=["js", "no-js"])
def open_window(request, browser, live_server, settings):
    yield from _windows(request, browser, live_server, settings, javascript=request.param)


@pytest.fixture
def open_keyboard_window(request, browser, live_server, settings):
    yield from _windows(
        request, browser, live_server, settings, javascript=True, person=KeyboardPerson
    )


@pytest.fixture
def taxonomies(transactional_db):
    call_command("load_taxonomies", verbosity=0)


# --- Helpers shared by the journeys ---


def email_to(to: str) -> mail.EmailMessage:
    """The latest email sent to the address."""
    return next(message for message in reversed(mail.outbox) if to in message.to)


def link_in_email(to: str, path_part: str) -> str:
    """The link containing `path_part` in the latest email to `to` that has one."""
    for message in reversed(mail.outbox):
        if to in message.to:
            for url in re.findall(r"https?://\S+", message.body):
                if path_part in url:
                    return url
    raise AssertionError(f"No email to {to} with a link to {path_part}")


# --- 1. A charity registers ---

CHARITY_EMAIL = "amara@anchor.example.org"
COLLEAGUE_EMAIL = "jo@anchor.example.org"
CHARITY = "Anchor Women's Project"


def create_account(person: Person) -> None:
    """Sign up from the home page, first forgetting to confirm the password."""
    home = HomePage(person).open()
    home.create_an_account()
    sign_up = SignUpPage(person)
    sign_up.fill_in(name="Amara Okafor", email=CHARITY_EMAIL, password="anchor-women-2026")
    person.submit_with_errors(sign_up.create_button)
    expect(sign_up.error_summary).to_contain_text("Confirm your password")
    expect(sign_up.full_name).to_have_value("Amara Okafor")
    # Passwords are never sent back to the browser: both are typed again.
    person.fill(sign_up.new_password, PASSWORD)
    person.fill(sign_up.confirm_password, PASSWORD)
    person.follow(sign_up.create_button)
    expect(sign_up.heading).to_have_text("Check your email")


def confirm_email(person: Person) -> None:
    person.page.goto(link_in_email(CHARITY_EMAIL, "/accounts/confirm-email/"))
    confirmation = ConfirmEmailPage(person)
    confirmation.confirm()
    expect(confirmation.heading).to_have_text("Your account")


def first_visit(person: Person) -> None:
    """Start the registration; complete the organisation's details, what it does, and its
    services."""
    AccountPage(person).register_an_organisation()
    StartPage(person).start_now()
    NewOrganisationPage(person).name_it(CHARITY, charity_number="1190001")
    tasks = TaskListPage(person)
    expect(tasks.heading).to_have_text(CHARITY)

    tasks.open_section("About the organisation")
    section = SectionPage(person)
    section.legal_form("Registered charity (unincorporated or trust)", year_founded="2012")
    expect(section.charity_number).to_have_value("1190001")
    section.save_and_continue()
    section.contact(
        email="hello@anchor.example.org",
        address="1 Quay Street",
        town="Manchester",
        postcode="M1 1AE",
    )

    tasks.open_section("What you do")
    section.what_you_do(
        "Housing and support for women leaving prison", "We find homes and stay alongside women."
    )

    tasks.open_section("Services")
    services_page = ServicesPage(person)
    services_page.add_service(
        name="Women's housing support",
        description="Finding and keeping a home",
        pathway="Accommodation",
        region="North West",
        accepting=True,
    )
    services_page.add_location("Women's housing")
    location = LocationPage(person)
    location.fill_in("The Anchor Hub", postcode="M1 1AE")
    location.save()
    services_page.save_and_continue()
    expect(tasks.progress(3)).to_be_visible()


def second_visit(person: Person) -> None:
    """Back from the account page: size, evidence, quality marks and partnerships."""
    AccountPage(person).open_organisation(CHARITY)
    tasks = TaskListPage(person)
    expect(tasks.progress(3)).to_be_visible()

    tasks.open_section("Size and capacity")
    section = SectionPage(person)
    section.size(income="Under £10,000", staff="4", volunteers="20", people="120")

    tasks.open_section("Evidence of impact")
    evidence = EvidencePage(person)
    evidence.add_evidence()
    evidence.describe(
        kind="Justice Data Lab report",
        title="Justice Data Lab 2024",
        year="2024",
        findings="Fewer women reoffended",
        level=1,
    )
    evidence.upload_report("jdl.pdf", PDF_BYTES)
    evidence.justice_data_lab_figures(cohort="84", supported="22", comparison="31")
    evidence.save()
    expect(evidence.report_link).to_be_visible()
    evidence.save_and_continue()

    tasks.open_section("Quality marks")
    section.quality_marks("Trusted Charity")

    tasks.open_section("Partnership interest")
    section.partnership("Subcontractor")
    expect(tasks.progress(7)).to_be_visible()


def invite_colleague(person: Person) -> None:
    account = AccountPage(person)
    account.go_to("Your account")
    account.manage_members(CHARITY)
    members = MembersPage(person)
    members.invite(COLLEAGUE_EMAIL, role="Editor: can edit the organisation's profile")
    expect(members.member(COLLEAGUE_EMAIL)).to_be_visible()
    assert "/account/invitations/" in link_in_email(COLLEAGUE_EMAIL, "/account/invitations/")


def submit_for_review(person: Person) -> None:
    account = AccountPage(person)
    account.go_to("Your account")
    account.open_organisation(CHARITY)
    TaskListPage(person).check_answers()
    check = CheckAnswersPage(person)
    expect(check.text("hello@anchor.example.org")).to_be_visible()
    check.submit_for_review()
    expect(check.heading).to_have_text("Profile submitted for review")


def register_a_charity(person: Person) -> None:
    create_account(person)
    confirm_email(person)
    first_visit(person)
    SignOutPage(person).sign_out_from_menu()
    expect(SitePage(person).menu).to_contain_text("Sign in")
    SignInPage(person).sign_in_from_menu(CHARITY_EMAIL)
    second_visit(person)
    invite_colleague(person)
    submit_for_review(person)

    organisation = Organisation.objects.get(name=CHARITY)
    assert organisation.status == Organisation.Status.SUBMITTED
    assert set(organisation.completed_sections) == set(services.SECTIONS)
    assert organisation.memberships.get().user.full_name == "Amara Okafor"
    assert organisation.evidence_items.get().document
    assert organisation.services.get().locations.get().latitude is not None


def test_a_charity_registers(open_window, taxonomies):
    register_a_charity(open_window("charity"))


def test_a_charity_registers_by_keyboard(open_keyboard_window, taxonomies):
    register_a_charity(open_keyboard_window("charity"))


# --- 2. A moderator asks for a change, then approves ---


@pytest.fixture
def submission(taxonomies):
    """A charity's submitted profile, and a moderator with an authenticator app."""
    charity = verified_user(email="kim@harbour.example.org", full_name="Kim Harbour")
    organisation = OrganisationFactory(
        name="Harbour Light Trust",
        slug="harbour-light-trust",
        status=Organisation.Status.SUBMITTED,
        completed_sections=list(services.SECTIONS),
        summary="Mentoring for men leaving HMP Liverpool",
        published_at=None,
        last_verified_at=None,
    )
    MembershipFactory(user=charity, organisation=organisation, role=Membership.Role.ADMIN)
    ServiceFactory(
        organisation=organisation,
        pathways=[Pathway.objects.get(slug="education-skills-and-work")],
        regions=[Region.objects.get(slug="north-west")],
    )
    moderator = verified_user(email="morgan@moderators.example.org", full_name="Morgan Mod")
    moderator.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    return {"charity": charity, "moderator": moderator, "secret": activate_totp(moderator)}


def moderator_decides(person: Person, decision: str, message: str = "") -> None:
    account = AccountPage(person)
    account.go_to("Your account")
    account.open_moderation_queue()
    ModerationQueuePage(person).open_review("Harbour Light Trust")
    ReviewPage(person).decide(decision, message)


def test_a_moderator_requests_a_change_then_approves(open_window, submission):
    moderator = open_window("moderator")
    HomePage(moderator).open()
    SignInPage(moderator).sign_in_from_menu(submission["moderator"].email)
    two_factor = TwoFactorPage(moderator)
    expect(two_factor.heading).to_have_text("Enter your security code")
    two_factor.enter_code(totp_code(submission["secret"]))
    # A moderator's sign-in lands on the queue.
    expect(two_factor.heading).to_have_text("Moderation")
    moderator_decides(
        moderator, "Request changes", "Say which prison you work in, not only the city."
    )
    queue = ModerationQueuePage(moderator)
    expect(queue.empty).to_be_visible()
    organisation = Organisation.objects.get(slug="harbour-light-trust")
    assert organisation.status == Organisation.Status.CHANGES_REQUESTED

    charity = open_window("charity")
    email = submission["charity"].email
    assert "Say which prison you work in" in email_to(email).body
    charity.page.goto(link_in_email(email, "/register/"))
    SignInPage(charity).sign_in(email)
    tasks = TaskListPage(charity)
    expect(tasks.heading).to_have_text("Harbour Light Trust")
    tasks.open_section("What you do")
    section = SectionPage(charity)
    charity.fill(section.summary, "Mentoring for men leaving HMP Altcourse")
    section.save_and_continue()
    tasks.check_answers()
    check = CheckAnswersPage(charity)
    check.submit_for_review()
    expect(check.heading).to_have_text("Profile submitted for review")

    moderator_decides(moderator, "Approve")
    expect(queue.empty).to_be_visible()
    organisation.refresh_from_db()
    assert organisation.status == Organisation.Status.PUBLISHED

    visitor = open_window("visitor")
    HomePage(visitor).open().search("Altcourse")
    search = SearchPage(visitor)
    search.open_result("Harbour Light Trust")
    expect(search.text("Mentoring for men leaving HMP Altcourse")).to_be_visible()


# --- 3. A commissioner searches, shortlists, compares and exports ---

SHORTLISTED = ["Bolton Bridge Mentors", "Northern Lights Mentoring", "Salford Steps"]


@pytest.fixture
def market(taxonomies):
    """Three mentoring services near Manchester in the North West for work, and four that
    each miss one of: the words, the postcode, the region, the pathway."""
    commissioner = verified_user(email="sam@probation.example.gov.uk", full_name="Sam Cole")
    CommissionerProfileFactory(
        user=commissioner, verification_status="verified", verified_at=timezone.now()
    )
    ShortlistFactory(owner=commissioner, name="Greater Manchester mentoring")
    manchester, london = (53.4794, -2.2453), (51.5010, -0.1416)
    work, housing = "education-skills-and-work", "accommodation"
    for name, service, pathway, region, place in [
        (SHORTLISTED[0], "Mentoring into work", work, "north-west", manchester),
        (SHORTLISTED[1], "Peer mentoring", work, "north-west", manchester),
        (SHORTLISTED[2], "Mentoring at 18", work, "north-west", manchester),
        ("Quay Kitchen", "Catering jobs", work, "north-west", manchester),
        ("Thames Mentors", "Mentoring into work", work, "london", london),
        ("Stockport Steps", "Mentoring into work", work, "greater-manchester", manchester),
        ("Mancunian Homes", "Mentoring in a tenancy", housing, "north-west", manchester),
    ]:
        words = f"{service} for people leaving prison"
        organisation = OrganisationFactory(
            name=name, slug=name.lower().replace(" ", "-"), summary=words, description=words
        )
        offered = ServiceFactory(
            organisation=organisation,
            name=service,
            description=words,
            pathways=[Pathway.objects.get(slug=pathway)],
            regions=[Region.objects.get(slug=region)],
        )
        DeliveryLocationFactory(service=offered, latitude=place[0], longitude=place[1])
    refresh_search_documents()
    return commissioner


def search_the_market(person: Person) -> None:
    search = SearchPage(person)
    search.go_to("Find organisations")
    search.search("mentoring", postcode="M1 1AE")
    expect(search.result_count).to_have_text("5 organisations")
    search.filter_by("Region", re.compile(r"^North West \("))
    expect(search.result_count).to_have_text("4 organisations")
    search.filter_by("Pathway", re.compile(r"^Education, skills and work \("))
    expect(search.result_count).to_have_text("3 organisations")
    assert sorted(search.result_titles.all_inner_texts()) == SHORTLISTED


def shortlist_results(person: Person) -> None:
    search = SearchPage(person)
    for name in SHORTLISTED:
        search.add_to_shortlist(name)
        message = f"{name} added to “Greater Manchester mentoring”"
        expect(search.text(message)).to_be_visible()


def save_the_search(person: Person) -> None:
    SearchPage(person).save_this_search()
    saving = SaveSearchPage(person)
    person.submit_with_errors(saving.save_button)
    saving.save("Mentoring near Manchester")
    expect(saving.link("Mentoring near Manchester", exact=True)).to_be_visible()


def compare_and_export(person: Person) -> None:
    shortlist = ShortlistPage(person)
    shortlist.follow_link("Your shortlists")
    shortlist.follow_link("Greater Manchester mentoring")
    shortlist.compare(SHORTLISTED)
    comparison = ComparePage(person)
    expect(comparison.column_headers).to_have_text(SHORTLISTED)
    comparison.back_to_the_shortlist()
    download = shortlist.download_csv()
    with open(download.path(), encoding="utf-8-sig", newline="") as exported:
        rows = list(csv.DictReader(exported))
    assert [row["Name"] for row in rows] == SHORTLISTED
    assert {row["Town"] for row in rows} == {"Manchester"}


def commission(person: Person, commissioner) -> None:
    HomePage(person).open()
    SignInPage(person).sign_in_from_menu(commissioner.email)
    search_the_market(person)
    shortlist_results(person)
    save_the_search(person)
    compare_and_export(person)

    saved = SavedSearch.objects.get(owner=commissioner)
    for part in ["q=mentoring", "postcode=M1", "region=north-west", "pathway=education"]:
        assert part in saved.query_string


def test_a_commissioner_shortlists_compares_and_exports(open_window, market):
    commission(open_window("commissioner"), market)


def test_a_commissioner_shortlists_compares_and_exports_by_keyboard(open_keyboard_window, market):
    commission(open_keyboard_window("commissioner"), market)


# --- 4. An opportunity leads to a consortium ---


@pytest.fixture
def two_organisations(taxonomies):
    poster = verified_user(email="lee@anchor.example.org", full_name="Lee Anchor")
    responder = verified_user(email="ravi@gate.example.org", full_name="Ravi Gate")
    anchor = OrganisationFactory(name="Anchor Housing", slug="anchor-housing")
    gate = OrganisationFactory(name="Gate Mentors", slug="gate-mentors")
    MembershipFactory(user=poster, organisation=anchor, role=Membership.Role.ADMIN)
    MembershipFactory(user=responder, organisation=gate, role=Membership.Role.ADMIN)
    ServiceFactory(organisation=gate, name="Through the gate mentoring")
    return {"poster": poster, "responder": responder}


def test_an_opportunity_becomes_a_consortium(open_window, two_organisations):
    poster = open_window("poster")
    HomePage(poster).open()
    SignInPage(poster).sign_in_from_menu(two_organisations["poster"].email)
    board = OpportunitiesPage(poster)
    board.go_to("Opportunities")
    board.post_an_opportunity()
    form = OpportunityFormPage(poster)
    form.fill_in(
        title="Mentors for a Manchester housing contract",
        description="We need mentoring partners.",
        ticked=["North West", "Accommodation", "Subcontractor", "£50,000 to £250,000"],
    )
    form.close_on_date(timezone.localdate() + timedelta(days=30))
    form.publish()
    expect(form.text("Opportunity published")).to_be_visible()

    responder = open_window("responder")
    HomePage(responder).open()
    SignInPage(responder).sign_in_from_menu(two_organisations["responder"].email)
    board = OpportunitiesPage(responder)
    board.go_to("Opportunities")
    board.open_opportunity("Mentors for a Manchester housing contract")
    opportunity = OpportunityPage(responder)
    opportunity.express_interest(
        "We mentor 200 people a year.", service="Through the gate mentoring (Gate Mentors)"
    )
    expect(opportunity.text("Your expression of interest was sent")).to_be_visible()

    poster.page.goto(link_in_email(two_organisations["poster"].email, "/responses/"))
    responses = ResponsesPage(poster)
    responses.decide("Gate Mentors", "Accepted", message="Welcome aboard")
    expect(responses.status("Accepted")).to_be_visible()
    assert ExpressionOfInterest.objects.get().status == ExpressionOfInterest.Status.ACCEPTED

    account = AccountPage(poster)
    account.go_to("Your account")
    account.open_consortia()
    ConsortiaPage(poster).start(
        name="Manchester Homes and Mentors",
        purpose="Housing with a mentor for every tenant",
        ticked=["North West", "Accommodation", "Forming", "Public"],
    )
    consortium = ConsortiumPage(poster)
    consortium.invite_an_organisation()
    invite = InvitePage(poster)
    invite.choose_organisation("Gate Mentors")
    invite.propose_role("Mentoring subcontractor")
    invite.send()
    expect(consortium.text("Gate Mentors, as Mentoring subcontractor")).to_be_visible()

    responder.page.goto(link_in_email(two_organisations["responder"].email, "/consortia/"))
    joined = ConsortiumPage(responder)
    joined.accept_for("Gate Mentors")
    expect(joined.member("Gate Mentors")).to_be_visible()
    expect(joined.member("Anchor Housing")).to_be_visible()
    assert ConsortiumMembership.objects.filter(status="accepted").count() == 2


# --- 5. A visitor appraises an offer and reports a problem ---

APPRAISAL = {
    "Contract length, in months": "12",
    "Expected referrals per month": "5",
    "Price per person, in pounds": "2000",
    "Share paid as fee for service": "40",
    "Share paid on results": "50",
    "Delay from the start of support to the results payment, in months": "6",
    "Low outcome rate": "20",
    "Expected outcome rate": "35",
    "High outcome rate": "50",
    "Fixed costs per month, in pounds (optional)": "4000",
}


@pytest.fixture
def listed(transactional_db):
    return OrganisationFactory(name="Second Chances Trust", slug="second-chances-trust")


def test_a_visitor_appraises_an_offer_and_reports_a_problem(open_window, listed):
    visitor = open_window("visitor")
    appraisal = OfferAppraisalPage(visitor).open()
    appraisal.fill_in_by_label(APPRAISAL)
    visitor.submit_with_errors(appraisal.appraise_button)
    expect(appraisal.error_summary).to_contain_text("must add up to 100%")
    appraisal.fill_in_by_label({"Share paid on results": "60"})
    appraisal.appraise()
    expect(appraisal.results_heading).to_be_visible()
    expect(appraisal.cash_chart).to_be_visible()

    search = SearchPage(visitor)
    search.go_to("Find organisations")
    search.open_result("Second Chances Trust")
    OrganisationPage(visitor).report_a_problem()
    report = ReportProblemPage(visitor)
    report.report("The phone number is old")
    expect(report.heading).to_have_text("Report sent")
    assert ProblemReport.objects.get().description == "The phone number is old"
