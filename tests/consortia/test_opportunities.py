"""Partnership opportunities: posting, listing, responses, decisions, closing date, visibility."""

import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from consortia import services
from consortia.models import ExpressionOfInterest, Opportunity
from directory.organisations.models import Organisation
from tests.factories import (
    CommissionerProfileFactory,
    ExpressionOfInterestFactory,
    MembershipFactory,
    OpportunityFactory,
    OrganisationFactory,
    PartnershipRoleFactory,
    PathwayFactory,
    RegionFactory,
    ServiceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LIST_URL = "/opportunities/"
CREATE_URL = "/opportunities/new/"


def detail_url(opportunity):
    return reverse("opportunities:detail", kwargs={"opportunity": opportunity.uuid})


def responses_url(opportunity):
    return reverse("opportunities:responses", kwargs={"opportunity": opportunity.uuid})


def decide_url(eoi):
    return reverse(
        "opportunities:response_decide",
        kwargs={"opportunity": eoi.opportunity.uuid, "pk": eoi.pk},
    )


def in_days(days):
    return timezone.localdate() + timedelta(days=days)


@pytest.fixture
def taxonomy():
    return {
        "region": RegionFactory(name="North West", slug="north-west"),
        "pathway": PathwayFactory(name="Accommodation", slug="accommodation"),
        "role": PartnershipRoleFactory(name="Subcontractor", slug="subcontractor"),
    }


def date_parts(name, day, month, year):
    """The three boxes of a GOV.UK date input, as the browser posts them."""
    return {f"{name}_0": day, f"{name}_1": month, f"{name}_2": year}


def date_boxes(name, value):
    return date_parts(name, str(value.day), str(value.month), str(value.year))


def post_data(taxonomy, **overrides):
    return {
        "title": "Accommodation partner wanted",
        "description": "A resettlement contract in the North West.",
        "regions": [taxonomy["region"].pk],
        "pathways": [taxonomy["pathway"].pk],
        "roles_sought": [taxonomy["role"].pk],
        "value_band": "50k_250k",
        **date_boxes("closes_on", in_days(14)),
        **overrides,
    }


@pytest.fixture
def responder(client):
    """A signed-in admin of a published organisation with one service."""
    membership = MembershipFactory()
    ServiceFactory(organisation=membership.organisation)
    client.force_login(membership.user)
    return membership


# --- Posting ---


def test_member_of_a_published_organisation_posts_an_opportunity(client, taxonomy):
    membership = MembershipFactory()
    client.force_login(membership.user)

    data = post_data(taxonomy, organisation=membership.organisation.pk)
    response = client.post(CREATE_URL, data)

    opportunity = Opportunity.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail_url(opportunity)
    assert opportunity.organisation == membership.organisation
    assert opportunity.posted_by == membership.user
    assert list(opportunity.regions.all()) == [taxonomy["region"]]


def test_verified_commissioner_posts_without_an_organisation(client, taxonomy):
    profile = CommissionerProfileFactory(verification_status="verified", verified_at=timezone.now())
    client.force_login(profile.user)

    response = client.post(CREATE_URL, post_data(taxonomy))

    assert response.status_code == 302
    opportunity = Opportunity.objects.get()
    assert opportunity.organisation is None
    assert opportunity.poster_name == "Probation Service North West"


@pytest.mark.parametrize(
    "make_user",
    [
        pytest.param(lambda: UserFactory(), id="no-organisation"),
        pytest.param(lambda: CommissionerProfileFactory().user, id="unverified-commissioner"),
        pytest.param(
            lambda: MembershipFactory(organisation__status=Organisation.Status.DRAFT).user,
            id="member-of-a-draft",
        ),
    ],
)
def test_others_cannot_post(client, taxonomy, make_user):
    client.force_login(make_user())

    assert client.get(CREATE_URL).status_code == 403
    assert client.post(CREATE_URL, post_data(taxonomy)).status_code == 403
    assert not Opportunity.objects.exists()


def test_posting_needs_sign_in(client):
    response = client.get(CREATE_URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"title": ""}, "title", "Enter a title"),
        ({"regions": []}, "regions", "Select at least one region"),
        ({"roles_sought": []}, "roles_sought", "Select at least one role"),
        ({"value_band": "lots"}, "value_band", "Select a valid choice"),
        (date_parts("closes_on", "31", "2", "2027"), "closes_on", "must be a real date"),
        (date_parts("closes_on", "x", "2", "2027"), "closes_on", "must be a real date"),
        (date_parts("closes_on", "", "", ""), "closes_on", "Enter the closing date"),
        (date_parts("closes_on", "", "2", ""), "closes_on", "must include a day and year"),
        (date_parts("closes_on", "1", "2", "27"), "closes_on", "Year must include 4 numbers"),
        (date_parts("closes_on", "1", "1", "2020"), "closes_on", "must be today or in the future"),
        (
            date_parts("expected_start", "1", "13", "2027"),
            "expected_start",
            "The expected start date must be a real date",
        ),
        ({"title": "x" * 201}, "title", "200 characters or fewer"),
    ],
)
def test_bad_input_is_shown_beside_the_field_and_kept(client, taxonomy, overrides, field, message):
    membership = MembershipFactory()
    client.force_login(membership.user)

    data = post_data(taxonomy, organisation=membership.organisation.pk, **overrides)
    response = client.post(CREATE_URL, data)

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert "There is a problem" in response.content.decode()
    assert "A resettlement contract in the North West." in response.content.decode()
    assert not Opportunity.objects.exists()


@pytest.mark.parametrize("month", ["1", "01", "January", "jan", "JAN."])
def test_the_closing_date_is_three_boxes_that_take_month_names(client, taxonomy, month):
    membership = MembershipFactory()
    client.force_login(membership.user)
    year = timezone.localdate().year + 1

    data = post_data(taxonomy, organisation=membership.organisation.pk)
    data.update(date_parts("closes_on", " 15 ", month, str(year)))
    response = client.post(CREATE_URL, data)

    assert response.status_code == 302
    assert Opportunity.objects.get().closes_on == date(year, 1, 15)


def test_the_form_shows_gov_uk_date_inputs_and_no_blank_value_radio(client, taxonomy):
    client.force_login(MembershipFactory().user)

    page = client.get(CREATE_URL).content.decode()

    assert page.count('class="govuk-date-input"') == 2
    assert 'name="closes_on_0"' in page and 'name="closes_on_2"' in page
    assert "---------" not in page
    assert page.count('name="value_band"') == len(Opportunity.ValueBand.choices)


def test_only_the_missing_part_of_a_date_is_marked_and_the_summary_links_to_it(client, taxonomy):
    membership = MembershipFactory()
    client.force_login(membership.user)

    data = post_data(taxonomy, organisation=membership.organisation.pk)
    data.update(date_parts("closes_on", "15", "1", ""))
    page = client.post(CREATE_URL, data).content.decode()

    assert 'href="#id_closes_on_0">The closing date must include a year' in page
    boxes = re.findall(r'<input[^>]*name="closes_on_\d"[^>]*>', page)
    marked = ["govuk-input--error" in box for box in boxes]
    assert marked == [False, False, True]
    assert 'value="15"' in boxes[0]


def test_cannot_post_for_someone_elses_organisation(client, taxonomy):
    membership = MembershipFactory()
    client.force_login(membership.user)

    response = client.post(CREATE_URL, post_data(taxonomy, organisation=OrganisationFactory().pk))

    assert response.status_code == 200
    assert "organisation" in response.context["form"].errors
    assert not Opportunity.objects.exists()


# --- Listing and closing ---


def test_list_shows_open_opportunities_and_filters(client, taxonomy, django_assert_max_num_queries):
    wanted = OpportunityFactory(regions=[taxonomy["region"]], title="Wanted in the North West")
    OpportunityFactory(title="Somewhere else")
    for _ in range(5):
        OpportunityFactory()

    with django_assert_max_num_queries(13):
        response = client.get(LIST_URL)
    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == 7

    response = client.get(LIST_URL, {"region": "north-west"})
    assert list(response.context["page_obj"].object_list) == [wanted]
    response = client.get(LIST_URL, {"q": "else"})
    assert [o.title for o in response.context["page_obj"].object_list] == ["Somewhere else"]


def test_filter_options_show_counts_ignoring_their_own_choice(client, taxonomy):
    wales = RegionFactory(name="Wales", slug="wales")
    health = PathwayFactory(name="Health", slug="health")
    nw = taxonomy["region"]
    role = taxonomy["role"]
    OpportunityFactory(
        regions=[nw], pathways=[taxonomy["pathway"]], value_band="under_50k", roles_sought=[role]
    )
    OpportunityFactory(
        regions=[nw, wales], pathways=[health], value_band="under_50k", roles_sought=[role]
    )
    OpportunityFactory(regions=[wales], pathways=[health], value_band="over_1m")
    OpportunityFactory(regions=[wales], pathways=[health], closes_on=in_days(-1))

    response = client.get(LIST_URL, {"region": "north-west"})

    content = response.content.decode()
    assert response.context["page_obj"].paginator.count == 2
    # Regions as if none were chosen; the rest within the North West. Closed ones never count.
    assert "North West (2)" in content and "Wales (2)" in content
    assert "Accommodation (1)" in content and "Health (1)" in content
    assert "Subcontractor (2)" in content
    # An option with nothing is still there to choose, for a saved search's alerts.
    assert "Under £50,000 (2)" in content and "Over £1 million (0)" in content

    with_closed = client.get(LIST_URL, {"include_closed": "on", "pathway": "health"})
    assert "Wales (3)" in with_closed.content.decode()


def test_closed_and_withdrawn_opportunities_leave_the_list(client):
    OpportunityFactory(title="Open today", closes_on=timezone.localdate())
    OpportunityFactory(title="Closed yesterday", closes_on=in_days(-1))
    OpportunityFactory(title="Withdrawn", status=Opportunity.Status.WITHDRAWN)

    titles = [o.title for o in client.get(LIST_URL).context["page_obj"].object_list]
    assert titles == ["Open today"]

    response = client.get(LIST_URL, {"include_closed": "on"})
    titles = [o.title for o in response.context["page_obj"].object_list]
    assert titles == ["Closed yesterday", "Open today"]


def test_open_for_responses_ends_after_the_closing_date():
    opportunity = OpportunityFactory(closes_on=in_days(0))
    assert Opportunity.objects.open_for_responses().filter(pk=opportunity.pk).exists()
    Opportunity.objects.filter(pk=opportunity.pk).update(closes_on=in_days(-1))
    assert not Opportunity.objects.open_for_responses().filter(pk=opportunity.pk).exists()


def test_an_empty_board_says_so_and_suggests_removing_filters_only_when_filtered(client):
    unfiltered = client.get(LIST_URL).content.decode()
    blank_search = client.get(LIST_URL, {"q": ""}).content.decode()
    filtered = client.get(LIST_URL, {"q": "housing"}).content.decode()

    assert "There are no open opportunities at the moment" in unfiltered
    assert "Try removing some filters" not in unfiltered
    assert "Try removing some filters" not in blank_search
    assert "No open opportunities match your filters. Try removing some filters" in filtered


def test_bad_filter_values_show_errors_not_a_crash(client):
    response = client.get(LIST_URL, {"region": "atlantis", "q": "x" * 300})
    assert response.status_code == 200
    assert response.context["form"].errors


# --- Expressions of interest ---


def test_member_expresses_interest_and_the_poster_is_emailed(
    client, responder, django_capture_on_commit_callbacks
):
    opportunity = OpportunityFactory()
    service = responder.organisation.services.get()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            detail_url(opportunity),
            {
                "organisation": responder.organisation.pk,
                "message": "We can help.",
                "services": [service.pk],
            },
        )

    assert response.status_code == 302
    eoi = ExpressionOfInterest.objects.get()
    assert eoi.organisation == responder.organisation
    assert list(eoi.services.all()) == [service]
    assert len(mail.outbox) == 1
    assert opportunity.posted_by.email in mail.outbox[0].to
    assert responses_url(opportunity) in mail.outbox[0].body


def test_a_closed_opportunity_takes_no_responses(client, responder):
    opportunity = OpportunityFactory(closes_on=in_days(-1))

    page = client.get(detail_url(opportunity))
    assert page.context["form"] is None
    assert "no longer takes responses" in page.content.decode()

    data = {"organisation": responder.organisation.pk, "message": "Too late?"}
    assert client.post(detail_url(opportunity), data).status_code == 404
    assert not ExpressionOfInterest.objects.exists()


def test_at_the_closing_date_the_opportunity_stops_taking_responses_by_itself(
    client, responder, monkeypatch
):
    """Nothing has to run: the day after the closing date, the page, the list and the service
    all treat the opportunity as closed."""
    today = timezone.localdate()
    opportunity = OpportunityFactory(title="Closing Soon", closes_on=today + timedelta(days=1))
    data = {"organisation": responder.organisation.pk, "message": "Just in time"}

    monkeypatch.setattr(timezone, "localdate", lambda *args: today + timedelta(days=1))
    assert client.get(detail_url(opportunity)).context["form"] is not None
    assert "Closing Soon" in client.get(LIST_URL).content.decode()

    monkeypatch.setattr(timezone, "localdate", lambda *args: today + timedelta(days=2))
    page = client.get(detail_url(opportunity))
    assert page.context["form"] is None
    assert "no longer takes responses" in page.content.decode()
    assert "Closing Soon" not in client.get(LIST_URL).content.decode()
    assert client.post(detail_url(opportunity), data).status_code == 404
    with pytest.raises(ValidationError, match="closed"):
        services.expression_of_interest_submit(
            opportunity=opportunity,
            organisation=responder.organisation,
            submitted_by=responder.user,
            message="Through the back door",
            services=[],
        )
    assert not ExpressionOfInterest.objects.exists()
    opportunity.refresh_from_db()
    assert opportunity.status == Opportunity.Status.PUBLISHED


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"message": ""}, "message", "Enter a message"),
        ({"message": "x" * 5001}, "message", "5,000 characters or fewer"),
        ({"organisation": "999999"}, "organisation", "Select one of your published"),
    ],
)
def test_bad_responses_are_refused_beside_the_field(client, responder, data, field, message):
    opportunity = OpportunityFactory()
    payload = {"organisation": responder.organisation.pk, "message": "Hello", **data}

    response = client.post(detail_url(opportunity), payload)

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not ExpressionOfInterest.objects.exists()


def test_services_of_another_organisation_are_refused(client, responder):
    opportunity = OpportunityFactory()
    other_service = ServiceFactory()

    response = client.post(
        detail_url(opportunity),
        {
            "organisation": responder.organisation.pk,
            "message": "Hello",
            "services": [other_service.pk],
        },
    )

    assert "services" in response.context["form"].errors
    assert not ExpressionOfInterest.objects.exists()


def test_one_response_per_organisation(client, responder):
    opportunity = OpportunityFactory()
    ExpressionOfInterestFactory(opportunity=opportunity, organisation=responder.organisation)

    response = client.post(
        detail_url(opportunity), {"organisation": responder.organisation.pk, "message": "Again"}
    )

    assert "already responded" in str(response.context["form"].errors)
    assert ExpressionOfInterest.objects.count() == 1


def test_responses_are_rate_limited_per_user_for_an_hour(client, responder, clock):
    """Ten responses an hour (ACCOUNT_RATE_LIMITS), counted per user."""
    opportunities = OpportunityFactory.create_batch(12)
    data = {"organisation": responder.organisation.pk, "message": "Hi"}
    for opportunity in opportunities[:10]:
        assert client.post(detail_url(opportunity), data).status_code == 302

    response = client.post(detail_url(opportunities[10]), data)

    assert response.status_code == 200
    assert "Try again in an hour" in response.content.decode()
    assert ExpressionOfInterest.objects.count() == 10
    clock.advance(60 * 60)
    client.force_login(responder.user)  # an hour idle ended the session
    assert client.post(detail_url(opportunities[11]), data).status_code == 302
    assert ExpressionOfInterest.objects.count() == 11


# --- Visibility of responses ---


def test_only_the_poster_sees_the_responses_page(client):
    eoi = ExpressionOfInterestFactory()
    opportunity = eoi.opportunity

    client.force_login(opportunity.posted_by)
    page = client.get(responses_url(opportunity))
    assert page.status_code == 200
    assert eoi.message in page.content.decode()

    for stranger in [UserFactory(), MembershipFactory(organisation=eoi.organisation).user]:
        client.force_login(stranger)
        assert client.get(responses_url(opportunity)).status_code == 404
        assert client.get(decide_url(eoi)).status_code == 404
        assert client.post(decide_url(eoi), {"status": "accepted"}).status_code == 404


def test_the_posting_organisations_other_members_also_manage_it():
    eoi = ExpressionOfInterestFactory()
    colleague = MembershipFactory(organisation=eoi.opportunity.organisation).user
    assert ExpressionOfInterest.objects.visible_to(colleague).get() == eoi


def test_responses_are_visible_only_to_the_poster_and_the_responder():
    eoi = ExpressionOfInterestFactory()
    responder = MembershipFactory(organisation=eoi.organisation).user
    other_responder = ExpressionOfInterestFactory(opportunity=eoi.opportunity)
    other_member = MembershipFactory(organisation=other_responder.organisation).user

    assert list(ExpressionOfInterest.objects.visible_to(responder)) == [eoi]
    assert list(ExpressionOfInterest.objects.visible_to(other_member)) == [other_responder]
    assert ExpressionOfInterest.objects.visible_to(eoi.opportunity.posted_by).count() == 2
    assert not ExpressionOfInterest.objects.visible_to(UserFactory()).exists()


def test_the_responder_sees_its_own_response_status_on_the_opportunity(client):
    eoi = ExpressionOfInterestFactory(
        status="declined", decided_at=timezone.now(), decision_message="Not this time"
    )
    client.force_login(MembershipFactory(organisation=eoi.organisation).user)

    page = client.get(detail_url(eoi.opportunity)).content.decode()

    assert "declined" in page
    assert "Not this time" in page


def test_withdrawn_opportunity_is_404_for_strangers_but_not_the_poster(client):
    opportunity = OpportunityFactory(status=Opportunity.Status.WITHDRAWN)
    assert client.get(detail_url(opportunity)).status_code == 404
    client.force_login(UserFactory())
    assert client.get(detail_url(opportunity)).status_code == 404
    client.force_login(opportunity.posted_by)
    assert client.get(detail_url(opportunity)).status_code == 200


def test_poster_withdraws_and_strangers_cannot(client):
    opportunity = OpportunityFactory()
    url = reverse("opportunities:withdraw", kwargs={"opportunity": opportunity.uuid})

    client.force_login(UserFactory())
    assert client.post(url).status_code == 404
    client.force_login(opportunity.posted_by)
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    opportunity.refresh_from_db()
    assert opportunity.status == Opportunity.Status.WITHDRAWN


def test_withdrawing_tells_the_organisations_still_waiting(
    client, django_capture_on_commit_callbacks
):
    opportunity = OpportunityFactory(title="Housing bid")
    waiting = ExpressionOfInterestFactory(opportunity=opportunity)
    shortlisted = ExpressionOfInterestFactory(
        opportunity=opportunity, status="shortlisted", decided_at=timezone.now()
    )
    declined = ExpressionOfInterestFactory(
        opportunity=opportunity, status="declined", decided_at=timezone.now()
    )
    admins = {
        eoi.status: MembershipFactory(organisation=eoi.organisation).user.email
        for eoi in [waiting, shortlisted, declined]
    }
    client.force_login(opportunity.posted_by)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("opportunities:withdraw", kwargs={"opportunity": opportunity.uuid}))

    [email] = mail.outbox
    assert email.to == sorted([admins["submitted"], admins["shortlisted"]])
    assert email.subject == "Withdrawn: Housing bid"
    assert "withdrawn" in email.body


# --- Decisions ---


@pytest.mark.parametrize("status", ["shortlisted", "declined", "accepted"])
def test_poster_decides_and_the_responder_is_emailed(
    client, status, django_capture_on_commit_callbacks
):
    eoi = ExpressionOfInterestFactory()
    admin = MembershipFactory(organisation=eoi.organisation).user
    client.force_login(eoi.opportunity.posted_by)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            decide_url(eoi), {"status": status, "message": "Thanks for applying"}
        )

    assert response.status_code == 302
    eoi.refresh_from_db()
    assert eoi.status == status
    assert eoi.decided_by == eoi.opportunity.posted_by
    assert eoi.decision_message == "Thanks for applying"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [admin.email]
    assert status in mail.outbox[0].subject
    assert "Thanks for applying" in mail.outbox[0].body


def test_shortlisted_can_then_be_accepted_but_a_final_decision_cannot_change(client):
    eoi = ExpressionOfInterestFactory()
    client.force_login(eoi.opportunity.posted_by)

    client.post(decide_url(eoi), {"status": "shortlisted"})
    assert client.post(decide_url(eoi), {"status": "shortlisted"}).status_code == 200
    client.post(decide_url(eoi), {"status": "accepted"})
    eoi.refresh_from_db()
    assert eoi.status == "accepted"

    response = client.post(decide_url(eoi), {"status": "declined"})
    assert response.status_code == 200
    assert "the decision is final" in response.content.decode()
    eoi.refresh_from_db()
    assert eoi.status == "accepted"


def test_a_decision_needs_a_choice(client):
    eoi = ExpressionOfInterestFactory()
    client.force_login(eoi.opportunity.posted_by)

    response = client.post(decide_url(eoi), {"status": ""})

    assert "Select shortlist, decline or accept" in str(response.context["form"].errors)
    assert not mail.outbox
