"""Following partnership opportunities as a saved search, with email alerts: the same saving,
list page and alert run as saved searches of organisations."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from consortia.models import OpportunitySearchSeen
from directory.search.models import SavedSearch
from directory.search.search_alerts import search_alerts_send
from tests.consortia.test_opportunities import date_boxes
from tests.factories import (
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

SAVE_URL = reverse("saved_searches:create_opportunities")


@pytest.fixture
def regions():
    return {
        "north-west": RegionFactory(name="North West", slug="north-west"),
        "wales": RegionFactory(name="Wales", slug="wales"),
    }


def in_days(days):
    return timezone.localdate() + timedelta(days=days)


def save(client, user, query="region=north-west", frequency="daily", name="NW opportunities"):
    client.force_login(user)
    response = client.post(
        SAVE_URL, {"name": name, "alert_frequency": frequency, "query_string": query}
    )
    assert response.status_code == 302
    return SavedSearch.objects.get(owner=user, name=name)


def post_opportunity(client, regions, title, region="north-west", closes_in=14):
    """Publish an opportunity through the real page, as an admin of a published organisation."""
    membership = MembershipFactory()
    client.force_login(membership.user)
    response = client.post(
        reverse("opportunities:create"),
        {
            "organisation": membership.organisation.pk,
            "title": title,
            "description": "A resettlement contract.",
            "regions": [regions[region].pk],
            "pathways": [PathwayFactory().pk],
            "roles_sought": [PartnershipRoleFactory().pk],
            "value_band": "50k_250k",
            **date_boxes("closes_on", in_days(closes_in)),
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    return response


def test_the_opportunity_list_offers_to_save_the_search_without_the_page(client, regions):
    response = client.get(reverse("opportunities:list"), {"region": "north-west", "page": "1"})
    assert f'href="{SAVE_URL}?region=north-west"' in response.content.decode()

    user = UserFactory()
    client.force_login(user)
    form = client.get(SAVE_URL + "?region=north-west&page=2").content.decode()
    assert 'value="region=north-west"' in form
    assert "Email me new matching opportunities" in form
    assert 'href="/opportunities/?region=north-west"' in form  # Back to the search

    saved = save(client, user, query="region=north-west&page=2")
    assert saved.kind == SavedSearch.Kind.OPPORTUNITIES
    assert saved.query_string == "region=north-west"
    assert saved.get_search_url() == "/opportunities/?region=north-west"
    listing = client.get(reverse("saved_searches:list")).content.decode()
    assert "NW opportunities" in listing and "Partnership opportunities" in listing


def test_saving_needs_sign_in_and_errors_keep_the_search(client):
    assert client.get(SAVE_URL).status_code == 302
    client.force_login(UserFactory())
    response = client.post(
        SAVE_URL, {"name": "", "alert_frequency": "daily", "query_string": "region=wales"}
    )
    content = response.content.decode()
    assert "Enter a name for the saved search" in content and 'value="region=wales"' in content
    assert not SavedSearch.objects.exists()


def test_an_alert_is_sent_once_for_a_newly_published_matching_opportunity(
    client, regions, simulated_clock
):
    user = UserFactory()
    OpportunityFactory(title="Already There", regions=[regions["north-west"]])
    saved = save(client, user)
    # Saving remembers nothing per opportunity: its cut-off keeps those already there out.
    assert not OpportunitySearchSeen.objects.exists()

    # Nothing new yet.
    simulated_clock.advance(days=1)
    assert search_alerts_send() == 0

    simulated_clock.advance(minutes=1)
    post_opportunity(client, regions, "Housing partner in Bolton")
    post_opportunity(client, regions, "Mentoring in Cardiff", region="wales")
    withdrawn = OpportunityFactory(title="Withdrawn One", regions=[regions["north-west"]])
    withdrawn.status = "withdrawn"
    withdrawn.save()

    simulated_clock.advance(days=1)
    call_command("send_search_alerts", stdout=None)
    [email] = mail.outbox
    assert email.to == [user.email]
    assert "NW opportunities (1 new)" in email.body
    assert "Housing partner in Bolton" in email.body
    new = saved.seen_opportunities.get(opportunity__title="Housing partner in Bolton").opportunity
    assert new.get_absolute_url() in email.body
    assert "See all matching partnership opportunities" in email.body
    assert "/opportunities/?region=north-west" in email.body
    for not_sent in ["Already There", "Mentoring in Cardiff", "Withdrawn One"]:
        assert not_sent not in email.body

    # Never twice.
    simulated_clock.advance(days=1)
    assert search_alerts_send() == 0
    assert len(mail.outbox) == 1


def test_an_opportunity_past_its_closing_date_is_not_news(client, regions, simulated_clock):
    user = UserFactory()
    save(client, user)
    simulated_clock.advance(minutes=1)
    closed = OpportunityFactory(title="Closed Already", regions=[regions["north-west"]])
    type(closed).objects.filter(pk=closed.pk).update(closes_on=in_days(-1))
    simulated_clock.advance(days=1)
    assert search_alerts_send() == 0
    assert mail.outbox == []


def test_searches_of_organisations_and_opportunities_share_one_email(
    client, regions, simulated_clock
):
    user = UserFactory()
    save(client, user, name="Opportunities")
    client.post(
        reverse("saved_searches:create"),
        {"name": "Organisations", "alert_frequency": "daily", "query_string": "region=wales"},
    )
    simulated_clock.advance(minutes=1)
    ServiceFactory(
        organisation=OrganisationFactory(name="Cymru Futures"), regions=[regions["wales"]]
    )
    OpportunityFactory(title="Bid with us", regions=[regions["north-west"]])

    simulated_clock.advance(days=1)
    assert search_alerts_send() == 1
    [email] = mail.outbox
    assert "Opportunities (1 new)" in email.body and "Bid with us" in email.body
    assert "Organisations (1 new)" in email.body and "Cymru Futures" in email.body
    assert "See all matching organisations" in email.body


def test_switching_alerts_on_later_skips_what_matched_meanwhile(client, regions, simulated_clock):
    user = UserFactory()
    saved = save(client, user, frequency="none")
    simulated_clock.advance(minutes=1)
    OpportunityFactory(title="While Alerts Were Off", regions=[regions["north-west"]])
    simulated_clock.advance(minutes=1)
    client.post(
        reverse("saved_searches:edit", kwargs={"pk": saved.pk}),
        {"name": saved.name, "alert_frequency": "daily"},
    )
    simulated_clock.advance(days=1)
    assert search_alerts_send() == 0
    simulated_clock.advance(minutes=1)
    OpportunityFactory(title="After", regions=[regions["north-west"]])
    simulated_clock.advance(days=1)
    assert search_alerts_send() == 1
    assert "After" in mail.outbox[0].body
    assert "While Alerts Were Off" not in mail.outbox[0].body
