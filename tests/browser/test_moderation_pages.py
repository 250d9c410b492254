"""axe-core checks for the moderation workspace pages."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from directory import moderation_services, services
from directory.models import EvidenceItem, Service
from tests.browser.conftest import axe_violations
from tests.factories import (
    ClaimRequestFactory,
    EvidenceItemFactory,
    MembershipFactory,
    OrganisationFactory,
    OrganisationRevisionFactory,
    ProblemReportFactory,
    ServiceFactory,
    moderator_user,
    verified_user,
)


@pytest.fixture
def workspace(transactional_db):
    submitted = OrganisationFactory(name="Waiting Trust", status="submitted")
    ServiceFactory(organisation=submitted)
    EvidenceItemFactory(organisation=submitted)
    MembershipFactory(organisation=submitted, role="admin")
    revised = OrganisationRevisionFactory(organisation__name="Revised Trust").organisation
    report = ProblemReportFactory(organisation=revised)
    return {"submitted": submitted, "revised": revised, "report": report}


def signed_in_as_moderator(page, live_server):
    """Copy a signed-in session into the browser (signing in by hand would need a TOTP code)."""
    signed_in_as(page, live_server, moderator_user())


def signed_in_as(page, live_server, user):
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )


def moderation_pages(workspace):
    return [
        reverse("moderation:queue"),
        reverse("moderation:organisation", kwargs={"org": workspace["submitted"].uuid}),
        reverse("moderation:organisation", kwargs={"org": workspace["revised"].uuid}),
        reverse("moderation:history", kwargs={"org": workspace["revised"].uuid}),
        reverse("moderation:archive", kwargs={"org": workspace["revised"].uuid}),
        reverse("moderation:report", kwargs={"pk": workspace["report"].pk}),
    ]


def test_moderation_pages_have_no_axe_violations(page, live_server, workspace):
    signed_in_as_moderator(page, live_server)
    for url in moderation_pages(workspace):
        page.goto(url)
        assert page.locator("h1").count() == 1, url
        assert axe_violations(page) == [], url


def test_a_decision_with_errors_is_accessible(page, live_server, workspace):
    signed_in_as_moderator(page, live_server)
    page.goto(reverse("moderation:organisation", kwargs={"org": workspace["submitted"].uuid}))
    page.get_by_label("Reject").check()
    page.get_by_role("button", name="Record decision").click()
    assert page.locator(".govuk-error-summary").count() == 1
    assert axe_violations(page) == []


@pytest.fixture
def pending_lists(transactional_db):
    """A published organisation with a new service and a changed report waiting for review."""
    service = ServiceFactory(organisation__name="Harbour Trust", name="Through the gate")
    organisation = service.organisation
    evidence = EvidenceItemFactory(organisation=organisation, title="Outcomes 2023")
    editor = verified_user()
    MembershipFactory(user=editor, organisation=organisation, role="editor")
    new = Service(name="Cymru Mentoring", description="Mentors in Cardiff")
    terms = {"pathways": service.pathways.all(), "regions": service.regions.all()}
    services.service_save(
        organisation=organisation, service=new, expected_version=1, m2m=terms, user=editor
    )
    changed = EvidenceItem.objects.get(pk=evidence.pk)
    changed.title = "Outcomes 2023 (revised)"
    services.evidence_save(organisation=organisation, evidence=changed, expected_version=2)
    return organisation, editor


def test_pending_changes_to_services_and_evidence_are_accessible(page, live_server, pending_lists):
    organisation, editor = pending_lists
    signed_in_as(page, live_server, editor)
    for name in ["task_list", "services", "evidence", "check"]:
        url = reverse(f"registration:{name}", kwargs={"org": organisation.uuid})
        page.goto(url)
        assert page.get_by_text("waiting for review").count() >= 1, url
        assert axe_violations(page) == [], url
    page.context.clear_cookies()
    signed_in_as_moderator(page, live_server)
    page.goto(reverse("moderation:organisation", kwargs={"org": organisation.uuid}))
    assert page.get_by_text("Service “Cymru Mentoring” (new): Name").count() == 1
    assert axe_violations(page) == []


@pytest.fixture
def sent_back(transactional_db):
    """A published organisation whose changes a moderator sent back, and one left without an
    admin, with a claim on it."""
    organisation = ServiceFactory(organisation__name="Harbour Trust").organisation
    editor = verified_user()
    MembershipFactory(user=editor, organisation=organisation, role="editor")
    organisation.summary = "A new summary"
    services.organisation_section_save(
        organisation=organisation, expected_version=organisation.version, user=editor
    )
    moderation_services.revision_request_changes(
        revision=organisation.revisions.get(),
        moderator=moderator_user(),
        reason="Say which prisons you work in",
    )
    adminless = OrganisationFactory(
        name="Left Trust", is_unclaimed=True, admin_lost_at=timezone.now()
    )
    return {
        "organisation": organisation,
        "editor": editor,
        "adminless": adminless,
        "claim": ClaimRequestFactory(organisation=adminless, kind="claim"),
    }


def test_changes_sent_back_are_accessible_to_their_owners(page, live_server, sent_back):
    organisation = sent_back["organisation"]
    signed_in_as(page, live_server, sent_back["editor"])
    for name, text in [
        ("task_list", "A moderator asked for changes"),
        ("check", "Send for review"),
    ]:
        page.goto(reverse(f"registration:{name}", kwargs={"org": organisation.uuid}))
        assert page.get_by_text(text).count() >= 1, name
        assert axe_violations(page) == [], name


def test_an_organisation_without_an_admin_and_queue_decisions_with_errors_are_accessible(
    page, live_server, sent_back
):
    signed_in_as_moderator(page, live_server)
    page.goto(reverse("moderation:organisation", kwargs={"org": sent_back["adminless"].uuid}))
    assert page.get_by_text("This organisation has no admin").count() == 1
    assert axe_violations(page) == []
    page.goto(reverse("moderation:claim", kwargs={"pk": sent_back["claim"].pk}))
    page.get_by_label("Decline").check()
    page.get_by_role("button", name="Record decision").click()
    assert page.locator(".govuk-error-summary").count() == 1
    assert axe_violations(page) == []
