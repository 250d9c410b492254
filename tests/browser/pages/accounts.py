"""Signing up, in (with the two-factor step and its first set-up) and out; your account and
your organisation's members."""

import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from playwright.sync_api import Locator

from tests.accounts.helpers import PASSWORD
from tests.browser.pages.base import SitePage

TOTP_PERIOD = 30


def totp_code(secret: str) -> str:
    """The authenticator app's code, from a fresh 30-second window so it is still valid when
    it arrives (no earlier or later window is accepted)."""
    left = TOTP_PERIOD - time.time() % TOTP_PERIOD
    if left < 3:
        time.sleep(left)
    return format_hotp_value(hotp_value(secret, int(time.time()) // TOTP_PERIOD))


class SignInPage(SitePage):
    url_name = "account_login"

    @property
    def email(self) -> Locator:
        return self.page.get_by_label("Email address")

    @property
    def password(self) -> Locator:
        return self.page.get_by_label("Password", exact=True)

    def sign_in(self, email: str, password: str = PASSWORD) -> None:
        """Give the email address and password here (the sign-in page, or where a link to a
        page that needs signing in led)."""
        self.person.fill(self.email, email)
        self.person.fill(self.password, password)
        self.person.follow(self.page.get_by_role("button", name="Sign in"))

    def sign_in_from_menu(self, email: str, password: str = PASSWORD) -> None:
        self.go_to("Sign in")
        self.sign_in(email, password)


class SignOutPage(SitePage):
    url_name = "account_logout"

    def sign_out_from_menu(self) -> None:
        self.go_to("Sign out")
        self.person.follow(self.page.get_by_role("button", name="Sign out"))


class TwoFactorPage(SitePage):
    """The security code that follows the password for someone with an authenticator app."""

    url_name = "mfa_authenticate"

    @property
    def hint(self) -> Locator:
        return self.text("The 6-digit code your authenticator app shows now")

    def enter_code(self, code: str) -> None:
        self.person.fill(self.page.get_by_label("Enter your security code"), code)
        self.person.follow(self.page.get_by_role("button", name="Continue"))


class ReauthenticatePage(SitePage):
    """ "Enter your password" again, before a change to the account's security."""

    url_name = "account_reauthenticate"

    def confirm(self, password: str = PASSWORD) -> None:
        self.person.fill(self.page.get_by_label("Password", exact=True), password)
        self.person.follow(self.page.locator("main button[type=submit]").first)


class SetUpAuthenticatorPage(SitePage):
    url_name = "mfa_activate_totp"

    @property
    def hint(self) -> Locator:
        return self.text("The 6-digit code the app shows for this account")

    def secret(self) -> str:
        return self.page.locator("code.app-secret").text_content().strip()

    def turn_on(self, code: str) -> None:
        self.person.fill(self.page.get_by_label("Authenticator code"), code)
        button = self.page.get_by_role("button", name="Turn on two-factor authentication")
        self.person.follow(button)


class RecoveryCodesPage(SitePage):
    url_name = "mfa_view_recovery_codes"

    def continue_to_the_queue(self) -> None:
        self.follow_link("Continue to the moderation queue")


class SignUpPage(SitePage):
    url_name = "account_signup"

    @property
    def full_name(self) -> Locator:
        return self.page.get_by_label("Full name")

    @property
    def new_password(self) -> Locator:
        return self.page.get_by_label("Create a password")

    @property
    def confirm_password(self) -> Locator:
        return self.page.get_by_label("Confirm your password")

    @property
    def employer(self) -> Locator:
        """Asked of commissioners only: a question revealed by their answer."""
        return self.page.get_by_label("Name of the organisation you work for")

    @property
    def create_button(self) -> Locator:
        return self.page.get_by_role("button", name="Create account")

    def choose_commissioner(self) -> None:
        self.person.check(self.page.get_by_label("I commission or buy services"))

    def choose_provider(self) -> None:
        label = "I work for an organisation that delivers services"
        self.person.check(self.page.get_by_label(label))

    def fill_in(self, *, name: str, email: str, password: str) -> None:
        """Name, email address and password, and that they deliver services."""
        self.person.fill(self.full_name, name)
        self.person.fill(self.page.get_by_label("Email address"), email)
        self.person.fill(self.new_password, password)
        self.choose_provider()


class ConfirmEmailPage(SitePage):
    url_name = "account_confirm_email"

    def confirm(self) -> None:
        self.person.follow(self.page.get_by_role("button", name="Confirm"))


class AccountPage(SitePage):
    """Your account: your organisations, and what your roles let you do."""

    url_name = "account"

    @property
    def register_button(self) -> Locator:
        return self.page.get_by_role("button", name="Register an organisation")

    def register_an_organisation(self) -> None:
        self.person.follow(self.register_button)

    def open_organisation(self, name: str) -> None:
        """Its task list, from the first link that bears its name."""
        self.person.follow(self.link(name, exact=True).first)

    def edit_profile(self, name: str) -> None:
        self.follow_link(f"Edit profile of {name}")

    def manage_members(self, name: str) -> None:
        self.follow_link(f"Manage members of {name}")

    def open_moderation_queue(self) -> None:
        self.follow_link("Go to the moderation queue")

    def open_consortia(self) -> None:
        self.follow_link("Consortia")


class MembersPage(SitePage):
    url_name = "accounts_members"

    def member(self, email: str) -> Locator:
        return self.page.get_by_role("cell", name=email, exact=True)

    def invite(self, email: str, role: str) -> None:
        """Invite someone by email address; `role` is the start of the role's label."""
        self.follow_link("Invite someone")
        self.person.fill(self.page.get_by_label("Their email address"), email)
        self.person.check(self.page.get_by_label(role))
        self.person.follow(self.page.get_by_role("button", name="Send invitation"))
