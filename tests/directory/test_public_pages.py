import pytest
from django.urls import reverse

from directory.models import Organisation
from directory.search_index import refresh_search_documents
from tests.factories import (
    DeliveryLocationFactory,
    EvidenceItemFactory,
    JusticeDataLabEvidenceFactory,
    OrganisationFactory,
    ServiceFactory,
)

pytestmark = pytest.mark.django_db


def test_home_shows_headline_figures(client):
    ServiceFactory(organisation=OrganisationFactory())
    OrganisationFactory(status=Organisation.Status.DRAFT)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert response.context["figures"] == {"organisations": 1, "services": 1, "regions": 1}
    assert b"Rehabilitation Partners Directory" in response.content


def test_list_shows_only_published_organisations(client):
    OrganisationFactory(name="Published Project")
    for status in ["draft", "submitted", "changes_requested", "rejected", "archived"]:
        OrganisationFactory(name=f"Hidden {status}", status=status)
    response = client.get(reverse("directory:organisation_list"))
    assert response.status_code == 200
    assert b"Published Project" in response.content
    assert b"Hidden" not in response.content


def test_list_keyword_search(client):
    OrganisationFactory(name="Harbour Women's Centre", summary="Support for women")
    OrganisationFactory(name="Brightside Recovery", summary="Recovery café")
    refresh_search_documents()
    response = client.get(reverse("directory:organisation_list"), {"q": "recovery"})
    names = [o.name for o in response.context["page_obj"]]
    assert names == ["Brightside Recovery"]


@pytest.mark.parametrize("page", ["999", "-1", "abc", "1" * 50])
def test_list_survives_absurd_page_numbers(client, page):
    OrganisationFactory()
    assert client.get(reverse("directory:organisation_list"), {"page": page}).status_code == 200


@pytest.mark.parametrize(
    "status", ["draft", "submitted", "changes_requested", "rejected", "archived"]
)
def test_unpublished_profiles_are_not_found(client, status):
    organisation = OrganisationFactory(status=status)
    assert client.get(organisation.get_absolute_url()).status_code == 404


def test_profile_shows_everything_public(client):
    organisation = OrganisationFactory(name="Northern Lights CIC", company_number="09876543")
    service = ServiceFactory(organisation=organisation, name="Women's housing support")
    DeliveryLocationFactory(service=service, name="The Anchor Hub")
    JusticeDataLabEvidenceFactory(organisation=organisation, verified_by_moderator=True)
    response = client.get(organisation.get_absolute_url())
    content = response.content.decode()
    assert response.status_code == 200
    for text in [
        "Northern Lights CIC",
        "Women&#x27;s housing support",
        "The Anchor Hub",
        "27.4%",
        "33.9%",
        "6.5 percentage points less reoffending",
        "statistically significant",
        "Verified by a moderator",
        "https://find-and-update.company-information.service.gov.uk/company/09876543",
        "register-of-charities.charitycommission.gov.uk",
    ]:
        assert text in content, text


def test_profile_escapes_user_text(client):
    organisation = OrganisationFactory(summary="<script>alert('x')</script>")
    content = client.get(organisation.get_absolute_url()).content.decode()
    assert "<script>alert" not in content
    assert "&lt;script&gt;" in content


def _organisation_with(n_services: int, n_evidence: int) -> Organisation:
    organisation = OrganisationFactory()
    for _ in range(n_services):
        DeliveryLocationFactory(service=ServiceFactory(organisation=organisation))
    EvidenceItemFactory.create_batch(n_evidence, organisation=organisation)
    return organisation


def test_profile_query_count_is_bounded(client, django_assert_max_num_queries):
    small = _organisation_with(1, 1)
    large = _organisation_with(8, 8)
    counts = []
    for organisation in [small, large]:
        with django_assert_max_num_queries(15) as captured:
            assert client.get(organisation.get_absolute_url()).status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


def test_list_query_count_is_bounded(client, django_assert_max_num_queries):
    OrganisationFactory.create_batch(3)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("directory:organisation_list"))
    OrganisationFactory.create_batch(30)
    refresh_search_documents()
    with django_assert_max_num_queries(12) as many:
        client.get(reverse("directory:organisation_list"))
    assert len(few.captured_queries) == len(many.captured_queries)


@pytest.mark.parametrize("name", ["accessibility", "privacy", "cookies"])
def test_statement_pages(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200


def test_unknown_page_is_a_styled_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content


def test_healthz_reports_database(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
