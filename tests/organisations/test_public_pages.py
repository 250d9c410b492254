import html
import os
import re
from datetime import date, datetime

import pikepdf
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from consortia.models import Consortium
from directory.organisations.models import (
    CONTACT_FIELDS,
    ClientGroup,
    DeliveryLocation,
    DeliverySetting,
    EvidenceItem,
    LegalForm,
    Organisation,
    PartnershipRole,
    Pathway,
    QualityMark,
    Region,
    Service,
)
from directory.search.search_index import refresh_search_documents
from tests.factories import (
    ClientGroupFactory,
    ConsortiumFactory,
    DeliveryLocationFactory,
    DeliverySettingFactory,
    EvidenceItemFactory,
    IncomeBandFactory,
    JusticeDataLabEvidenceFactory,
    LegalFormFactory,
    OrganisationFactory,
    PartnershipInterestFactory,
    PartnershipRoleFactory,
    PathwayFactory,
    QualityMarkFactory,
    RegionFactory,
    ServiceFactory,
    pdf_document,
)

pytestmark = pytest.mark.django_db


def text_of(fragment: str) -> str:
    """A piece of HTML as a reader sees it: tags dropped, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def summary_rows(content: str) -> list[tuple[str, str]]:
    """Every (key, value) row of the page's GOV.UK summary lists, in order, as text."""
    rows = re.findall(
        r'<dt class="govuk-summary-list__key">(.*?)</dt>\s*'
        r'<dd class="govuk-summary-list__value">(.*?)</dd>',
        content,
        flags=re.DOTALL,
    )
    return [(text_of(key), text_of(value)) for key, value in rows]


def test_home_shows_headline_figures(client):
    ServiceFactory(organisation=OrganisationFactory())
    ServiceFactory(organisation=OrganisationFactory(), regions=[RegionFactory(), RegionFactory()])
    OrganisationFactory(status=Organisation.Status.DRAFT)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert response.context["figures"] == {"organisations": 2, "services": 2, "regions": 3}
    content = response.content.decode()
    figures = re.findall(
        r'<p class="govuk-heading-xl govuk-!-margin-bottom-1">(\d+)</p>\s*'
        r'<p class="govuk-body">([^<]+)</p>',
        content,
    )
    assert figures == [
        ("2", "published organisations"),
        ("2", "services"),
        ("3", "Probation Service regions covered"),
    ]
    # A search box that searches the directory.
    search = re.search(
        r'<form action="([^"]+)" method="get" role="search".*?</form>', content, re.S
    )
    assert search and search.group(1) == reverse("directory:organisation_list")
    assert '<label class="govuk-label govuk-label--m" for="home-search">' in search.group(0)
    assert 'id="home-search" name="q" type="search"' in search.group(0)


def test_home_has_entry_points_for_commissioners_and_providers(client):
    content = client.get(reverse("home")).content.decode()
    assert '<h2 class="govuk-heading-m">For commissioners and prime providers</h2>' in content
    assert '<h2 class="govuk-heading-m">For charities, CICs and mutuals</h2>' in content
    commissioners, providers = re.split(r"For charities, CICs and mutuals", content, maxsplit=1)
    assert f'href="{reverse("directory:organisation_list")}">Browse all organisations' in (
        commissioners
    )
    assert f'href="{reverse("account_signup")}">Create an account' in providers
    assert f'href="{reverse("account_login")}">sign in' in providers


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
    organisation = OrganisationFactory(
        name="Northern Lights CIC",
        legal_form=LegalFormFactory(name="Community interest company (CIC)"),
        company_number="09876543",
        year_founded=2012,
        income_band=IncomeBandFactory(name="£100,000 to £500,000"),
        staff_count=12,
        volunteer_count=1400,
        people_supported_per_year=350,
        lived_experience_led=True,
        open_to_partnership=True,
        partnership_notes="A lead provider for the North West accommodation contract",
        last_verified_at=timezone.make_aware(datetime(2026, 3, 14, 10)),
    )
    organisation.quality_marks.set(
        [QualityMarkFactory(name="Trusted Charity"), QualityMarkFactory(name="Cyber Essentials")]
    )
    organisation.partnership_roles.set([PartnershipRoleFactory(name="Subcontractor")])
    accommodation = PathwayFactory(name="Accommodation")
    north_west = RegionFactory(name="North West")
    service = ServiceFactory(
        organisation=organisation,
        name="Women's housing support",
        pathways=[accommodation, PathwayFactory(name="Health")],
        regions=[north_west],
        client_groups=[ClientGroupFactory(name="Women"), ClientGroupFactory(name="Care leavers")],
        settings=[DeliverySettingFactory(name="Through the gate")],
        eligibility="Women leaving HMP Styal",
        spare_capacity="Six places from June",
        largest_contract_value=250000,
    )
    DeliveryLocationFactory(service=service, name="The Anchor Hub")
    JusticeDataLabEvidenceFactory(organisation=organisation, verified_by_moderator=True)
    PartnershipInterestFactory(
        organisation=organisation,
        role=PartnershipRoleFactory(name="Lead or prime provider"),
        region=north_west,
        pathway=accommodation,
        direction="offer",
    )

    response = client.get(organisation.get_absolute_url())

    assert response.status_code == 200
    content = response.content.decode()
    rows = summary_rows(content)
    for row in [
        ("Companies House", "09876543 on the public register"),
        ("Founded", "2012"),
        ("Annual income", "£100,000 to £500,000"),
        ("Staff", "12"),
        ("Volunteers", "1,400"),
        ("People supported a year", "350"),
        ("Quality marks", "Cyber Essentials, Trusted Charity"),
        ("Pathways", "Accommodation, Health"),
        ("Who it is for", "Care leavers, Women"),
        ("Settings", "Through the gate"),
        ("Regions", "North West"),
        ("Where", "The Anchor Hub, M1 1AE"),
        ("Eligibility and referrals", "Women leaving HMP Styal"),
        ("Spare capacity", "Six places from June"),
        ("Largest contract it could take", "£250,000"),
        ("Roles it would take", "Subcontractor"),
        ("What we want from partners", "A lead provider for the North West accommodation contract"),
    ]:
        assert row in rows, row
    assert '<span class="govuk-caption-l">Community interest company (CIC)</span>' in content
    assert '<time datetime="2026-03-14">14 March 2026</time>' in content
    assert "Lived-experience-led" in content
    assert "Open to partnership approaches" in content
    interest = re.search(
        r"Partnership interest by region and pathway</caption>(.*?)</table>", content, re.S
    )
    assert interest and "Offers Lead or prime provider North West Accommodation" in text_of(
        interest.group(1)
    )
    for text in [
        "Women&#x27;s housing support",
        "Accepting referrals",
        "27.4%",
        "33.9%",
        "6.5 percentage points less reoffending",
        "statistically significant",
        "Verified by a moderator",
        "https://find-and-update.company-information.service.gov.uk/company/09876543",
        "register-of-charities.charitycommission.gov.uk",
    ]:
        assert text in content, text


SCRIPT = "<script>alert(1)</script>"
# Every free text the profile page shows, by the model that holds it: the organisation's own
# words, its services, delivery locations and evidence, its partnership interest (the names of
# the roles, regions and pathways) and consortia, and the taxonomy names beside them.
PROFILE_TEXT_FIELDS = [
    (Organisation, field)
    for field in [
        "name",
        "summary",
        "description",
        *CONTACT_FIELDS,
        "charity_number_ew",
        "partnership_notes",
    ]
] + [
    (Service, "name"),
    (Service, "description"),
    (Service, "eligibility"),
    (Service, "spare_capacity"),
    (DeliveryLocation, "name"),
    (DeliveryLocation, "address"),
    (DeliveryLocation, "postcode"),
    (EvidenceItem, "title"),
    (EvidenceItem, "summary"),
    (EvidenceItem, "outcomes_measured"),
    (EvidenceItem, "url"),
    (Consortium, "name"),
    (LegalForm, "name"),
    (QualityMark, "name"),
    (PartnershipRole, "name"),
    (Pathway, "name"),
    (Region, "name"),
    (ClientGroup, "name"),
    (DeliverySetting, "name"),
]


def _profile_with_every_text() -> tuple[Organisation, dict]:
    """A published organisation with one of everything its profile shows; the objects that
    hold the profile's text, by model."""
    organisation = OrganisationFactory(
        phone="0161 496 0000",
        address_line_1="1 Quay Street",
        address_line_2="Ancoats",
        open_to_partnership=True,
        partnership_notes="A lead provider",
    )
    organisation.quality_marks.set([QualityMarkFactory()])
    service = ServiceFactory(
        organisation=organisation,
        client_groups=[ClientGroupFactory()],
        settings=[DeliverySettingFactory()],
        eligibility="Women leaving custody",
        spare_capacity="Six places",
    )
    location = DeliveryLocationFactory(service=service, address="2 Quay Street")
    evidence = EvidenceItemFactory(
        organisation=organisation, outcomes_measured="Tenancies kept", url="https://example.org/r"
    )
    # The partnership interest names the service's pathway and region, and a role it would take.
    interest = PartnershipInterestFactory(
        organisation=organisation, pathway=service.pathways.get(), region=service.regions.get()
    )
    organisation.partnership_roles.set([interest.role])
    return organisation, {
        Organisation: organisation,
        Service: service,
        DeliveryLocation: location,
        EvidenceItem: evidence,
        Consortium: ConsortiumFactory(lead_organisation=organisation),
        LegalForm: organisation.legal_form,
        QualityMark: organisation.quality_marks.get(),
        PartnershipRole: interest.role,
        Pathway: interest.pathway,
        Region: interest.region,
        ClientGroup: service.client_groups.get(),
        DeliverySetting: service.settings.get(),
    }


@pytest.mark.parametrize(
    "model,field",
    PROFILE_TEXT_FIELDS,
    ids=[f"{model.__name__}.{field}" for model, field in PROFILE_TEXT_FIELDS],
)
def test_profile_escapes_user_text(client, model, field):
    organisation, holders = _profile_with_every_text()
    # A quote first, to break out of an attribute if the text is put in one unescaped; markup
    # that fits where a script does not (a charity number has ten characters).
    max_length = model._meta.get_field(field).max_length
    markup = SCRIPT if max_length is None or max_length > len(SCRIPT) else "<i>1</i>"
    text = f'"{markup}'
    model.objects.filter(pk=holders[model].pk).update(**{field: text})

    content = client.get(organisation.get_absolute_url()).content.decode()

    assert markup not in content
    assert html.escape(text) in content  # shown, and escaped


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


STATEMENTS = {
    "accessibility": (
        "Accessibility statement for the Rehabilitation Partners Directory",
        [
            "How accessible this website is",
            "Compliance status",
            "Non-accessible content",
            "Preparation of this accessibility statement",
            "Web Content Accessibility Guidelines version 2.2",
            "Equality Advisory and Support Service",
        ],
    ),
    "privacy": (
        "Privacy notice",
        [
            "Who we are",
            "What personal data we collect",
            "Why we use your data, and our lawful basis",
            "How long we keep your data",
            "Your rights",
            "How to complain",
            "Information Commissioner",
        ],
    ),
    "cookies": (
        "Cookies",
        ["Strictly necessary cookies", "we do not use cookies for analytics or advertising"],
    ),
}


@pytest.mark.parametrize("name", STATEMENTS)
def test_statement_pages(client, name):
    heading, sections = STATEMENTS[name]
    response = client.get(reverse(name))
    assert response.status_code == 200
    content = response.content.decode()
    assert re.findall(r"<h1[^>]*>(.*?)</h1>", content) == [heading]
    for text in sections:
        assert text in content, text
    # Every statement says how to get in touch.
    assert f'href="mailto:{settings.SERVICE_CONTACT_EMAIL}"' in content


def test_the_accessibility_statement_says_when_the_website_was_tested(client):
    content = client.get(reverse("accessibility")).content.decode()
    tested = re.search(
        r'This website was last tested on <time datetime="([\d-]+)">([^<]+)</time>', content
    )
    assert tested, "the statement gives the date the website was tested"
    day = date.fromisoformat(tested.group(1))
    assert tested.group(2) == f"{day.day} {day:%B %Y}"
    assert day <= timezone.localdate()
    # The summary of the result gives the same date, and the statement was reviewed since.
    assert f"When we last tested it, on {tested.group(2)}," in content
    reviewed = re.search(r"It was last reviewed on (\d{1,2} \w+ \d{4})\.", content)
    assert datetime.strptime(reviewed.group(1), "%d %B %Y").date() >= day


def test_the_cookies_page_lists_the_cookies_the_service_sets(client):
    """Names and lifetimes as the settings have them (see the comment in cookies.html)."""
    content = client.get(reverse("cookies")).content.decode()
    rows = re.findall(
        r'<th scope="row" class="govuk-table__header"><code>(\w+)</code></th>\s*'
        r'<td class="govuk-table__cell">[^<]+</td>\s*<td class="govuk-table__cell">([^<]+)</td>',
        content,
    )
    assert dict(rows) == {
        settings.SESSION_COOKIE_NAME: (
            f"{settings.SESSION_COOKIE_AGE // 3600} hours (you are signed out after "
            f"{settings.SESSION_INACTIVITY_TIMEOUT // 3600} hour without using the website)"
        ),
        # Django's CSRF cookie lasts 52 weeks.
        settings.CSRF_COOKIE_NAME: f"{settings.CSRF_COOKIE_AGE // (52 * 7 * 24 * 3600)} year",
        "messages": "As soon as the message has been shown, or when you close your browser",
    }


def test_healthz_reports_database(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_uploaded_evidence_is_linked_with_its_type_and_size(client):
    """Commissioners can read the evidence: the report is linked from the profile, served by
    the view that checks who may see it, and described as GOV.UK describes a download."""
    organisation = OrganisationFactory(name="Anchor Women's Centre")
    padding = os.urandom(240 * 1024)
    report = pdf_document(lambda pdf: setattr(pdf.Root, "Padding", pikepdf.Stream(pdf, padding)))
    verified = EvidenceItemFactory(
        organisation=organisation, title="Evaluation 2024", verified_by_moderator=True
    )
    verified.document.save("report.pdf", ContentFile(report))
    EvidenceItemFactory(organisation=organisation, title="Case study")

    page = client.get(organisation.get_absolute_url()).content.decode()
    link = reverse(
        "directory:evidence_document", kwargs={"slug": organisation.slug, "evidence": verified.uuid}
    )
    size = f"{round(len(report) / 1024)} KB"
    assert size in ("240 KB", "241 KB")
    assert text_of(page).count("Read the report") == 1
    assert (
        f'href="{link}">Read the report<span class="govuk-visually-hidden">: Evaluation 2024'
        f"</span> (PDF, {size})</a>"
    ) in page
    section = page[page.index("Evaluation 2024") : page.index("Case study")]
    assert "Verified by a moderator" in section
    response = client.get(link)
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == report
    # The APIs describe the evidence but never hand out the stored file's name.
    api = client.get(reverse("api_v1:organisation-detail", args=[organisation.slug]))
    assert verified.document.name not in api.content.decode()
    # A report whose file has gone is still described, without a size.
    verified.document.storage.delete(verified.document.name)
    assert "(PDF)</a>" in client.get(organisation.get_absolute_url()).content.decode()
