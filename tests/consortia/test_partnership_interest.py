"""Partnership interest by region and pathway, and the "Find partners" page."""

import pytest
from django.urls import reverse

from directory.organisations.models import PartnershipInterest
from tests.factories import (
    ClientGroupFactory,
    EvidenceItemFactory,
    MembershipFactory,
    OrganisationFactory,
    PartnershipInterestFactory,
    PartnershipRoleFactory,
    PathwayFactory,
    RegionFactory,
    ServiceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def interest_url(organisation):
    return reverse("partnerships:interest", kwargs={"org": organisation.uuid})


def partners_url(organisation):
    return reverse("partnerships:find_partners", kwargs={"org": organisation.uuid})


@pytest.fixture
def member(client):
    membership = MembershipFactory(role="editor")
    client.force_login(membership.user)
    return membership


def test_a_member_adds_interest_and_it_shows_on_the_profile(client, member):
    region, pathway = RegionFactory(name="Wales"), PathwayFactory(name="Accommodation")
    role = PartnershipRoleFactory(name="Consortium member")

    response = client.post(
        interest_url(member.organisation),
        {"direction": "offer", "role": role.pk, "region": region.pk, "pathway": pathway.pk},
    )

    assert response.status_code == 302
    interest = PartnershipInterest.objects.get()
    assert (interest.organisation, interest.direction) == (member.organisation, "offer")
    profile = client.get(member.organisation.get_absolute_url()).content.decode()
    assert "Partnership interest by region and pathway" in profile
    assert "Consortium member" in profile


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("direction", "", "Select whether you seek or offer the role"),
        ("direction", "borrow", "Select a valid choice"),
        ("role", "", "Select a role"),
        ("region", "999999", "Select a valid choice"),
    ],
)
def test_bad_interest_is_refused_beside_the_field(client, member, field, value, message):
    data = {
        "direction": "seek",
        "role": PartnershipRoleFactory().pk,
        "region": RegionFactory().pk,
        "pathway": PathwayFactory().pk,
        field: value,
    }

    response = client.post(interest_url(member.organisation), data)

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not PartnershipInterest.objects.exists()


def test_the_same_interest_twice_is_refused(client, member):
    interest = PartnershipInterestFactory(organisation=member.organisation)

    response = client.post(
        interest_url(member.organisation),
        {
            "direction": interest.direction,
            "role": interest.role.pk,
            "region": interest.region.pk,
            "pathway": interest.pathway.pk,
        },
    )

    assert response.status_code == 200
    assert "already has this partnership interest" in response.content.decode()
    assert PartnershipInterest.objects.count() == 1


def test_a_member_removes_interest_by_post_only(client, member):
    interest = PartnershipInterestFactory(organisation=member.organisation)
    remove = reverse(
        "partnerships:interest_remove", kwargs={"org": member.organisation.uuid, "pk": interest.pk}
    )

    assert client.get(remove).status_code == 405
    assert client.post(remove).status_code == 302
    assert not PartnershipInterest.objects.exists()


def test_strangers_get_404(client):
    organisation = OrganisationFactory()
    interest = PartnershipInterestFactory(organisation=organisation)
    other_member = MembershipFactory().user
    client.force_login(other_member)
    remove = reverse(
        "partnerships:interest_remove", kwargs={"org": organisation.uuid, "pk": interest.pk}
    )

    assert client.get(interest_url(organisation)).status_code == 404
    assert client.get(partners_url(organisation)).status_code == 404
    assert client.post(remove).status_code == 404
    # Someone else's interest through your own organisation's address is 404 too.
    own_remove = reverse(
        "partnerships:interest_remove",
        kwargs={"org": other_member.memberships.get().organisation.uuid, "pk": interest.pk},
    )
    assert client.post(own_remove).status_code == 404
    assert PartnershipInterest.objects.exists()


def test_find_partners_ranks_complementary_organisations_with_reasons(client, member):
    north = RegionFactory(name="North West")
    education, housing, health = (
        PathwayFactory(name="Education"),
        PathwayFactory(name="Accommodation"),
        PathwayFactory(name="Health"),
    )
    ServiceFactory(organisation=member.organisation, regions=[north], pathways=[education])
    broad = OrganisationFactory(name="Broad Help", open_to_partnership=True)
    ServiceFactory(organisation=broad, regions=[north], pathways=[housing, health])
    narrow = OrganisationFactory(name="Narrow Help", open_to_partnership=True)
    ServiceFactory(
        organisation=narrow,
        regions=[north],
        pathways=[housing],
        client_groups=[ClientGroupFactory(name="Women")],
    )
    EvidenceItemFactory(organisation=narrow, nesta_level=4)
    closed = OrganisationFactory(name="Not Looking", open_to_partnership=False)
    ServiceFactory(organisation=closed, regions=[north], pathways=[housing])
    draft = OrganisationFactory(name="Draft Org", open_to_partnership=True, status="draft")
    ServiceFactory(organisation=draft, regions=[north], pathways=[housing])

    response = client.get(partners_url(member.organisation))

    assert response.status_code == 200
    suggestions = response.context["suggestions"]
    assert [(org.name, reason) for org, reason in suggestions] == [
        ("Broad Help", "adds Accommodation and Health in the North West"),
        ("Narrow Help", "adds Accommodation in the North West; works with Women in the North West"),
    ]
    assert "Adds Accommodation and Health in the North West" in response.content.decode()


def test_find_partners_compares_region_by_region_where_candidates_declared_interest(client, member):
    north, wales = RegionFactory(name="North West"), RegionFactory(name="Wales")
    education, housing = PathwayFactory(name="Education"), PathwayFactory(name="Accommodation")
    ServiceFactory(organisation=member.organisation, regions=[north], pathways=[education])
    # Its work with women is in Wales: nothing for women in the North West.
    split = OrganisationFactory(name="Split Work", open_to_partnership=True)
    ServiceFactory(organisation=split, regions=[north], pathways=[education])
    ServiceFactory(
        organisation=split,
        regions=[wales],
        pathways=[housing],
        client_groups=[ClientGroupFactory(name="Women")],
    )
    # Works in the North West, but wants partners only in Wales.
    elsewhere = OrganisationFactory(name="Wants Wales", open_to_partnership=True)
    ServiceFactory(organisation=elsewhere, regions=[north, wales], pathways=[housing])
    PartnershipInterestFactory(organisation=elsewhere, region=wales, pathway=housing)
    # Wants partners in the North West.
    wanted = OrganisationFactory(name="Wants North West", open_to_partnership=True)
    ServiceFactory(organisation=wanted, regions=[north, wales], pathways=[housing])
    PartnershipInterestFactory(organisation=wanted, region=north, pathway=housing)

    suggestions = client.get(partners_url(member.organisation)).context["suggestions"]

    assert [(org.name, reason) for org, reason in suggestions] == [
        ("Wants North West", "adds Accommodation in the North West"),
    ]


def test_find_partners_needs_sign_in(client):
    organisation = OrganisationFactory()
    response = client.get(partners_url(organisation))
    assert response.status_code == 302
    client.force_login(UserFactory())
    assert client.get(partners_url(organisation)).status_code == 404


def test_the_organisations_task_list_links_to_its_partnership_pages(client, member):
    page = client.get(
        reverse("registration:task_list", kwargs={"org": member.organisation.uuid})
    ).content.decode()
    for link in [
        interest_url(member.organisation),
        partners_url(member.organisation),
        reverse("opportunities:list"),
        reverse("partnerships:consortium_list"),
        reverse("consortia:offer_appraisal"),
    ]:
        assert f'href="{link}"' in page


def test_the_account_page_links_to_the_partnership_pages_and_tools(client, member):
    page = client.get(reverse("account")).content.decode()
    for link in [
        interest_url(member.organisation),
        partners_url(member.organisation),
        reverse("opportunities:list"),
        reverse("saved_searches:list"),
        reverse("consortia:offer_appraisal"),
        reverse("consortia:offer_appraisal_list"),
    ]:
        assert f'href="{link}"' in page


def test_find_partners_includes_organisations_working_nationally(client, member):
    north = RegionFactory(name="North West")
    national = RegionFactory(name="National (England and Wales)", is_national=True)
    education, health = PathwayFactory(name="Education"), PathwayFactory(name="Health")
    ServiceFactory(organisation=member.organisation, regions=[north], pathways=[education])
    everywhere = OrganisationFactory(name="Everywhere Health", open_to_partnership=True)
    ServiceFactory(organisation=everywhere, regions=[national], pathways=[health])

    suggestions = client.get(partners_url(member.organisation)).context["suggestions"]

    assert [(org.name, reason) for org, reason in suggestions] == [
        ("Everywhere Health", "adds Health in the North West")
    ]
