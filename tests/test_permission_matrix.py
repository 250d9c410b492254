"""Every URL of the project against every role: the answer to a GET (and to a stranger's POST).

The world (tests/world.py) is built once for the module, inside a transaction that is rolled
back at the end.
"""

from dataclasses import replace

import pytest
from django.contrib import admin
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from consortia.models import Opportunity
from directory.opendata.api.oruk import TAXONOMIES
from directory.opendata.open_data import open_data_export
from tests.world import ROLES, build_world, client_for


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    open_data_root = tmp_path_factory.mktemp("open-data")
    with (
        override_settings(OPEN_DATA_ROOT=open_data_root),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        world = build_world()
        open_data_export()
        for role in world.users:
            # Signed in now, so that the sessions outlive each test's rolled-back transaction.
            client_for(world, role)
        yield world
        transaction.set_rollback(True)


LOGIN = "login"
REAUTHENTICATE = "-> /accounts/reauthenticate/"


def answer(response) -> int | str:
    """The status code; a redirect is "login" or "-> <path>" so that tables stay readable."""
    if response.status_code in (301, 302, 303, 307, 308):
        location = response["Location"].split("?")[0]
        return LOGIN if location == reverse("account_login") else f"-> {location}"
    return response.status_code


def roles(default, **overrides) -> dict:
    return {role: overrides.get(role, default) for role in ROLES}


def signed_in_already(**overrides) -> dict:
    """Sign-in pages send someone signed in where a sign-in lands: moderators on the queue."""
    return roles("-> /account/", moderator="-> /moderation/") | overrides


PUBLIC = roles(200)


SIGNED_IN = roles(200, anonymous=LOGIN)
# Someone's own things (shortlists, saved searches, appraisals): the admin of A owns them.
OWNER_ONLY = roles(404, anonymous=LOGIN, admin=200)
# Organisation A's profile and registration pages: its members edit it, moderators may too.
ORG_MEMBERS = roles(404, anonymous=LOGIN, editor=200, admin=200, moderator=200)
ORG_ADMINS = roles(404, anonymous=LOGIN, admin=200, moderator=200)
ORG_POSTER = roles(404, anonymous=LOGIN, editor=200, admin=200)
LEAD_ADMINS = roles(404, anonymous=LOGIN, admin=200)
MODERATORS = roles(404, anonymous=LOGIN, moderator=200)
# POST-only views refuse a GET before anything else; their POST answers are in POST_MATRIX.
POST_ONLY = roles(405)


def org(w):
    return {"org": w.organisation.uuid}


def own_shortlist(w):
    return {"pk": w.shortlist.pk}


def shortlist_item(w):
    return {"pk": w.shortlist.pk, "item": w.shortlist_item.pk}


def appraisal(w):
    return {"pk": w.appraisal.pk}


def opportunity(w):
    return {"opportunity": w.opportunity.uuid}


def consortium(w):
    return {"consortium": w.consortium.uuid}


def slug(w):
    return {"slug": w.organisation.slug}


def archived(w):
    return {"org": w.archived.uuid}


def no_kwargs(w):
    return {}


MATRIX = {
    # Public pages
    "home": (no_kwargs, PUBLIC),
    "accessibility": (no_kwargs, PUBLIC),
    "privacy": (no_kwargs, PUBLIC),
    "cookies": (no_kwargs, PUBLIC),
    "healthz": (no_kwargs, PUBLIC),
    "directory:organisation_list": (no_kwargs, PUBLIC),
    "directory:organisation_export_csv": (no_kwargs, PUBLIC),
    "directory:organisation_export_json": (no_kwargs, PUBLIC),
    "directory:organisation_detail": (slug, PUBLIC),
    "directory:evidence_document": (
        lambda w: {"slug": w.organisation.slug, "evidence": w.evidence.uuid},
        PUBLIC,
    ),
    "directory:report_problem": (slug, PUBLIC),
    "directory:report_sent": (slug, PUBLIC),
    "contact_organisation": (slug, SIGNED_IN),
    "contact_preferences": (slug, ORG_ADMINS),
    "insights": (no_kwargs, PUBLIC),
    "open_data": (no_kwargs, PUBLIC),
    "open_data_download": (lambda w: {"kind": "csv"}, PUBLIC),
    # APIs
    "api_docs": (no_kwargs, PUBLIC),
    "api_v1:schema": (no_kwargs, PUBLIC),
    "api_v1:organisation-list": (no_kwargs, PUBLIC),
    "api_v1:organisation-detail": (slug, PUBLIC),
    "api_v1:opportunity-list": (no_kwargs, PUBLIC),
    "api_v1:opportunity-detail": (lambda w: {"uuid": w.opportunity.uuid}, PUBLIC),
    "api_reference": (no_kwargs, PUBLIC),
    "oruk:root": (no_kwargs, PUBLIC),
    "oruk:openapi": (no_kwargs, PUBLIC),
    "oruk:service_list": (no_kwargs, PUBLIC),
    "oruk:service_detail": (lambda w: {"id": str(w.service.uuid)}, PUBLIC),
    "oruk:service_at_location_list": (no_kwargs, PUBLIC),
    "oruk:service_at_location_detail": (lambda w: {"id": str(w.location.uuid)}, PUBLIC),
    "oruk:taxonomy_list": (no_kwargs, PUBLIC),
    "oruk:taxonomy_detail": (lambda w: {"id": TAXONOMIES[0].id}, PUBLIC),
    "oruk:taxonomy_term_list": (no_kwargs, PUBLIC),
    "oruk:taxonomy_term_detail": (
        lambda w: {"id": str(w.service.pathways.first().uuid)},
        PUBLIC,
    ),
    # Shortlists and saved searches
    "shortlists:list": (no_kwargs, SIGNED_IN),
    "shortlists:create": (no_kwargs, SIGNED_IN),
    "shortlists:add": (no_kwargs, SIGNED_IN),
    "shortlists:record_search": (no_kwargs, POST_ONLY),
    "shortlists:detail": (own_shortlist, OWNER_ONLY),
    "shortlists:edit": (own_shortlist, OWNER_ONLY),
    "shortlists:delete": (own_shortlist, OWNER_ONLY),
    "shortlists:compare": (own_shortlist, OWNER_ONLY),
    "shortlists:export_csv": (own_shortlist, OWNER_ONLY),
    "shortlists:print": (own_shortlist, OWNER_ONLY),
    "shortlists:contact": (own_shortlist, OWNER_ONLY),
    "shortlists:share": (own_shortlist, POST_ONLY),
    "shortlists:share_revoke": (
        lambda w: {"pk": w.shortlist.pk, "share": w.shortlist_share.pk},
        POST_ONLY,
    ),
    "shortlists:invitation_revoke": (
        lambda w: {"pk": w.shortlist.pk, "invitation": w.shortlist_invitation.pk},
        POST_ONLY,
    ),
    "shortlists:item_remove": (shortlist_item, POST_ONLY),
    "shortlists:item_move": (shortlist_item, POST_ONLY),
    "shortlists:item_note": (shortlist_item, OWNER_ONLY),
    "saved_searches:list": (no_kwargs, SIGNED_IN),
    "saved_searches:create": (no_kwargs, SIGNED_IN),
    "saved_searches:create_opportunities": (no_kwargs, SIGNED_IN),
    "saved_searches:edit": (lambda w: {"pk": w.saved_search.pk}, OWNER_ONLY),
    "saved_searches:delete": (lambda w: {"pk": w.saved_search.pk}, OWNER_ONLY),
    # allauth
    "account_login": (no_kwargs, signed_in_already(anonymous=200)),
    # The admin's sign-in is the site's (with its rate limits and second factor).
    "admin_login": (no_kwargs, roles(403, anonymous=LOGIN)),
    # The admin's password change is the site's (sharing the sign-in's cool-off).
    "admin_password_change": (no_kwargs, roles("-> /accounts/password/change/")),
    "account_logout": (no_kwargs, roles(200, anonymous="-> /")),
    "account_inactive": (no_kwargs, PUBLIC),
    "account_signup": (no_kwargs, signed_in_already(anonymous=200)),
    "account_reauthenticate": (no_kwargs, SIGNED_IN),
    "account_email": (no_kwargs, SIGNED_IN),
    "account_email_verification_sent": (no_kwargs, PUBLIC),
    "account_change_password": (no_kwargs, SIGNED_IN),
    # Everyone here has a password already, so allauth offers to change it instead.
    "account_set_password": (
        no_kwargs,
        roles("-> /accounts/password/change/", anonymous=LOGIN),
    ),
    "account_reset_password": (no_kwargs, PUBLIC),
    # Only in the middle of signing in by code or by second factor; otherwise sent away.
    "account_confirm_login_code": (no_kwargs, signed_in_already(anonymous=LOGIN)),
    "account_confirm_email": (lambda w: {"key": "not-a-key"}, PUBLIC),
    "account_reset_password_from_key_done": (no_kwargs, PUBLIC),
    "account_reset_password_from_key": (lambda w: {"uidb36": "1", "key": "not-a-key"}, PUBLIC),
    "account_reset_password_done": (no_kwargs, PUBLIC),
    "mfa_index": (no_kwargs, SIGNED_IN),
    "mfa_authenticate": (no_kwargs, signed_in_already(anonymous=LOGIN)),
    # Changing two-factor settings asks for the password (or the second factor) again first;
    # what a user has not set up answers 404.
    "mfa_reauthenticate": (no_kwargs, roles(REAUTHENTICATE, anonymous=LOGIN, moderator=200)),
    "mfa_activate_totp": (no_kwargs, roles(REAUTHENTICATE, anonymous=LOGIN)),
    "mfa_deactivate_totp": (no_kwargs, roles(404, anonymous=LOGIN, moderator=REAUTHENTICATE)),
    "mfa_view_recovery_codes": (no_kwargs, roles(404, anonymous=LOGIN)),
    "mfa_generate_recovery_codes": (no_kwargs, roles(REAUTHENTICATE, anonymous=LOGIN)),
    "mfa_download_recovery_codes": (no_kwargs, roles(404, anonymous=LOGIN)),
    "usersessions_list": (no_kwargs, SIGNED_IN),
    # Your account and your organisation's members
    "account": (no_kwargs, SIGNED_IN),
    "accounts_details": (no_kwargs, SIGNED_IN),
    "accounts_end_other_sessions": (no_kwargs, POST_ONLY),
    "accounts_download": (no_kwargs, SIGNED_IN),
    "accounts_delete": (no_kwargs, SIGNED_IN),
    "accounts_members": (slug, ORG_ADMINS),
    "accounts_member_invite": (slug, ORG_ADMINS),
    "accounts_member_role": (
        lambda w: {"slug": w.organisation.slug, "pk": w.editor_membership.pk},
        ORG_ADMINS,
    ),
    "accounts_member_remove": (
        lambda w: {"slug": w.organisation.slug, "pk": w.editor_membership.pk},
        ORG_ADMINS,
    ),
    "accounts_invitation_revoke": (
        lambda w: {"slug": w.organisation.slug, "pk": w.invitation.pk},
        POST_ONLY,
    ),
    # The token is the secret: the page explains whom the invitation is for.
    "accounts_invitation_accept": (lambda w: {"token": w.invitation.token}, PUBLIC),
    # Registering and editing an organisation
    "registration:start": (no_kwargs, SIGNED_IN),
    "registration:new": (no_kwargs, SIGNED_IN),
    "registration:claim": (lambda w: {"org": w.organisation.uuid, "kind": "join"}, SIGNED_IN),
    "registration:task_list": (org, ORG_MEMBERS),
    "registration:step": (lambda w: {**org(w), "step": "name"}, ORG_MEMBERS),
    "registration:services": (org, ORG_MEMBERS),
    "registration:service_add": (org, ORG_MEMBERS),
    "registration:service_edit": (lambda w: {**org(w), "service": w.service.uuid}, ORG_MEMBERS),
    "registration:service_remove": (
        lambda w: {**org(w), "service": w.service.uuid},
        ORG_MEMBERS,
    ),
    "registration:location_add": (lambda w: {**org(w), "service": w.service.uuid}, ORG_MEMBERS),
    "registration:location_edit": (
        lambda w: {**org(w), "location": w.location.uuid},
        ORG_MEMBERS,
    ),
    "registration:location_remove": (
        lambda w: {**org(w), "location": w.location.uuid},
        ORG_MEMBERS,
    ),
    "registration:evidence": (org, ORG_MEMBERS),
    "registration:evidence_add": (org, ORG_MEMBERS),
    "registration:evidence_edit": (lambda w: {**org(w), "item": w.evidence.uuid}, ORG_MEMBERS),
    "registration:evidence_remove": (
        lambda w: {**org(w), "item": w.evidence.uuid},
        ORG_MEMBERS,
    ),
    # The report as the owners last saved it (perhaps waiting for review): members, moderators.
    "registration:evidence_document": (
        lambda w: {**org(w), "item": w.evidence.uuid},
        ORG_MEMBERS,
    ),
    "registration:check": (org, ORG_MEMBERS),
    "registration:submitted": (org, ORG_MEMBERS),
    "registration:confirm_still_correct": (org, roles(405, anonymous=LOGIN)),
    # Organisation A has an admin, so its requests are the admin's to decide, not moderators'.
    "registration:claim_requests": (org, roles(404, anonymous=LOGIN, admin=200)),
    # Decided by POST; the request is looked up through the organisation first.
    "registration:claim_request_decide": (
        lambda w: {**org(w), "pk": w.claim_request.pk},
        roles(404, anonymous=LOGIN, admin=405),
    ),
    # Moderation and import
    "import_upload": (no_kwargs, MODERATORS),
    "import_confirm": (no_kwargs, roles(404, anonymous=LOGIN, moderator=405)),
    "moderation:queue": (no_kwargs, MODERATORS),
    "moderation:organisation": (lambda w: {"org": w.submitted.uuid}, MODERATORS),
    "moderation:history": (lambda w: {"org": w.submitted.uuid}, MODERATORS),
    "moderation:archive": (org, MODERATORS),
    "moderation:restore": (archived, roles(404, anonymous=LOGIN, moderator=405)),
    "moderation:purge": (archived, MODERATORS),
    "moderation:evidence_verify": (
        lambda w: {**org(w), "item": w.evidence.uuid},
        roles(404, anonymous=LOGIN, moderator=405),
    ),
    # The report as the owners last saved it, for moderators only (not even the owners).
    "moderation:evidence_document": (
        lambda w: {**org(w), "item": w.evidence.uuid},
        MODERATORS,
    ),
    "moderation:claim": (lambda w: {"pk": w.unclaimed_claim.pk}, MODERATORS),
    "moderation:commissioner": (lambda w: {"pk": w.pending_commissioner.pk}, MODERATORS),
    "moderation:report": (lambda w: {"pk": w.problem_report.pk}, MODERATORS),
    # Offer appraisal
    "consortia:offer_appraisal": (no_kwargs, PUBLIC),
    "consortia:offer_appraisal_list": (no_kwargs, SIGNED_IN),
    "consortia:offer_appraisal_save": (no_kwargs, POST_ONLY),
    "consortia:offer_appraisal_compare": (no_kwargs, SIGNED_IN),
    "consortia:offer_appraisal_detail": (appraisal, OWNER_ONLY),
    "consortia:offer_appraisal_rename": (appraisal, OWNER_ONLY),
    "consortia:offer_appraisal_delete": (appraisal, OWNER_ONLY),
    "consortia:offer_appraisal_export": (appraisal, OWNER_ONLY),
    # Opportunities and consortia
    "opportunities:list": (no_kwargs, PUBLIC),
    # Every signed-in role here may post; who may not is told why (see the test below).
    "opportunities:create": (no_kwargs, SIGNED_IN),
    "opportunities:detail": (opportunity, PUBLIC),
    "opportunities:withdraw": (opportunity, POST_ONLY),
    # Responses are private to the posting organisation.
    "opportunities:responses": (opportunity, ORG_POSTER),
    "opportunities:response_decide": (
        lambda w: {**opportunity(w), "pk": w.expression_of_interest.pk},
        ORG_POSTER,
    ),
    "partnerships:consortium_list": (no_kwargs, PUBLIC),
    "partnerships:consortium_create": (no_kwargs, SIGNED_IN),
    # A members-only consortium: not even a login prompt gives its existence away.
    "partnerships:consortium_detail": (consortium, {**ORG_MEMBERS, "anonymous": 404}),
    "partnerships:consortium_settings": (consortium, POST_ONLY),
    "partnerships:consortium_invite": (consortium, LEAD_ADMINS),
    "partnerships:consortium_invite_search": (consortium, LEAD_ADMINS),
    "partnerships:consortium_leadership": (consortium, LEAD_ADMINS),
    "partnerships:consortium_membership_respond": (
        lambda w: {**consortium(w), "pk": w.consortium_invitation.pk},
        POST_ONLY,
    ),
    # Organisation A's own place in its consortium: only A's admins may leave it.
    "partnerships:consortium_leave": (
        lambda w: {**consortium(w), "pk": w.lead_membership.pk},
        LEAD_ADMINS,
    ),
    "partnerships:find_partners": (org, ORG_MEMBERS),
    "partnerships:interest": (org, ORG_MEMBERS),
    "partnerships:interest_remove": (
        lambda w: {**org(w), "pk": w.partnership_interest.pk},
        POST_ONLY,
    ),
}

# What a POST to a POST-only URL answers: a login prompt for anonymous visitors, and 404 (never
# 403 or 500) for a signed-in stranger to organisation A and its owner's things.
NOT_YOURS = {"anonymous": LOGIN, "stranger": 404}
POST_MATRIX = {
    "shortlists:record_search": {"anonymous": LOGIN},
    "shortlists:share": NOT_YOURS,
    "shortlists:share_revoke": NOT_YOURS,
    "shortlists:invitation_revoke": NOT_YOURS,
    "shortlists:item_remove": NOT_YOURS,
    "shortlists:item_move": NOT_YOURS,
    "accounts_end_other_sessions": {"anonymous": LOGIN},
    "accounts_invitation_revoke": NOT_YOURS,
    "registration:confirm_still_correct": NOT_YOURS,
    "registration:claim_request_decide": NOT_YOURS,
    "import_confirm": NOT_YOURS,
    "moderation:restore": NOT_YOURS,
    "moderation:evidence_verify": NOT_YOURS,
    "consortia:offer_appraisal_save": {"anonymous": LOGIN},
    "opportunities:withdraw": NOT_YOURS,
    "partnerships:consortium_settings": NOT_YOURS,
    "partnerships:consortium_membership_respond": NOT_YOURS,
    "partnerships:interest_remove": NOT_YOURS,
}


def named_url_patterns(patterns=None, namespace=None):
    """Every named URL pattern's full name, outside the Django admin."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin":
                continue
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from named_url_patterns(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def url_of(world, url_name: str) -> str:
    kwargs, _ = MATRIX[url_name]
    return reverse(url_name, kwargs=kwargs(world))


def test_every_named_url_is_in_the_matrix():
    names = set(named_url_patterns())
    assert sorted(names - MATRIX.keys()) == [], "URL patterns missing from MATRIX"
    assert sorted(MATRIX.keys() - names) == [], "MATRIX entries with no URL pattern"
    assert sorted(POST_MATRIX.keys() - names) == [], "POST_MATRIX entries with no URL pattern"


@pytest.mark.parametrize(
    "url_name,role",
    [(name, role) for name in MATRIX for role in ROLES],
)
def test_get_answer(world, db, url_name, role):
    url = url_of(world, url_name)
    assert answer(client_for(world, role).get(url)) == MATRIX[url_name][1][role], url


def post_expectations() -> dict:
    """POST_MATRIX, and for every page that is not the stranger's to see: a POST by them, or by
    an anonymous visitor, answers as a GET does (no form is validated, nothing changes)."""
    expectations = dict(POST_MATRIX)
    for name, (_, expected) in MATRIX.items():
        # allauth's two-factor pages answer 404 for what you have not set up: not "not yours".
        if name.startswith("mfa_"):
            continue
        if name not in expectations and expected["stranger"] == 404:
            expectations[name] = {role: expected[role] for role in ("anonymous", "stranger")}
    return expectations


POST_EXPECTATIONS = post_expectations()


@pytest.mark.parametrize(
    "url_name,role",
    [(name, role) for name, expected in POST_EXPECTATIONS.items() for role in expected],
)
def test_post_answer(world, db, url_name, role):
    url = url_of(world, url_name)
    assert answer(client_for(world, role).post(url)) == POST_EXPECTATIONS[url_name][role], url


def admin_urls():
    yield reverse("admin:index")
    app_labels = set()
    for model in admin.site._registry:
        meta = model._meta
        app_labels.add(meta.app_label)
        prefix = f"admin:{meta.app_label}_{meta.model_name}"
        yield reverse(f"{prefix}_changelist")
        yield reverse(f"{prefix}_add")
        for action in ("change", "history", "delete"):
            yield reverse(f"{prefix}_{action}", args=["1"])
    for app_label in sorted(app_labels):
        yield reverse("admin:app_list", kwargs={"app_label": app_label})


@pytest.mark.parametrize("role", ROLES)
def test_the_admin_sends_everyone_but_staff_to_its_login(world, db, role):
    client = client_for(world, role)
    admin_login = reverse("admin:login")
    answers = {url: answer(client.get(url)) for url in admin_urls()}
    assert {url: a for url, a in answers.items() if a != f"-> {admin_login}"} == {}


@pytest.mark.parametrize("who", ["newcomer", "unverified commissioner"])
def test_who_may_not_post_an_opportunity_is_told_why(world, db, who):
    """Signed in, but in no published organisation and not a verified commissioner: 403, with a
    page that says who may post; a POST publishes nothing."""
    if who == "newcomer":
        client = client_for(world, "newcomer")
    else:
        client = Client()
        client.force_login(world.pending_commissioner.user)
    url = reverse("opportunities:create")
    for response in (client.get(url), client.post(url, {"title": "Mentors in Leeds"})):
        assert response.status_code == 403
        assert response.templates[0].name == "consortia/opportunity_cannot_post.html"
        assert "Verified commissioners and members of an organisation published" in (
            response.content.decode()
        )
    assert not Opportunity.objects.filter(title="Mentors in Leeds").exists()


def as_draft(world):
    """The same world, with organisation A's draft (and its things) in A's place."""
    return replace(
        world,
        organisation=world.draft,
        service=world.draft_service,
        location=world.draft_location,
        evidence=world.draft_evidence,
    )


DRAFT_PAGES = [
    name
    for name, (_, expected) in MATRIX.items()
    if name.startswith("registration:") and expected is ORG_MEMBERS
]


@pytest.mark.parametrize("url_name", DRAFT_PAGES)
def test_a_draft_is_seen_only_by_its_members_and_moderators(world, db, url_name):
    url = url_of(as_draft(world), url_name)
    answers = {role: answer(client_for(world, role).get(url)) for role in ROLES}
    assert answers == MATRIX[url_name][1], url


def test_a_draft_has_no_public_profile_yet(world, db):
    url = reverse("directory:organisation_detail", kwargs={"slug": world.draft.slug})
    answers = {role: answer(client_for(world, role).get(url)) for role in ROLES}
    # Its members preview it on the check-your-answers page; moderators in their workspace.
    assert answers == roles(404)


# Someone the owner shared the shortlist with as a viewer reads it but changes nothing.
SHORTLIST_VIEWER = {
    "shortlists:detail": 200,
    "shortlists:compare": 200,
    "shortlists:export_csv": 200,
    "shortlists:print": 200,
    "shortlists:contact": 200,
    "shortlists:edit": 404,
    "shortlists:delete": 404,
    "shortlists:item_note": 404,
}
SHORTLIST_VIEWER_POSTS = [
    "shortlists:edit",
    "shortlists:delete",
    "shortlists:item_note",
    "shortlists:share",
    "shortlists:share_revoke",
    "shortlists:invitation_revoke",
    "shortlists:item_remove",
    "shortlists:item_move",
]


def test_a_shortlist_viewer_reads_but_changes_nothing(world, db):
    client = client_for(world, "partner")
    gets = {
        name: answer(client.get(reverse(name, kwargs=MATRIX[name][0](world))))
        for name in SHORTLIST_VIEWER
    }
    assert gets == SHORTLIST_VIEWER
    posts = {
        name: answer(client.post(reverse(name, kwargs=MATRIX[name][0](world))))
        for name in SHORTLIST_VIEWER_POSTS
    }
    assert posts == dict.fromkeys(SHORTLIST_VIEWER_POSTS, 404)
