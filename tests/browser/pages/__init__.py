"""Page objects for the browser tests: one class per page type, holding its address, its
locators and what a person does there, so that tests say what happens, not how to find it.

A page object is built on a Playwright page or on a `Person` (people.py), who acts through
the pointer or the keyboard alone; journeys written once run both ways.
"""

from tests.browser.pages.accounts import (
    AccountPage,
    ConfirmEmailPage,
    MembersPage,
    ReauthenticatePage,
    RecoveryCodesPage,
    SetUpAuthenticatorPage,
    SignInPage,
    SignOutPage,
    SignUpPage,
    TwoFactorPage,
    totp_code,
)
from tests.browser.pages.base import SitePage
from tests.browser.pages.consortia import (
    ConsortiaPage,
    ConsortiumPage,
    InvitePage,
    OfferAppraisalPage,
    OpportunitiesPage,
    OpportunityFormPage,
    OpportunityPage,
    ResponsesPage,
)
from tests.browser.pages.moderation import ModerationQueuePage, ReviewPage
from tests.browser.pages.opendata import ApiGuidePage, ApiReferencePage, MarketCoveragePage
from tests.browser.pages.people import KeyboardPerson, Person
from tests.browser.pages.registration import (
    CheckAnswersPage,
    EvidencePage,
    LocationPage,
    NewOrganisationPage,
    SectionPage,
    ServicesPage,
    StartPage,
    TaskListPage,
)
from tests.browser.pages.search import (
    ContactPage,
    HomePage,
    OrganisationPage,
    ReportProblemPage,
    SearchPage,
)
from tests.browser.pages.shortlists import ComparePage, SaveSearchPage, ShortlistPage

__all__ = [
    "AccountPage",
    "ApiGuidePage",
    "ApiReferencePage",
    "CheckAnswersPage",
    "ComparePage",
    "ConfirmEmailPage",
    "ConsortiaPage",
    "ConsortiumPage",
    "ContactPage",
    "EvidencePage",
    "HomePage",
    "InvitePage",
    "KeyboardPerson",
    "LocationPage",
    "MarketCoveragePage",
    "MembersPage",
    "ModerationQueuePage",
    "NewOrganisationPage",
    "OfferAppraisalPage",
    "OpportunitiesPage",
    "OpportunityFormPage",
    "OpportunityPage",
    "OrganisationPage",
    "Person",
    "ReauthenticatePage",
    "RecoveryCodesPage",
    "ReportProblemPage",
    "ResponsesPage",
    "ReviewPage",
    "SaveSearchPage",
    "SearchPage",
    "SectionPage",
    "ServicesPage",
    "SetUpAuthenticatorPage",
    "ShortlistPage",
    "SignInPage",
    "SignOutPage",
    "SignUpPage",
    "SitePage",
    "StartPage",
    "TaskListPage",
    "TwoFactorPage",
    "totp_code",
]
