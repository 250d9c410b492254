"""Every test factory, in one place."""

import io
from collections.abc import Callable
from datetime import timedelta

import factory
import pikepdf
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.models import Membership, User
from directory.moderation import models as moderation_models
from directory.organisations import models
from directory.search import models as search_models
from directory.shortlists import models as shortlists_models


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name", locale="en_GB")
    password = factory.PostGenerationMethodCall("set_password", "a-long-test-password")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def taxonomy_factory(model_class, **extra):
    return type(
        f"{model_class.__name__}Factory",
        (DjangoModelFactory,),
        {
            "Meta": type("Meta", (), {"model": model_class, "django_get_or_create": ("slug",)}),
            "name": factory.Sequence(lambda n: f"{model_class.__name__} {n}"),
            "slug": factory.Sequence(lambda n: f"{model_class.__name__.lower()}-{n}"),
            **extra,
        },
    )


RegionFactory = taxonomy_factory(models.Region, code=factory.Sequence(lambda n: f"R{n}"))
PathwayFactory = taxonomy_factory(models.Pathway)
ClientGroupFactory = taxonomy_factory(models.ClientGroup)
DeliverySettingFactory = taxonomy_factory(models.DeliverySetting)
LegalFormFactory = taxonomy_factory(models.LegalForm)
IncomeBandFactory = taxonomy_factory(models.IncomeBand)
PartnershipRoleFactory = taxonomy_factory(models.PartnershipRole)
QualityMarkFactory = taxonomy_factory(models.QualityMark)


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = models.Organisation

    name = factory.Sequence(lambda n: f"Second Chances Trust {n}")
    slug = factory.Sequence(lambda n: f"second-chances-trust-{n}")
    # One shared legal form, as in real data (the search keeps at most 63 terms a taxonomy).
    legal_form = factory.SubFactory(LegalFormFactory, slug="charity", name="Charity")
    charity_number_ew = factory.Sequence(lambda n: f"{1100000 + n}")
    summary = "Mentoring people leaving prison in the North West."
    description = "We meet people at the gate and stay with them for a year."
    website = "https://second-chances.example.org"
    email = "hello@second-chances.example.org"
    postcode = "M1 1AE"
    town = "Manchester"
    status = models.Organisation.Status.PUBLISHED
    last_verified_at = factory.LazyFunction(timezone.now)
    published_at = factory.LazyFunction(timezone.now)
    submitted_at = factory.LazyAttribute(
        lambda o: timezone.now() if o.status == models.Organisation.Status.SUBMITTED else None
    )


class ServiceFactory(DjangoModelFactory):
    class Meta:
        model = models.Service
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Through the gate mentoring {n}")
    description = "A mentor meets each person on release."

    @factory.post_generation
    def pathways(obj, create, extracted, **kwargs):
        if create:
            obj.pathways.set(extracted if extracted is not None else [PathwayFactory()])

    @factory.post_generation
    def regions(obj, create, extracted, **kwargs):
        if create:
            obj.regions.set(extracted if extracted is not None else [RegionFactory()])

    @factory.post_generation
    def client_groups(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.client_groups.set(extracted)

    @factory.post_generation
    def settings(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.settings.set(extracted)


class DeliveryLocationFactory(DjangoModelFactory):
    class Meta:
        model = models.DeliveryLocation

    service = factory.SubFactory(ServiceFactory)
    name = "Community hub"
    postcode = "M1 1AE"
    latitude = 53.4794
    longitude = -2.2453


class EvidenceItemFactory(DjangoModelFactory):
    class Meta:
        model = models.EvidenceItem

    organisation = factory.SubFactory(OrganisationFactory)
    kind = models.EvidenceItem.Kind.OUTCOME_MONITORING
    title = factory.Sequence(lambda n: f"Annual outcomes report {n}")
    year = 2024
    summary = "Outcomes for everyone we supported last year."
    nesta_level = 2


class JusticeDataLabEvidenceFactory(EvidenceItemFactory):
    kind = models.EvidenceItem.Kind.JUSTICE_DATA_LAB
    title = "Justice Data Lab analysis"
    nesta_level = 3
    jdl_cohort_size = 212
    jdl_cohort_rate = "27.4"
    jdl_comparison_rate = "33.9"
    jdl_significant = True


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Membership.Role.ADMIN


class VerifiedEmailAddressFactory(DjangoModelFactory):
    """allauth's record that a user confirmed their email address."""

    class Meta:
        model = "account.EmailAddress"

    user = factory.SubFactory(UserFactory)
    email = factory.SelfAttribute("user.email")
    verified = True
    primary = True


class ClaimRequestFactory(DjangoModelFactory):
    class Meta:
        model = moderation_models.ClaimRequest

    organisation = factory.SubFactory(OrganisationFactory)
    user = factory.SubFactory(UserFactory)
    kind = moderation_models.ClaimRequest.Kind.JOIN
    message = "I run the Manchester project."


class CommissionerProfileFactory(DjangoModelFactory):
    class Meta:
        model = "accounts.CommissionerProfile"

    user = factory.SubFactory(UserFactory)
    body_type = "probation_region"
    body_name = "Probation Service North West"


class InvitationFactory(DjangoModelFactory):
    class Meta:
        model = "accounts.Invitation"

    organisation = factory.SubFactory(OrganisationFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.org")
    role = Membership.Role.EDITOR
    invited_by = factory.SubFactory(UserFactory)


OFFER_APPRAISAL_INPUTS = {
    "contract_months": "12",
    "referrals_per_month": "5",
    "price_per_person": "2000",
    "total_value": "",
    "fee_for_service_percent": "40",
    "results_percent": "60",
    "results_delay_months": "6",
    "results_paid_after_end": "yes",
    "upfront_payment": "0",
    "management_fee_percent": "10",
    "outcome_rate_low": "20",
    "outcome_rate_expected": "35",
    "outcome_rate_high": "50",
    "best_evidence_rate": "30",
    "setup_costs": "5000",
    "monthly_fixed_costs": "4000",
    "variable_cost_per_person": "100",
    "working_capital": "10000",
    "borrowing_rate_percent": "8",
}


class OfferAppraisalFactory(DjangoModelFactory):
    """A saved appraisal; `inputs` are the strings the tool's form takes."""

    class Meta:
        model = "consortia.OfferAppraisal"

    owner = factory.SubFactory(UserFactory)
    organisation = factory.LazyAttribute(
        lambda appraisal: MembershipFactory(user=appraisal.owner).organisation
    )
    name = factory.Sequence(lambda n: f"Accommodation subcontract {n}")
    inputs = factory.LazyFunction(lambda: dict(OFFER_APPRAISAL_INPUTS))


class PartnershipInterestFactory(DjangoModelFactory):
    class Meta:
        model = "directory.PartnershipInterest"

    organisation = factory.SubFactory(OrganisationFactory)
    region = factory.SubFactory(RegionFactory)
    pathway = factory.SubFactory(PathwayFactory)
    role = factory.SubFactory(PartnershipRoleFactory)
    direction = "seek"


class OpportunityFactory(DjangoModelFactory):
    """A published opportunity posted by an organisation's admin, closing in a month."""

    class Meta:
        model = "consortia.Opportunity"
        skip_postgeneration_save = True

    posted_by = factory.SubFactory(UserFactory)
    organisation = factory.LazyAttribute(
        lambda opportunity: MembershipFactory(user=opportunity.posted_by).organisation
    )
    title = factory.Sequence(lambda n: f"Accommodation partner for a resettlement contract {n}")
    description = "We are bidding for resettlement services and need an accommodation partner."
    value_band = "50k_250k"
    closes_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=30))

    @factory.post_generation
    def regions(obj, create, extracted, **kwargs):
        if create:
            obj.regions.set(extracted if extracted is not None else [RegionFactory()])

    @factory.post_generation
    def pathways(obj, create, extracted, **kwargs):
        if create:
            obj.pathways.set(extracted if extracted is not None else [PathwayFactory()])

    @factory.post_generation
    def roles_sought(obj, create, extracted, **kwargs):
        if create:
            obj.roles_sought.set(extracted if extracted is not None else [PartnershipRoleFactory()])


class ExpressionOfInterestFactory(DjangoModelFactory):
    class Meta:
        model = "consortia.ExpressionOfInterest"

    opportunity = factory.SubFactory(OpportunityFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    message = "We run supported housing in the region and would like to talk."


class ConsortiumFactory(DjangoModelFactory):
    """A public consortium whose lead is already an accepted member."""

    class Meta:
        model = "consortia.Consortium"
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"North West Resettlement Alliance {n}")
    purpose = "To bid together for resettlement services."
    lead_organisation = factory.SubFactory(OrganisationFactory)
    visibility = "public"

    @factory.post_generation
    def lead_membership(obj, create, extracted, **kwargs):
        if create:
            ConsortiumMembershipFactory(
                consortium=obj,
                organisation=obj.lead_organisation,
                role="Lead organisation",
                status="accepted",
                responded_at=timezone.now(),
            )


class ConsortiumMembershipFactory(DjangoModelFactory):
    class Meta:
        model = "consortia.ConsortiumMembership"

    consortium = factory.SubFactory(ConsortiumFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = "Subcontractor"
    status = "invited"


def verified_user(**kwargs):
    """A user who has confirmed their email address, so allauth lets them sign in."""
    user = UserFactory(**kwargs)
    VerifiedEmailAddressFactory(user=user, email=user.email)
    return user


class ShortlistFactory(DjangoModelFactory):
    class Meta:
        model = shortlists_models.Shortlist

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Accommodation providers, North West {n}")
    description = "For the 2027 accommodation contract."


class ShortlistItemFactory(DjangoModelFactory):
    class Meta:
        model = shortlists_models.ShortlistItem

    shortlist = factory.SubFactory(ShortlistFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    note = ""


class ShortlistShareFactory(DjangoModelFactory):
    class Meta:
        model = shortlists_models.ShortlistShare

    shortlist = factory.SubFactory(ShortlistFactory)
    user = factory.SubFactory(UserFactory)
    role = shortlists_models.ShortlistShare.Role.VIEWER


class ShortlistInvitationFactory(DjangoModelFactory):
    """A shortlist shared with an address that has no account."""

    class Meta:
        model = shortlists_models.ShortlistInvitation

    shortlist = factory.SubFactory(ShortlistFactory)
    email = factory.Sequence(lambda n: f"colleague{n}@council.example.org")
    role = shortlists_models.ShortlistShare.Role.VIEWER


class SearchRecordFactory(DjangoModelFactory):
    class Meta:
        model = shortlists_models.SearchRecord

    shortlist = factory.SubFactory(ShortlistFactory)
    query_string = "region=wales&pathway=accommodation"
    result_count = 12
    recorded_by = factory.SelfAttribute("shortlist.owner")


class ContactMessageFactory(DjangoModelFactory):
    class Meta:
        model = shortlists_models.ContactMessage

    sender = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    subject = "Accommodation contract"
    body = "Would you bid with us?"


class SavedSearchFactory(DjangoModelFactory):
    class Meta:
        model = search_models.SavedSearch

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Women's services {n}")
    query_string = ""
    alert_frequency = search_models.SavedSearch.AlertFrequency.DAILY


def moderator_user(**kwargs):
    """A verified user in the Moderators group with an authenticator app (2FA is enforced)."""
    from django.contrib.auth.models import Group

    from accounts.models import MODERATORS_GROUP
    from tests.accounts.helpers import activate_totp

    user = verified_user(**kwargs)
    user.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    activate_totp(user)
    return user


class OrganisationRevisionFactory(DjangoModelFactory):
    class Meta:
        model = moderation_models.OrganisationRevision

    organisation = factory.SubFactory(OrganisationFactory)
    proposed = factory.LazyFunction(lambda: {"summary": "A new summary"})
    original = factory.LazyAttribute(lambda revision: {"summary": revision.organisation.summary})


class ProblemReportFactory(DjangoModelFactory):
    class Meta:
        model = moderation_models.ProblemReport

    organisation = factory.SubFactory(OrganisationFactory)
    description = "The phone number no longer works."


def pdf_document(change: Callable[[pikepdf.Pdf], None] | None = None) -> bytes:
    """A real one-page PDF (built with pikepdf), changed by `change` before it is saved."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    if change is not None:
        change(pdf)
    buffer = io.BytesIO()
    pdf.save(buffer)
    return buffer.getvalue()
