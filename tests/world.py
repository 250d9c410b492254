"""A world with one of everything, owned by organisation A, for the permission-matrix and
accessibility tests; built through tests/factories.py."""

from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from accounts.models import Membership
from tests.factories import (
    ClaimRequestFactory,
    CommissionerProfileFactory,
    ConsortiumFactory,
    ConsortiumMembershipFactory,
    DeliveryLocationFactory,
    EvidenceItemFactory,
    ExpressionOfInterestFactory,
    InvitationFactory,
    MembershipFactory,
    OfferAppraisalFactory,
    OpportunityFactory,
    OrganisationFactory,
    PartnershipInterestFactory,
    ProblemReportFactory,
    SavedSearchFactory,
    ServiceFactory,
    ShortlistFactory,
    ShortlistInvitationFactory,
    ShortlistItemFactory,
    ShortlistShareFactory,
    moderator_user,
    verified_user,
)

ROLES = ("anonymous", "stranger", "editor", "admin", "commissioner", "moderator")


@dataclass
class World:
    """`users` holds a user per signed-in role, and "partner": organisation C's admin, whose
    organisation responded to A's opportunity and is invited to A's consortium; "newcomer":
    signed in, but in no organisation and not a commissioner, so not yet allowed to post."""

    users: dict
    organisation: object
    draft: object
    other: object
    service: object
    location: object
    evidence: object
    draft_service: object
    draft_location: object
    draft_evidence: object
    shortlist: object
    shortlist_item: object
    shortlist_share: object
    shortlist_invitation: object
    saved_search: object
    appraisal: object
    invitation: object
    claim_request: object
    editor_membership: object
    opportunity: object
    expression_of_interest: object
    consortium: object
    consortium_invitation: object
    lead_membership: object
    partnership_interest: object
    submitted: object
    archived: object
    problem_report: object
    pending_commissioner: object
    unclaimed_claim: object
    session_keys: dict = field(default_factory=dict)


def build_world() -> World:
    admin = verified_user(email="admin@org-a.example.org")
    editor = verified_user(email="editor@org-a.example.org")
    stranger = verified_user(email="stranger@org-b.example.org")
    commissioner = verified_user(email="commissioner@probation.example.org")
    CommissionerProfileFactory(
        user=commissioner, verification_status="verified", verified_at=timezone.now()
    )
    moderator = moderator_user(email="moderator@example.org")

    organisation = OrganisationFactory(name="Organisation A", slug="organisation-a")
    MembershipFactory(user=admin, organisation=organisation, role=Membership.Role.ADMIN)
    editor_membership = MembershipFactory(
        user=editor, organisation=organisation, role=Membership.Role.EDITOR
    )
    other = OrganisationFactory(name="Organisation B", slug="organisation-b")
    MembershipFactory(user=stranger, organisation=other, role=Membership.Role.ADMIN)
    draft = OrganisationFactory(
        name="Draft A", slug="draft-a", status="draft", published_at=None, last_verified_at=None
    )
    MembershipFactory(user=admin, organisation=draft, role=Membership.Role.ADMIN)
    MembershipFactory(user=editor, organisation=draft, role=Membership.Role.EDITOR)

    service = ServiceFactory(organisation=organisation)
    evidence = EvidenceItemFactory(
        organisation=organisation,
        document=SimpleUploadedFile("report.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"),
    )
    draft_service = ServiceFactory(organisation=draft)

    third = OrganisationFactory(name="Organisation C", slug="organisation-c")
    third_admin = verified_user(email="admin@org-c.example.org")
    MembershipFactory(user=third_admin, organisation=third)
    opportunity = OpportunityFactory(posted_by=admin, organisation=organisation)
    consortium = ConsortiumFactory(lead_organisation=organisation, visibility="members")
    submitted = OrganisationFactory(name="Waiting Trust", status="submitted", published_at=None)
    applicant = verified_user(email="applicant@council.example.org")
    shortlist = ShortlistFactory(owner=admin)
    return World(
        users={
            "stranger": stranger,
            "editor": editor,
            "admin": admin,
            "commissioner": commissioner,
            "moderator": moderator,
            "partner": third_admin,
            "newcomer": verified_user(email="newcomer@example.org"),
        },
        organisation=organisation,
        draft=draft,
        other=other,
        service=service,
        location=DeliveryLocationFactory(service=service),
        evidence=evidence,
        draft_service=draft_service,
        draft_location=DeliveryLocationFactory(service=draft_service),
        draft_evidence=EvidenceItemFactory(
            organisation=draft,
            document=SimpleUploadedFile("draft.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"),
        ),
        shortlist=shortlist,
        shortlist_item=ShortlistItemFactory(shortlist=shortlist, organisation=other),
        shortlist_share=ShortlistShareFactory(shortlist=shortlist, user=third_admin),
        shortlist_invitation=ShortlistInvitationFactory(shortlist=shortlist),
        saved_search=SavedSearchFactory(owner=admin, query_string="q=housing"),
        appraisal=OfferAppraisalFactory(owner=admin, organisation=organisation),
        invitation=InvitationFactory(organisation=organisation, invited_by=admin),
        claim_request=ClaimRequestFactory(organisation=organisation),
        editor_membership=editor_membership,
        opportunity=opportunity,
        expression_of_interest=ExpressionOfInterestFactory(
            opportunity=opportunity, organisation=third
        ),
        consortium=consortium,
        consortium_invitation=ConsortiumMembershipFactory(
            consortium=consortium, organisation=third, invited_by=admin
        ),
        lead_membership=consortium.memberships.get(organisation=organisation),
        partnership_interest=PartnershipInterestFactory(organisation=organisation),
        submitted=submitted,
        archived=OrganisationFactory(name="Closed Trust", status="archived"),
        problem_report=ProblemReportFactory(organisation=organisation),
        pending_commissioner=CommissionerProfileFactory(user=applicant),
        # On an organisation with no admin: the moderators decide it.
        unclaimed_claim=ClaimRequestFactory(
            organisation=OrganisationFactory(
                name="Unclaimed Trust", slug="unclaimed-trust", is_unclaimed=True
            ),
            kind="claim",
        ),
    )


def client_for(world: World, role: str) -> Client:
    """A client signed in as the role; each role signs in once per world."""
    client = Client()
    if role == "anonymous":
        return client
    if role not in world.session_keys:
        client.force_login(world.users[role])
        world.session_keys[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.cookies[settings.SESSION_COOKIE_NAME] = world.session_keys[role]
    return client
