"""The demo's working set (development only): something to show in every feature, so that each
demo account can do its whole job straight after `make run`.

The commissioner is verified and works for a Probation Service region; the moderator has an
authenticator with a fixed dev-only secret (settings.DEMO_TOTP_SECRET) and a queue of one item
of each kind; there are open opportunities with responses, a consortium with members and gaps
in its coverage, a shortlist with notes, a saved search, and evidence with a PDF. Written by
load_demo_data after the organisations and accounts; each row is found by its natural key
first, so that loading again adds nothing. This module sits above the apps it fills (it writes
consortia rows too), like the command that calls it.
"""

from collections import Counter
from datetime import timedelta
from pathlib import Path

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt, encrypt
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files import File
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import CommissionerProfile, Membership, User
from consortia.models import (
    Consortium,
    ConsortiumMembership,
    ExpressionOfInterest,
    Opportunity,
)
from directory.moderation import services as moderation_services
from directory.moderation.models import ClaimRequest, ProblemReport
from directory.organisations import models as organisation_models
from directory.organisations.models import (
    AuditRecord,
    EvidenceItem,
    Organisation,
    Service,
)
from directory.search.models import SavedSearch
from directory.search.search_index import refresh_search_documents
from directory.shortlists.models import Shortlist, ShortlistItem
from directory.shortlists.services import search_record_create

EVIDENCE_PDF = Path(settings.BASE_DIR) / "fixtures" / "demo" / "evidence-summary.pdf"
REGION = "greater-manchester"
IN_THE_REGION = f"region={REGION}"
COMMISSIONER_BODY = "Probation Service: Greater Manchester region"
# People in the demo who are not demo logins (they cannot sign in): the other organisations'
# staff, someone claiming an organisation, and a commissioner waiting to be verified.
EDITOR = ("nadia.editor@example.org", "Nadia Editor")
SUBMITTER = ("sam.submitter@example.org", "Sam Submitter")
CLAIMANT = ("jo.claimant@example.org", "Jo Claimant")
PENDING_COMMISSIONER = ("pat.pending@example.org", "Pat Pending")
# Organisations of fixtures/demo/organisations.json that the working set uses.
PARTNER = "Neurodiversity Justice Partnership"  # EDITOR's: a pending change, responses
FAMILY_SUPPORT = "St Peter's Welcome Home Project"  # no admin: claimed
YOUTH = "Manchester Youth Voices CIC"  # reported; invited to the consortium
NEW_ORGANISATION = "Salford Second Chances"  # not published yet: a new submission
PROVIDER_ORGANISATION = "Irwell Women's Centre"  # the demo provider's (load_demo_data)


def demo_features_missing() -> list[str]:
    """The organisations of the demo data set that the working set needs and cannot find (a
    file other than fixtures/demo/organisations.json may lack them)."""
    needed = [PARTNER, FAMILY_SUPPORT, YOUTH, PROVIDER_ORGANISATION]
    found = set(Organisation.objects.filter(name__in=needed).values_list("name", flat=True))
    return [name for name in needed if name not in found]


def demo_features_load(
    *, provider: User, commissioner: User, moderator: User, provider_organisation: Organisation
) -> Counter:
    """Create what is missing of the working set; how many rows of each kind were created, by
    the kind's (singular, plural) names."""
    loader = WorkingSet(moderator=moderator)
    loader.moderator_authenticator(moderator)
    loader.commissioner_profile(commissioner)
    partner = loader.organisation_with_admin(PARTNER, EDITOR)
    family_support = Organisation.objects.get(name=FAMILY_SUPPORT)
    youth = Organisation.objects.get(name=YOUTH)
    loader.moderation_queue(partner, family_support, youth)
    loader.opportunities(commissioner, provider, provider_organisation, partner)
    loader.consortium(provider, provider_organisation, partner, family_support, youth)
    loader.shortlist(commissioner, [provider_organisation, partner, family_support])
    loader.saved_search(commissioner)
    loader.evidence_document(provider_organisation)
    return loader.created


class WorkingSet:
    def __init__(self, *, moderator: User):
        self.moderator = moderator
        self.created = Counter()

    def add(self, model, lookup: dict, values: dict | None = None, *, author: User | None = None):
        """The row matching `lookup`, created (validated) with `values` if there is none, its
        history saying `author` made it."""
        instance = model.objects.filter(**lookup).first()
        if instance is None:
            instance = model(**lookup, **(values or {}))
            instance._history_user = author
            instance.full_clean()
            instance.save()
            self.created[(model._meta.verbose_name, model._meta.verbose_name_plural)] += 1
        return instance

    # --- People -----------------------------------------------------------------------------

    def person(self, email: str, full_name: str) -> User:
        """Someone in the demo who cannot sign in (no usable password)."""
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=None, full_name=full_name)
            self.created[("person", "people")] += 1
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        return user

    def moderator_authenticator(self, moderator: User) -> None:
        """The authenticator app with the dev-only secret that demo_logins prints."""
        secret = settings.DEMO_TOTP_SECRET
        authenticator = Authenticator.objects.filter(
            user=moderator, type=Authenticator.Type.TOTP
        ).first()
        if authenticator is None:
            Authenticator.objects.create(
                user=moderator, type=Authenticator.Type.TOTP, data={"secret": encrypt(secret)}
            )
            self.created[("authenticator", "authenticators")] += 1
        elif decrypt(authenticator.data["secret"]) != secret:
            authenticator.data = {"secret": encrypt(secret)}
            authenticator.save(update_fields=["data"])

    def commissioner_profile(self, commissioner: User) -> None:
        """The demo commissioner works for a Probation Service region and is verified."""
        region = organisation_models.Region.objects.get(slug=REGION)
        profile = self.add(
            CommissionerProfile,
            {"user": commissioner},
            {
                "body_type": CommissionerProfile.BodyType.PROBATION_REGION,
                "body_name": COMMISSIONER_BODY,
                "region": region,
                "verification_status": CommissionerProfile.Verification.VERIFIED,
                "verified_at": timezone.now(),
                "verified_by": self.moderator,
            },
        )
        if not profile.is_verified:
            profile.verification_status = CommissionerProfile.Verification.VERIFIED
            profile.verified_at = timezone.now()
            profile.verified_by = self.moderator
            profile.full_clean()
            profile.save()

    def organisation_with_admin(self, name: str, person: tuple[str, str]) -> Organisation:
        organisation = Organisation.objects.get(name=name)
        self.add(
            Membership,
            {"user": self.person(*person), "organisation": organisation},
            {"role": Membership.Role.ADMIN},
        )
        return organisation

    # --- The moderation queue: one item of each kind ----------------------------------------

    def moderation_queue(
        self, partner: Organisation, family_support: Organisation, youth: Organisation
    ) -> None:
        self.new_submission()
        if not partner.revisions.open().exists():
            partner.summary = (
                "Neurodiversity screening, adjustments and advocacy for people on probation "
                "across Greater Manchester and the North West, now with a women's service."
            )
            moderation_services.revision_record(
                organisation=partner, user=User.objects.get(email=EDITOR[0])
            )
            self.created[("change to a published entry", "changes to published entries")] += 1
        self.add(
            ClaimRequest,
            {"organisation": family_support, "user": self.person(*CLAIMANT)},
            {
                "kind": ClaimRequest.Kind.CLAIM,
                "message": "I am the project's new coordinator and would like to keep our "
                "entry up to date. Our trustees can confirm my role.",
            },
        )
        self.add(
            ProblemReport,
            {"organisation": youth, "email": "concerned.reader@example.org"},
            {
                "description": "The phone number on this page no longer works, and I think "
                "the drop-in moved to Moss Side last spring."
            },
        )
        self.add(
            CommissionerProfile,
            {"user": self.person(*PENDING_COMMISSIONER)},
            {
                "body_type": CommissionerProfile.BodyType.LOCAL_AUTHORITY,
                "body_name": "Salford City Council",
                "region": organisation_models.Region.objects.get(slug=REGION),
            },
        )

    def new_submission(self) -> None:
        """A new organisation sent for review by its admin (the first moderation task)."""
        slug = slugify(NEW_ORGANISATION)
        if Organisation.objects.filter(slug=slug).exists():
            return
        submitter = self.person(*SUBMITTER)
        organisation = self.add(
            Organisation,
            {"slug": slug},
            {
                "name": NEW_ORGANISATION,
                "legal_form": organisation_models.LegalForm.objects.get(slug="cio"),
                "charity_number_ew": "1198765",
                "summary": "Peer mentors with lived experience meet people at the gate of "
                "HMP Forest Bank and stay with them for their first three months home.",
                "description": "Founded by three people who served sentences themselves, we "
                "match each person leaving Forest Bank with a trained peer mentor.",
                "email": "hello@salford-second-chances.example.org",
                "postcode": "M6 5JD",
                "town": "Salford",
                "income_band": organisation_models.IncomeBand.objects.get(slug="10k-100k"),
                "lived_experience_led": True,
                "staff_count": 2,
                "volunteer_count": 14,
                "people_supported_per_year": 60,
                "year_founded": 2021,
                "status": Organisation.Status.SUBMITTED,
                "submitted_at": timezone.now() - timedelta(days=2),
                "completed_sections": ["about", "contact", "services"],
            },
            # The moderators' review says who sent it.
            author=submitter,
        )
        service = self.add(
            Service,
            {"organisation": organisation, "name": "Through-the-gate peer mentoring"},
            {"description": "A peer mentor meets you at the gate and for 12 weeks after."},
        )
        service.pathways.set(
            organisation_models.Pathway.objects.filter(slug__in=["accommodation", "finance-and-id"])
        )
        service.client_groups.set(
            organisation_models.ClientGroup.objects.filter(slug="young-adults")
        )
        service.settings.set(
            organisation_models.DeliverySetting.objects.filter(slug="through-the-gate")
        )
        service.regions.set(organisation_models.Region.objects.filter(slug=REGION))
        self.add(
            Membership,
            {"user": submitter, "organisation": organisation},
            {"role": Membership.Role.ADMIN},
        )
        refresh_search_documents(organisation_ids=[organisation.pk])

    # --- Partnerships -----------------------------------------------------------------------

    def opportunities(
        self,
        commissioner: User,
        provider: User,
        provider_organisation: Organisation,
        partner: Organisation,
    ) -> None:
        today = timezone.localdate()
        contract = self.opportunity(
            {"title": "Through-the-gate accommodation support for women in Greater Manchester"},
            posted_by=commissioner,
            description="We are looking for providers to support women leaving HMP Styal into "
            "settled accommodation, from the last month in custody to six months after release. "
            "Tell us how you would work with housing teams and women's centres.",
            value_band=Opportunity.ValueBand.UP_TO_1M,
            closes_on=today + timedelta(days=42),
            expected_start=today + timedelta(days=120),
            terms={
                "pathways": ["accommodation", "abuse-and-domestic-violence"],
                "client_groups": ["women"],
                "roles_sought": ["lead-provider", "specialist-provider"],
            },
        )
        subcontract = self.opportunity(
            {"title": "Partner wanted: debt and benefits advice for the women we support"},
            posted_by=provider,
            organisation=provider_organisation,
            description="Irwell Women's Centre is looking for a specialist partner to run a "
            "weekly debt, benefits and ID clinic at our Salford and Bolton hubs.",
            value_band=Opportunity.ValueBand.UNDER_50K,
            closes_on=today + timedelta(days=28),
            is_subcontract=True,
            terms={
                "pathways": ["finance-and-id"],
                "client_groups": ["women"],
                "roles_sought": ["subcontractor"],
            },
        )
        editor = User.objects.get(email=EDITOR[0])
        self.response(
            contract,
            provider_organisation,
            provider,
            "Our key workers already meet women in Styal; we would lead the accommodation work "
            "with two housing partners.",
        )
        self.response(
            contract,
            partner,
            editor,
            "We would screen for neurodivergence and make adjustments to every support plan.",
        )
        self.response(
            subcontract,
            partner,
            editor,
            "Our advocates run benefits and ID clinics in Manchester and could add Bolton.",
        )

    def opportunity(self, lookup: dict, *, terms: dict, **values) -> Opportunity:
        opportunity = self.add(Opportunity, lookup, values)
        opportunity.regions.set(organisation_models.Region.objects.filter(slug=REGION))
        for relation, slugs in terms.items():
            model = {
                "roles_sought": organisation_models.PartnershipRole,
                "client_groups": organisation_models.ClientGroup,
            }.get(relation, organisation_models.Pathway)
            getattr(opportunity, relation).set(model.objects.filter(slug__in=slugs))
        return opportunity

    def response(self, opportunity, organisation, person, message: str) -> None:
        eoi = self.add(
            ExpressionOfInterest,
            {"opportunity": opportunity, "organisation": organisation},
            {"submitted_by": person, "message": message},
        )
        eoi.services.set(organisation.services.all()[:1])

    def consortium(
        self,
        provider: User,
        lead: Organisation,
        partner: Organisation,
        family_support: Organisation,
        youth: Organisation,
    ) -> None:
        """Three members and one invitation over six pathways: the grid shows a gap."""
        consortium = self.add(
            Consortium,
            {"name": "Greater Manchester Women's Justice Partnership"},
            {
                "purpose": "Women's centres and specialists bidding together for the region's "
                "women's services: key work, accommodation, families, ID and neurodiversity.",
                "lead_organisation": lead,
                "status": Consortium.Status.FORMING,
                "visibility": Consortium.Visibility.PUBLIC,
            },
        )
        consortium.regions.set(organisation_models.Region.objects.filter(slug=REGION))
        consortium.pathways.set(
            organisation_models.Pathway.objects.filter(
                slug__in=[
                    "accommodation",
                    "attitudes-thinking-and-behaviour",
                    "children-families-and-communities",
                    "education-skills-and-work",
                    "finance-and-id",
                    "health",
                ]
            )
        )
        now = timezone.now()
        members = [
            (lead, "Lead organisation", ConsortiumMembership.Status.ACCEPTED),
            (partner, "Neurodiversity screening", ConsortiumMembership.Status.ACCEPTED),
            (family_support, "Families and ID", ConsortiumMembership.Status.ACCEPTED),
            (youth, "Young women's mentoring", ConsortiumMembership.Status.INVITED),
        ]
        for organisation, role, status in members:
            membership = self.add(
                ConsortiumMembership,
                {"consortium": consortium, "organisation": organisation},
                {
                    "role": role,
                    "status": status,
                    "invited_by": provider,
                    "responded_at": None if status == "invited" else now,
                },
            )
            verb = "joined the consortium" if membership.status == "accepted" else "was invited"
            self.add(
                AuditRecord,
                {
                    "kind": AuditRecord.Kind.CONSORTIUM,
                    "subject_type": ContentType.objects.get_for_model(Consortium),
                    "subject_id": consortium.pk,
                    "organisation": organisation,
                },
                {
                    "actor": provider,
                    "action": AuditRecord.Action.DONE,
                    "organisation_name": organisation.name,
                    "description": f"{organisation.name} {verb}",
                },
            )

    # --- A commissioner's working -----------------------------------------------------------

    def shortlist(self, commissioner: User, organisations: list[Organisation]) -> None:
        shortlist = self.add(
            Shortlist,
            {"owner": commissioner, "name": "Women's services in Greater Manchester"},
            {"description": "Providers to talk to before the women's accommodation tender."},
        )
        notes = [
            "Strong Justice Data Lab result; ask about capacity from April.",
            "Could screen everyone we refer for neurodivergence.",
            "Small team; good with families. Check they can take referrals from Styal.",
        ]
        for organisation, note in zip(organisations, notes, strict=True):
            self.add(
                ShortlistItem,
                {"shortlist": shortlist, "organisation": organisation},
                {"note": note},
            )
        if not shortlist.search_records.exists():
            # How the market was tested: the search behind the shortlist, as it found them.
            search_record_create(shortlist=shortlist, query_string=IN_THE_REGION, user=commissioner)
            self.created[("search record", "search records")] += 1

    def saved_search(self, commissioner: User) -> None:
        self.add(
            SavedSearch,
            {"owner": commissioner, "name": "Accommodation in Greater Manchester"},
            {
                "query_string": f"pathway=accommodation&region={REGION}",
                "alert_frequency": SavedSearch.AlertFrequency.WEEKLY,
                "last_alerted_at": timezone.now(),
            },
        )

    def evidence_document(self, organisation: Organisation) -> None:
        """The provider's outcome monitoring comes with its report as a PDF."""
        item = (
            organisation.evidence_items.filter(kind=EvidenceItem.Kind.OUTCOME_MONITORING).first()
            or organisation.evidence_items.first()
        )
        if item is None or item.document:
            return
        with EVIDENCE_PDF.open("rb") as pdf:
            item.document.save(EVIDENCE_PDF.name, File(pdf), save=True)
        self.created[("evidence document", "evidence documents")] += 1
