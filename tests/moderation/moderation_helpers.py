"""A submission with every kind of field filled in, as moderators review it (tests and the
review page's screenshot on a dev server)."""

from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Membership
from directory.organisations.models import (
    ClientGroup,
    DeliverySetting,
    EvidenceItem,
    Organisation,
    Pathway,
    Region,
)
from directory.registration import services
from tests.factories import (
    DeliveryLocationFactory,
    EvidenceItemFactory,
    MembershipFactory,
    OrganisationFactory,
    ServiceFactory,
    verified_user,
)

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def full_submission(
    *,
    name: str = "Harbour Light Trust",
    email: str = "kim@harbour-light.example.org",
    message: str = "",
) -> tuple[Organisation, object]:
    """A draft with services, a delivery location and evidence with a PDF, sent for review by
    its admin (whose email domain matches its website) with `message` to the moderators; needs
    the taxonomies loaded."""
    charity = verified_user(email=email, full_name="Kim Harbour")
    organisation = OrganisationFactory(
        name=name,
        slug=name.lower().replace(" ", "-"),
        status=Organisation.Status.DRAFT,
        completed_sections=list(services.SECTIONS),
        charity_number_ew="1187654",
        company_number="11223344",
        summary="Mentoring for men leaving HMP Liverpool",
        description="Volunteers with lived experience meet each man at the gate.",
        website="https://harbour-light.example.org",
        email="hello@harbour-light.example.org",
        phone="0151 496 0000",
        address_line_1="12 Dock Road",
        town="Liverpool",
        postcode="L3 4AA",
        staff_count=7,
        volunteer_count=31,
        people_supported_per_year=140,
        published_at=None,
        last_verified_at=None,
    )
    MembershipFactory(user=charity, organisation=organisation, role=Membership.Role.ADMIN)
    service = ServiceFactory(
        organisation=organisation,
        name="Through the gate mentoring",
        description="A mentor for the first year after release.",
        eligibility="Men over 21 released to Merseyside",
        spare_capacity="Ten places a month",
        largest_contract_value=250000,
        pathways=[Pathway.objects.get(slug="education-skills-and-work")],
        regions=[Region.objects.get(slug="north-west")],
        client_groups=[ClientGroup.objects.order_by("name").first()],
        settings=[DeliverySetting.objects.order_by("name").first()],
    )
    DeliveryLocationFactory(
        service=service, name="Dock Road hub", address="12 Dock Road", postcode="L3 4AA"
    )
    EvidenceItemFactory(
        organisation=organisation,
        kind=EvidenceItem.Kind.EVALUATION,
        title="Independent evaluation 2024",
        document=SimpleUploadedFile("evaluation.pdf", PDF_BYTES, "application/pdf"),
    )
    organisation.refresh_from_db()
    services.organisation_submit(
        organisation=organisation,
        user=charity,
        expected_version=organisation.version,
        message=message,
    )
    return organisation, charity
