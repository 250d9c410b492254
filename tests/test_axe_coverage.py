"""Every named URL pattern that renders an HTML page has an axe-core case in PAGES
(tests/browser/test_accessibility.py), the one list of them; so do every role and the error
states of the forms people most use."""

from tests.browser.test_accessibility import PAGES
from tests.test_permission_matrix import named_url_patterns
from tests.world import ROLES

EXCLUDED = {
    # Files and data, not pages: CSV, JSON, PDF and text downloads and the APIs.
    "healthz",
    "directory:organisation_export_csv",
    "directory:organisation_export_json",
    "directory:evidence_document",
    "registration:evidence_document",
    "open_data_download",
    "shortlists:export_csv",
    "consortia:offer_appraisal_export",
    "accounts_download",
    "mfa_download_recovery_codes",
    "api_v1:schema",
    "api_v1:organisation-list",
    "api_v1:organisation-detail",
    "api_v1:opportunity-list",
    "api_v1:opportunity-detail",
    "oruk:root",
    "oruk:service_list",
    "oruk:service_detail",
    "oruk:service_at_location_list",
    "oruk:service_at_location_detail",
    "oruk:taxonomy_list",
    "oruk:taxonomy_detail",
    "oruk:taxonomy_term_list",
    "oruk:taxonomy_term_detail",
    # POST-only: a GET answers 405 (their forms are on pages covered above).
    "shortlists:record_search",
    "shortlists:share",
    "shortlists:share_revoke",
    "shortlists:invitation_revoke",
    "shortlists:item_remove",
    "shortlists:item_move",
    "accounts_end_other_sessions",
    "accounts_invitation_revoke",
    "registration:confirm_still_correct",
    "registration:claim_request_decide",
    "import_confirm",
    "moderation:restore",
    "moderation:evidence_verify",
    "consortia:offer_appraisal_save",
    "opportunities:withdraw",
    "partnerships:consortium_settings",
    "partnerships:consortium_membership_respond",
    "partnerships:interest_remove",
    # Redirect-only here: signing in by emailed code is off (ACCOUNT_LOGIN_METHODS is email and
    # password), and every account has a password, so "set a password" sends you to "change".
    "account_confirm_login_code",
    "account_set_password",
    # Redirect-only: the admin's sign-in is the site's (account_login).
    "admin_login",
}


def test_every_page_has_an_axe_case():
    names = set(named_url_patterns())
    covered = {case.url_name for case in PAGES if case.url_name}
    assert sorted(names - covered - EXCLUDED) == [], (
        "Pages without an axe-core case: add them to PAGES in tests/browser/test_accessibility.py"
    )
    assert sorted((covered | EXCLUDED) - names) == [], "Listed here but no longer a URL pattern"
    assert sorted(covered & EXCLUDED) == [], "Both tested and excluded"


def test_every_role_has_axe_cases():
    checked = {role for case in PAGES for role in case.roles}
    assert sorted(set(ROLES) - checked) == []


# Forms whose error state (the form sent back with errors) must be among the cases.
ERROR_STATES = {
    "account_login",
    "account_signup",
    "account_reset_password",
    "account_change_password",
    "mfa_authenticate",
    "directory:report_problem",
    "contact_organisation",
    "shortlists:contact",
    "shortlists:detail",
    "opportunities:create",
    "opportunities:detail",
    "partnerships:consortium_create",
    "partnerships:consortium_invite",
    "partnerships:interest",
    "accounts_member_invite",
    "registration:new",
    "registration:step",
    "registration:service_edit",
    "registration:location_add",
    "registration:evidence_add",
    "moderation:organisation",
    "import_upload",
}


def test_forms_have_axe_cases_of_their_error_state():
    with_errors = {
        case.url_name
        for case in PAGES
        if any(submit.shows == ".govuk-error-summary" for submit in case.submits)
    }
    assert sorted(ERROR_STATES - with_errors) == []
