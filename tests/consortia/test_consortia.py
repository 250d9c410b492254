"""Consortia: creation, invitations, answers, leaving, leadership, visibility, coverage, record."""

import re

import factory
import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from consortia import views
from consortia.models import Consortium, ConsortiumMembership
from consortia.selectors import consortium_coverage, coverage_grid
from tests.factories import (
    ConsortiumFactory,
    ConsortiumMembershipFactory,
    MembershipFactory,
    OrganisationFactory,
    PathwayFactory,
    RegionFactory,
    ServiceFactory,
    UserFactory,
    moderator_user,
)

pytestmark = pytest.mark.django_db


def url(name, consortium, **kwargs):
    return reverse(f"partnerships:{name}", kwargs={"consortium": consortium.uuid, **kwargs})


@pytest.fixture
def lead_admin(client):
    """A signed-in admin of the lead of a public consortium."""
    consortium = ConsortiumFactory()
    user = MembershipFactory(organisation=consortium.lead_organisation).user
    client.force_login(user)
    return user, consortium


def invited(consortium, **kwargs):
    """An invitation, and an admin of the invited organisation."""
    membership = ConsortiumMembershipFactory(consortium=consortium, **kwargs)
    admin = MembershipFactory(organisation=membership.organisation).user
    return membership, admin


# --- Creating ---


def test_an_organisation_admin_creates_a_consortium_and_leads_it(client):
    membership = MembershipFactory()
    region, pathway = RegionFactory(), PathwayFactory()
    client.force_login(membership.user)

    response = client.post(
        reverse("partnerships:consortium_create"),
        {
            "name": "Greater Manchester Resettlement Partnership",
            "purpose": "Bid for resettlement services together.",
            "lead_organisation": membership.organisation.pk,
            "regions": [region.pk],
            "pathways": [pathway.pk],
            "status": "forming",
            "visibility": "members",
        },
    )

    consortium = Consortium.objects.get()
    assert response.status_code == 302
    assert response["Location"] == consortium.get_absolute_url()
    assert consortium.lead_organisation == membership.organisation
    lead = consortium.memberships.get()
    assert (lead.organisation, lead.status) == (membership.organisation, "accepted")
    assert consortium.events.count() == 1


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"name": ""}, "name", "Enter the consortium's name"),
        ({"regions": []}, "regions", "Select at least one region"),
        ({"status": "dreaming"}, "status", "Select a valid choice"),
        ({"visibility": "secret"}, "visibility", "Select a valid choice"),
        ({"lead_organisation": "someone-else"}, "lead_organisation", "you are an admin of"),
    ],
)
def test_bad_consortium_input_is_shown_beside_the_field(client, overrides, field, message):
    membership = MembershipFactory()
    client.force_login(membership.user)
    data = {
        "name": "Alliance",
        "purpose": "Kept after errors",
        "lead_organisation": membership.organisation.pk,
        "regions": [RegionFactory().pk],
        "pathways": [PathwayFactory().pk],
        "status": "forming",
        "visibility": "public",
        **overrides,
    }
    if overrides.get("lead_organisation") == "someone-else":
        data["lead_organisation"] = OrganisationFactory().pk

    response = client.post(reverse("partnerships:consortium_create"), data)

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert "Kept after errors" in response.content.decode()
    assert not Consortium.objects.exists()


def test_an_editor_cannot_create_a_consortium_for_the_organisation(client):
    membership = MembershipFactory(role="editor")
    client.force_login(membership.user)

    response = client.post(
        reverse("partnerships:consortium_create"),
        {"name": "A", "purpose": "B", "lead_organisation": membership.organisation.pk},
    )

    assert "lead_organisation" in response.context["form"].errors
    assert not Consortium.objects.exists()


# --- Inviting and answering ---


def test_the_lead_invites_and_the_invited_admins_are_emailed(
    client, lead_admin, django_capture_on_commit_callbacks
):
    user, consortium = lead_admin
    organisation = OrganisationFactory()
    invitee_admin = MembershipFactory(organisation=organisation).user

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("consortium_invite", consortium),
            {"organisation": organisation.pk, "role": "Accommodation subcontractor"},
        )

    assert response.status_code == 302
    membership = consortium.memberships.get(organisation=organisation)
    assert (membership.status, membership.role) == ("invited", "Accommodation subcontractor")
    assert membership.invited_by == user
    assert [m.to for m in mail.outbox] == [[invitee_admin.email]]
    assert "invited to join as Accommodation subcontractor" in mail.outbox[0].subject
    assert consortium.get_absolute_url() in mail.outbox[0].body
    assert consortium.events.filter(organisation=organisation).exists()


@pytest.mark.parametrize(
    "make_data, message",
    [
        (lambda c: {"organisation": "", "role": "Partner"}, "then select it"),
        (lambda c: {"organisation": OrganisationFactory().pk, "role": ""}, "Enter the role"),
        (
            lambda c: {"organisation": c.lead_organisation.pk, "role": "Again"},
            "not a member yet",
        ),
        (
            lambda c: {"organisation": OrganisationFactory(status="draft").pk, "role": "P"},
            "not a member yet",
        ),
    ],
)
def test_bad_invitations_are_refused(client, lead_admin, make_data, message):
    _, consortium = lead_admin

    response = client.post(url("consortium_invite", consortium), make_data(consortium))

    assert response.status_code == 200
    assert message in str(response.context["form"].errors)
    assert consortium.memberships.count() == 1


def radio_labels(response) -> list[str]:
    return re.findall(
        r'class="govuk-label govuk-radios__label"[^>]*>\s*([^<]+?)\s*<', response.content.decode()
    )


def test_without_javascript_the_lead_searches_and_sees_only_the_matches(client, lead_admin):
    _, consortium = lead_admin
    OrganisationFactory(name="Haven Housing Trust", town="Bristol")
    OrganisationFactory(name="Hope Housing", town="")
    OrganisationFactory(name="Haven Housing Draft", status="draft")
    OrganisationFactory(name="Women's Centre")
    invited(consortium, organisation__name="Housing Already Invited")

    before_searching = client.get(url("consortium_invite", consortium))
    searched = client.get(url("consortium_invite", consortium), {"q": "housing"})

    assert radio_labels(before_searching) == []
    assert radio_labels(searched) == ["Haven Housing Trust (Bristol)", "Hope Housing"]
    assert "2 organisations match “housing”." in searched.content.decode()


def test_the_search_is_bounded_and_says_when_there_are_more(
    client, lead_admin, django_assert_max_num_queries
):
    _, consortium = lead_admin
    OrganisationFactory.create_batch(views.INVITE_MATCHES_LISTED + 1, name=factory.Sequence(
        lambda n: f"Mentoring Trust {n:02}"
    ))  # fmt: skip

    with django_assert_max_num_queries(12):
        response = client.get(url("consortium_invite", consortium), {"q": "mentoring trust"})

    assert len(radio_labels(response)) == views.INVITE_MATCHES_LISTED
    assert "or more organisations match" in response.content.decode()
    assert "add more of the name" in response.content.decode()


def test_a_name_starting_with_the_search_comes_first_and_numbers_find_one(client, lead_admin):
    _, consortium = lead_admin
    OrganisationFactory(name="The Hope Project", town="")
    OrganisationFactory(name="Hope Street", town="", charity_number_ew="1188776")

    by_name = client.get(url("consortium_invite", consortium), {"q": "hope"})
    by_number = client.get(url("consortium_invite", consortium), {"q": " 1188776 "})

    assert radio_labels(by_name) == ["Hope Street", "The Hope Project"]
    assert radio_labels(by_number) == ["Hope Street"]


def test_the_autocomplete_gets_at_most_ten_suggestions_as_json(client, lead_admin):
    _, consortium = lead_admin
    OrganisationFactory.create_batch(12, name=factory.Sequence(lambda n: f"Gate Mentors {n:02}"))
    chosen = OrganisationFactory(name="Gate Mentors Leeds", town="Leeds")

    answer = client.get(url("consortium_invite_search", consortium), {"q": "gate mentors"}).json()
    nothing = client.get(url("consortium_invite_search", consortium), {"q": " "}).json()
    one = client.get(url("consortium_invite_search", consortium), {"q": "mentors leeds"}).json()

    assert len(answer["results"]) == views.INVITE_MATCHES_SUGGESTED and answer["more"] is True
    assert nothing == {"results": [], "more": False}
    assert one == {
        "results": [{"id": chosen.pk, "label": "Gate Mentors Leeds (Leeds)"}],
        "more": False,
    }


def test_an_organisation_chosen_by_the_autocomplete_is_kept_after_an_error(client, lead_admin):
    _, consortium = lead_admin
    chosen = OrganisationFactory(name="Chosen Trust", town="York")

    response = client.post(url("consortium_invite", consortium), {"organisation": chosen.pk})

    assert "Enter the role you propose" in response.content.decode()
    assert radio_labels(response) == ["Chosen Trust (York)"]
    assert f'value="{chosen.pk}"' in response.content.decode()
    assert (
        "checked"
        in re.search(r'<input[^>]*name="organisation"[^>]*>', response.content.decode())[0]
    )


def test_only_the_leads_admins_can_invite(client):
    consortium = ConsortiumFactory()
    member, member_admin = invited(consortium, status="accepted", responded_at="2026-01-01T00:00Z")
    for user in [UserFactory(), member_admin]:
        client.force_login(user)
        assert client.get(url("consortium_invite", consortium)).status_code == 404
        response = client.post(
            url("consortium_invite", consortium),
            {"organisation": OrganisationFactory().pk, "role": "Partner"},
        )
        assert response.status_code == 404
    assert consortium.memberships.count() == 2


@pytest.mark.parametrize("answer, status", [("accept", "accepted"), ("decline", "declined")])
def test_the_invited_admin_answers_and_the_lead_is_told(
    client, answer, status, django_capture_on_commit_callbacks
):
    consortium = ConsortiumFactory()
    lead_admin = MembershipFactory(organisation=consortium.lead_organisation).user
    membership, admin = invited(consortium)
    client.force_login(admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("consortium_membership_respond", consortium, pk=membership.pk), {"answer": answer}
        )

    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.status == status
    assert membership.responded_at is not None
    assert len(mail.outbox) == 1
    assert lead_admin.email in mail.outbox[0].to
    assert consortium.events.count() == 1


def test_strangers_editors_and_other_members_cannot_answer_an_invitation(client):
    consortium = ConsortiumFactory()
    membership, _ = invited(consortium)
    editor = MembershipFactory(organisation=membership.organisation, role="editor").user
    lead_admin = MembershipFactory(organisation=consortium.lead_organisation).user
    respond = url("consortium_membership_respond", consortium, pk=membership.pk)

    for user in [UserFactory(), editor, lead_admin]:
        client.force_login(user)
        assert client.post(respond, {"answer": "accept"}).status_code == 404
    client.logout()
    assert client.post(respond, {"answer": "accept"}).status_code == 302  # to sign in
    membership.refresh_from_db()
    assert membership.status == "invited"


def test_answering_is_post_only_and_only_once(client):
    consortium = ConsortiumFactory()
    membership, admin = invited(consortium)
    client.force_login(admin)
    respond = url("consortium_membership_respond", consortium, pk=membership.pk)

    assert client.get(respond).status_code == 405
    client.post(respond, {"answer": "decline"})
    assert client.post(respond, {"answer": "accept"}).status_code == 404
    membership.refresh_from_db()
    assert membership.status == "declined"


def test_a_declined_organisation_can_be_invited_again(client, lead_admin):
    _, consortium = lead_admin
    membership, _ = invited(consortium, status="declined", responded_at="2026-01-01T00:00Z")

    response = client.post(
        url("consortium_invite", consortium),
        {"organisation": membership.organisation.pk, "role": "Second try"},
    )

    assert response.status_code == 302
    assert consortium.memberships.filter(organisation=membership.organisation).count() == 2


def test_the_database_allows_one_current_membership_per_organisation():
    consortium = ConsortiumFactory()
    membership = ConsortiumMembershipFactory(consortium=consortium)
    with pytest.raises(IntegrityError), transaction.atomic():
        ConsortiumMembership.objects.create(
            consortium=consortium, organisation=membership.organisation, role="Again"
        )


# --- Leaving and leadership ---


def test_a_member_leaves_and_the_others_are_told(client, django_capture_on_commit_callbacks):
    consortium = ConsortiumFactory()
    lead_admin = MembershipFactory(organisation=consortium.lead_organisation).user
    membership, admin = invited(consortium, status="accepted", responded_at="2026-01-01T00:00Z")
    client.force_login(admin)
    leave = url("consortium_leave", consortium, pk=membership.pk)

    assert client.get(leave).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(leave)

    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.status == "left"
    assert lead_admin.email in mail.outbox[0].to
    assert "left the consortium" in mail.outbox[0].subject


def test_the_lead_cannot_leave_without_handing_over(client, lead_admin):
    user, consortium = lead_admin
    lead_membership = consortium.memberships.get()

    response = client.post(url("consortium_leave", consortium, pk=lead_membership.pk))

    assert response.status_code == 200
    assert "Hand leadership to another member" in response.content.decode()
    lead_membership.refresh_from_db()
    assert lead_membership.status == "accepted"


def test_strangers_cannot_make_a_member_leave(client):
    consortium = ConsortiumFactory()
    membership, _ = invited(consortium, status="accepted", responded_at="2026-01-01T00:00Z")
    client.force_login(MembershipFactory(organisation=consortium.lead_organisation).user)

    response = client.post(url("consortium_leave", consortium, pk=membership.pk))

    assert response.status_code == 404
    membership.refresh_from_db()
    assert membership.status == "accepted"


def test_the_lead_hands_over_leadership(client, lead_admin, django_capture_on_commit_callbacks):
    user, consortium = lead_admin
    old_lead = consortium.lead_organisation
    membership, new_admin = invited(
        consortium, status="accepted", role="Specialist", responded_at="2026-01-01T00:00Z"
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("consortium_leadership", consortium), {"new_lead": membership.organisation.pk}
        )

    assert response.status_code == 302
    consortium.refresh_from_db()
    assert consortium.lead_organisation == membership.organisation
    roles = dict(consortium.memberships.values_list("organisation", "role"))
    assert roles == {membership.organisation.pk: "Lead organisation", old_lead.pk: "Specialist"}
    assert new_admin.email in mail.outbox[0].to
    assert "handed leadership" in mail.outbox[0].subject
    # The old lead's admins no longer manage it.
    assert client.get(url("consortium_invite", consortium)).status_code == 404


@pytest.mark.parametrize("status", ["invited", "declined", "left"])
def test_leadership_goes_only_to_a_current_member(client, lead_admin, status):
    _, consortium = lead_admin
    responded = None if status == "invited" else "2026-01-01T00:00Z"
    membership, _ = invited(consortium, status=status, responded_at=responded)

    response = client.post(
        url("consortium_leadership", consortium), {"new_lead": membership.organisation.pk}
    )

    assert response.status_code == 200
    assert "Select another current member" in str(response.context["form"].errors)
    consortium.refresh_from_db()
    assert consortium.lead_organisation != membership.organisation


def test_only_the_lead_hands_over_leadership(client):
    consortium = ConsortiumFactory()
    membership, admin = invited(consortium, status="accepted", responded_at="2026-01-01T00:00Z")
    client.force_login(admin)

    response = client.post(
        url("consortium_leadership", consortium), {"new_lead": membership.organisation.pk}
    )

    assert response.status_code == 404
    consortium.refresh_from_db()
    assert consortium.lead_organisation != membership.organisation


def test_the_lead_changes_status_and_visibility_and_members_are_told(
    client, lead_admin, django_capture_on_commit_callbacks
):
    _, consortium = lead_admin
    _, member_admin = invited(consortium, status="accepted", responded_at="2026-01-01T00:00Z")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("consortium_settings", consortium), {"status": "bidding", "visibility": "members"}
        )

    assert response.status_code == 302
    consortium.refresh_from_db()
    assert (consortium.status, consortium.visibility) == ("bidding", "members")
    assert member_admin.email in mail.outbox[0].to
    assert "status to bidding" in mail.outbox[0].subject
    assert client.get(url("consortium_settings", consortium)).status_code == 405


def test_others_cannot_change_status(client):
    consortium = ConsortiumFactory()
    client.force_login(UserFactory())
    response = client.post(url("consortium_settings", consortium), {"status": "closed"})
    assert response.status_code == 404
    consortium.refresh_from_db()
    assert consortium.status == "forming"


# --- Visibility ---


def test_a_members_only_consortium_is_404_for_strangers(client):
    consortium = ConsortiumFactory(visibility="members")
    membership, invitee_admin = invited(consortium)
    left, left_admin = invited(consortium, status="left", responded_at="2026-01-01T00:00Z")
    detail = url("consortium_detail", consortium)

    assert client.get(detail).status_code == 404
    for user in [UserFactory(), left_admin]:
        client.force_login(user)
        assert client.get(detail).status_code == 404
        assert consortium.name not in client.get("/consortia/").content.decode()
    for user in [invitee_admin, MembershipFactory(organisation=consortium.lead_organisation).user]:
        client.force_login(user)
        assert client.get(detail).status_code == 200
        assert consortium.name in client.get("/consortia/").content.decode()


def test_a_public_consortium_is_listed_searchable_and_on_members_profiles(
    client, django_assert_max_num_queries
):
    consortium = ConsortiumFactory(name="Northern Alliance")
    ConsortiumFactory(name="Southern Group")
    private = ConsortiumFactory(name="Private Circle", visibility="members")
    ConsortiumMembershipFactory(
        consortium=private,
        organisation=consortium.lead_organisation,
        status="accepted",
        responded_at="2026-01-01T00:00Z",
    )

    with django_assert_max_num_queries(8):
        page = client.get("/consortia/", {"q": "northern"}).content.decode()
    assert "Northern Alliance" in page
    assert "Southern Group" not in page

    profile = client.get(consortium.lead_organisation.get_absolute_url()).content.decode()
    assert "Northern Alliance" in profile
    assert "Private Circle" not in profile


# --- Coverage grid ---


def test_coverage_grid_marks_gaps():
    north, wales = RegionFactory(name="North West"), RegionFactory(name="Wales")
    housing, health = PathwayFactory(name="Accommodation"), PathwayFactory(name="Health")

    grid = coverage_grid(
        regions=[north, wales],
        pathways=[housing, health],
        provided={(north.pk, housing.pk): ["B", "A"], (wales.pk, health.pk): ["C"]},
    )

    cells = [[(c.organisations, c.is_gap) for c in row.cells] for row in grid]
    assert [row.region for row in grid] == [north, wales]
    assert cells == [[(["A", "B"], False), ([], True)], [([], True), (["C"], False)]]


def test_consortium_coverage_counts_only_current_members_services_in_its_scope(client):
    north, wales, london = RegionFactory(), RegionFactory(), RegionFactory()
    housing, health = PathwayFactory(), PathwayFactory()
    consortium = ConsortiumFactory()
    consortium.regions.set([north, wales])
    consortium.pathways.set([housing, health])
    ServiceFactory(
        organisation=consortium.lead_organisation, regions=[north, london], pathways=[housing]
    )
    member, _ = invited(consortium, status="accepted", responded_at="2026-01-01T00:00Z")
    ServiceFactory(organisation=member.organisation, regions=[wales], pathways=[health, housing])
    only_invited, _ = invited(consortium)
    ServiceFactory(organisation=only_invited.organisation, regions=[north], pathways=[health])

    grid = consortium_coverage(consortium=consortium)

    lead, other = consortium.lead_organisation.name, member.organisation.name
    cells = {(row.region, cell.pathway): cell.organisations for row in grid for cell in row.cells}
    assert cells == {
        (north, housing): [lead],
        (north, health): [],
        (wales, housing): [other],
        (wales, health): [other],
    }
    page = client.get(consortium.get_absolute_url()).content.decode()
    assert page.count("Gap</strong>") == 1


# --- Private consortia, and the record of changes ---


@pytest.mark.parametrize(
    "name, with_membership, method",
    [
        ("consortium_detail", False, "get"),
        ("consortium_invite", False, "get"),
        ("consortium_invite", False, "post"),
        ("consortium_leadership", False, "get"),
        ("consortium_leadership", False, "post"),
        ("consortium_settings", False, "post"),
        ("consortium_membership_respond", True, "post"),
        ("consortium_leave", True, "get"),
        ("consortium_leave", True, "post"),
    ],
)
def test_every_page_of_a_members_only_consortium_is_404_for_strangers(
    client, name, with_membership, method
):
    consortium = ConsortiumFactory(visibility="members")
    invitation, _ = invited(consortium)
    kwargs = {"pk": invitation.pk} if with_membership else {}
    target = url(name, consortium, **kwargs)
    data = {
        "organisation": OrganisationFactory().pk,
        "role": "Partner",
        "new_lead": invitation.organisation.pk,
        "status": "closed",
        "visibility": "public",
        "answer": "accept",
    }
    # An admin of another organisation, and one whose organisation left the consortium.
    _, left_admin = invited(consortium, status="left", responded_at="2026-01-01T00:00Z")
    for stranger in [MembershipFactory().user, left_admin]:
        client.force_login(stranger)
        response = client.post(target, data) if method == "post" else client.get(target)
        assert response.status_code == 404

    consortium.refresh_from_db()
    assert (consortium.status, consortium.visibility) == ("forming", "members")
    assert consortium.memberships.count() == 3
    invitation.refresh_from_db()
    assert invitation.status == "invited"


def test_every_change_is_recorded_and_notified(client, django_capture_on_commit_callbacks):
    """A consortium's life: each change adds to its record and emails the organisations
    concerned (not the person who made it)."""
    lead = MembershipFactory(organisation=OrganisationFactory(name="Lead Org")).user
    partner_org = OrganisationFactory(name="Partner Org")
    partner = MembershipFactory(organisation=partner_org).user
    client.force_login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("partnerships:consortium_create"),
            {
                "name": "Alliance",
                "purpose": "Bid together.",
                "lead_organisation": lead.memberships.get().organisation.pk,
                "regions": [RegionFactory().pk],
                "pathways": [PathwayFactory().pk],
                "status": "forming",
                "visibility": "members",
            },
        )
    consortium = Consortium.objects.get()
    assert mail.outbox == []

    def step(user, name, data, **kwargs):
        mail.outbox.clear()
        client.force_login(user)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url(name, consortium, **kwargs), data)
        assert response.status_code == 302
        return sorted(address for message in mail.outbox for address in message.to)

    assert step(lead, "consortium_invite", {"organisation": partner_org.pk, "role": "Housing"}) == [
        partner.email
    ]
    invitation = consortium.memberships.get(organisation=partner_org)
    respond = {"pk": invitation.pk}
    assert step(partner, "consortium_membership_respond", {"answer": "accept"}, **respond) == [
        lead.email
    ]
    assert step(lead, "consortium_settings", {"status": "bidding", "visibility": "members"}) == [
        partner.email
    ]
    assert step(lead, "consortium_leadership", {"new_lead": partner_org.pk}) == [partner.email]
    old_lead = consortium.memberships.get(organisation__name="Lead Org")
    assert step(lead, "consortium_leave", {}, pk=old_lead.pk) == [partner.email]

    assert [e.description for e in consortium.events.order_by("created_at", "id")] == [
        "Lead Org started the consortium",
        "Partner Org was invited to join as Housing",
        "Partner Org joined the consortium",
        "Lead Org changed the status to bidding",
        "Lead Org handed leadership to Partner Org",
        "Lead Org left the consortium",
    ]
    client.force_login(partner)
    page = client.get(consortium.get_absolute_url()).content.decode()
    assert "Record of changes" in page and "Lead Org handed leadership to Partner Org" in page


def test_only_the_consortiums_organisations_see_its_record(client):
    consortium = ConsortiumFactory(name="Open Alliance")
    invitation, invitee_admin = invited(consortium)
    consortium.events.create(
        actor=MembershipFactory(organisation=consortium.lead_organisation).user,
        kind="consortium",
        action="done",
        description="Lead changed something",
    )
    detail = consortium.get_absolute_url()
    editor = MembershipFactory(organisation=consortium.lead_organisation, role="editor").user

    for user in [None, UserFactory(), MembershipFactory().user]:
        if user:
            client.force_login(user)
        page = client.get(detail).content.decode()
        assert "Open Alliance" in page
        assert "Record of changes" not in page and "Lead changed something" not in page
    for user in [invitee_admin, editor, moderator_user()]:
        client.force_login(user)
        assert "Lead changed something" in client.get(detail).content.decode()


def test_consortia_are_found_by_words_region_pathway_and_status(client):
    north, wales = RegionFactory(slug="north-west"), RegionFactory(slug="wales")
    housing, health = PathwayFactory(slug="accommodation"), PathwayFactory(slug="health")
    housing_nw = ConsortiumFactory(name="Northern Homes", purpose="Supported housing bids")
    housing_nw.regions.set([north])
    housing_nw.pathways.set([housing])
    health_wales = ConsortiumFactory(name="Cymru Health", status="bidding")
    health_wales.regions.set([wales])
    health_wales.pathways.set([health])
    private = ConsortiumFactory(name="Private Homes", visibility="members")
    private.regions.set([north])
    private.pathways.set([housing])

    def found(**params):
        response = client.get(reverse("partnerships:consortium_list"), params)
        assert response.status_code == 200
        return [c.name for c in response.context["page_obj"].object_list]

    assert found(q="housing") == ["Northern Homes"]  # words in the purpose too
    assert found(region="north-west", pathway="accommodation") == ["Northern Homes"]
    assert found(region="wales") == ["Cymru Health"]
    assert found(status="bidding") == ["Cymru Health"]
    assert found(q="homes") == ["Northern Homes"]  # never a members-only one


def test_bad_consortium_filters_show_errors_not_a_crash(client):
    response = client.get(
        reverse("partnerships:consortium_list"), {"region": "atlantis", "q": "x" * 300}
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"region", "q"}


def test_the_organisation_search_links_to_consortia_with_its_parameters(client):
    ConsortiumFactory(name="Northern Homes", purpose="Housing")
    page = client.get(reverse("directory:organisation_list"), {"q": "housing", "page": "2"})
    link = reverse("partnerships:consortium_list") + "?q=housing"
    assert f'href="{link}"' in page.content.decode()
    names = [c.name for c in client.get(link).context["page_obj"].object_list]
    assert names == ["Northern Homes"]
