"""axe-core checks for the moderation workspace pages."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from directory import services
from directory.models import EvidenceItem, Service
from tests.browser.conftest import axe_violations
from tests.factories import (
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
