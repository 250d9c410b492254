"""Every URL pattern that renders an HTML page on a GET has an axe-core case in tests/browser/."""

from pathlib import Path

from tests.browser.test_accessibility import PAGES
from tests.test_permission_matrix import named_url_patterns

BROWSER_TESTS = Path(__file__).resolve().parent / "browser"

# Pages whose axe checks live in another file of tests/browser/, beside their journeys.
COVERED_ELSEWHERE = {
    "test_shortlists.py": {
        "shortlists:list",
        "shortlists:create",
        "shortlists:add",
        "shortlists:detail",
        "shortlists:edit",
        "shortlists:delete",
        "shortlists:compare",
        "shortlists:print",
        "shortlists:contact",
        "shortlists:item_note",
        "saved_searches:list",
        "saved_searches:create",
        "saved_searches:edit",
        "saved_searches:delete",
        "contact_organisation",
        "contact_preferences",
    },
    "test_offer_appraisal.py": {
        "consortia:offer_appraisal",
        "consortia:offer_appraisal_list",
        "consortia:offer_appraisal_compare",
        "consortia:offer_appraisal_detail",
        "consortia:offer_appraisal_rename",
        "consortia:offer_appraisal_delete",
    },
    "test_registration_journey.py": {
        "registration:start",
        "registration:new",
        "registration:task_list",
        "registration:step",
        "registration:services",
        "registration:service_edit",
        "registration:service_remove",
        "registration:location_add",
        "registration:evidence",
        "registration:evidence_add",
        "registration:check",
        "registration:claim_requests",
    },
    "test_moderation_pages.py": {
        "moderation:queue",
        "moderation:organisation",
        "moderation:history",
        "moderation:archive",
        "moderation:report",
    },
    "test_api_docs.py": {"api_docs"},
}

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
}


def test_every_page_has_an_axe_case():
    names = set(named_url_patterns())
    covered_here = {case.url_name for case in PAGES if case.url_name}
    covered_elsewhere = set().union(*COVERED_ELSEWHERE.values())
    assert sorted(names - covered_here - covered_elsewhere - EXCLUDED) == [], (
        "Pages without an axe-core case: add them to PAGES in tests/browser/test_accessibility.py"
    )
    listed = covered_here | covered_elsewhere | EXCLUDED
    assert sorted(listed - names) == [], "Listed here but no longer a URL pattern"
    assert sorted(covered_here & EXCLUDED) == [], "Both tested and excluded"


def test_pages_covered_elsewhere_are_named_in_those_files():
    for filename, names in COVERED_ELSEWHERE.items():
        source = (BROWSER_TESTS / filename).read_text()
        # By full name, as reverse("app:name") or a helper's at("name").
        missing = sorted(name for name in names if f'{name.split(":")[-1]}"' not in source)
        assert missing == [], f"{filename} does not mention {missing}"
