"""Saved searches and their email alerts."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from directory.models import Organisation, Region, SavedSearch, SavedSearchSeen
from directory.search_alerts import search_alerts_send
from tests.factories import OrganisationFactory, SavedSearchFactory, ServiceFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    """Simulated days: `clock.advance(days=1)` moves timezone.now forward."""

    class Clock:
        now = timezone.now()

        def advance(self, **delta):
            self.now += timedelta(**delta)

    fake = Clock()
    monkeypatch.setattr(timezone, "now", lambda: fake.now)
    return fake


def _in_region(slug, **organisation):
    service = ServiceFactory(
        organisation=OrganisationFactory(**organisation), regions=[Region.objects.get(slug=slug)]
    )
    return service.organisation


def _save(client, user, query: str, frequency="daily", name="Wales"):
    client.force_login(user)
    response = client.post(
        reverse("saved_searches:create"),
        {"name": name, "alert_frequency": frequency, "query_string": query},
    )
    assert response.status_code == 302
    return SavedSearch.objects.get(owner=user, name=name)


def test_save_this_search_keeps_the_whole_query_without_the_page(client, taxonomies):
    user = UserFactory()
    client.force_login(user)
    response = client.get(reverse("saved_searches:create") + "?region=wales&q=housing&page=3")
    assert 'value="region=wales&amp;q=housing"' in response.content.decode()
    saved = _save(client, user, "region=wales&q=housing&page=3")
    assert saved.query_string == "region=wales&q=housing"
    assert saved.get_search_url() == "/organisations/?region=wales&q=housing"


@pytest.mark.parametrize(
    "data,error",
    [
        ({"name": "", "alert_frequency": "daily"}, "Enter a name for the saved search"),
        ({"name": "x" * 121, "alert_frequency": "daily"}, "The name must be 120 characters"),
        ({"name": "Wales", "alert_frequency": "hourly"}, "Select a valid choice"),
    ],
)
def test_saving_errors_keep_the_search(client, data, error):
    client.force_login(UserFactory())
    response = client.post(
        reverse("saved_searches:create"), {**data, "query_string": "region=wales"}
    )
    content = response.content.decode()
    assert error in content and 'value="region=wales"' in content
    assert not SavedSearch.objects.exists()


def test_list_rename_and_delete(client, django_assert_max_num_queries):
    saved = SavedSearchFactory(name="Old name")
    for _ in range(5):
        SavedSearchFactory(owner=saved.owner)
    SavedSearchFactory(name="Somebody else's")
    client.force_login(saved.owner)
    with django_assert_max_num_queries(6):
        content = client.get(reverse("saved_searches:list")).content.decode()
    assert "Old name" in content and "Somebody else" not in content
    edit = reverse("saved_searches:edit", kwargs={"pk": saved.pk})
    client.post(edit, {"name": "New name", "alert_frequency": "weekly"})
    saved.refresh_from_db()
    assert (saved.name, saved.alert_frequency) == ("New name", "weekly")
    client.post(reverse("saved_searches:delete", kwargs={"pk": saved.pk}))
    assert not SavedSearch.objects.filter(pk=saved.pk).exists()


@pytest.mark.parametrize("name", ["edit", "delete"])
def test_other_peoples_saved_searches_are_not_found(client, name):
    saved = SavedSearchFactory()
    client.force_login(UserFactory())
    url = reverse(f"saved_searches:{name}", kwargs={"pk": saved.pk})
    assert client.get(url).status_code == 404
    assert client.post(url, {"name": "Mine", "alert_frequency": "none"}).status_code == 404
    saved.refresh_from_db()
    assert saved.name != "Mine"


def test_anonymous_users_are_sent_to_sign_in(client):
    response = client.get(reverse("saved_searches:list"))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_alerts_over_simulated_days_are_grouped_and_never_repeat(client, taxonomies, clock):
    user = UserFactory(full_name="Alex Commissioner")
    already_there = _in_region("wales", name="Already There")
    wales = _save(client, user, "region=wales", name="Wales")
    london = _save(client, user, "region=london", name="London")
    weekly = _save(client, user, "region=wales", frequency="weekly", name="Weekly Wales")

    # Day 1: nothing new.
    clock.advance(days=1)
    call_command("send_search_alerts", frequency="daily", stdout=None)
    assert mail.outbox == []

    # Day 2: one new organisation in each region: one email grouping both searches.
    clock.advance(days=1)
    new_in_wales = _in_region("wales", name="Cymru Futures")
    _in_region("london", name="London Gate")
    _in_region("north-west", name="Not Wanted")
    assert search_alerts_send(frequency="daily") == 1
    [email] = mail.outbox
    assert email.to == [user.email]
    body = email.body
    assert "Wales (1 new)" in body and "London (1 new)" in body
    assert "Cymru Futures" in body and "London Gate" in body
    assert new_in_wales.get_absolute_url() in body
    assert "Already There" not in body and "Not Wanted" not in body
    assert "Weekly Wales" not in body
    wales.refresh_from_db()
    assert wales.last_alerted_at == clock.now

    # The same day again: idempotent.
    assert search_alerts_send(frequency="daily") == 0
    assert len(mail.outbox) == 1

    # Day 3: an organisation newly matches (it starts working in Wales); one that left the
    # directory and came back is not sent twice.
    clock.advance(days=1)
    moved = Organisation.objects.get(name="London Gate")
    ServiceFactory(organisation=moved, regions=[Region.objects.get(slug="wales")])
    Organisation.objects.filter(pk=new_in_wales.pk).update(status="archived")
    assert search_alerts_send(frequency="daily") == 1
    Organisation.objects.filter(pk=new_in_wales.pk).update(status="published")
    search_alerts_send(frequency="daily")
    assert len(mail.outbox) == 2
    body = mail.outbox[1].body
    assert "London Gate" in body and "Wales (1 new)" in body
    assert "London (" not in body and "Cymru Futures" not in body

    # The weekly run has its own memory: it sends the week's news once.
    clock.advance(days=4)
    assert search_alerts_send(frequency="weekly") == 1
    assert "Cymru Futures" in mail.outbox[2].body and "London Gate" in mail.outbox[2].body
    assert search_alerts_send(frequency="weekly") == 0
    assert london.seen.count() == 1
    assert weekly.seen.count() == 3
    assert already_there.pk in set(wales.seen.values_list("organisation_id", flat=True))


def test_each_user_gets_their_own_email(taxonomies, client):
    first, second = UserFactory(), UserFactory()
    _save(client, first, "region=wales")
    _save(client, second, "region=wales")
    SavedSearchFactory(query_string="region=wales", alert_frequency="none")
    _in_region("wales")
    assert search_alerts_send(frequency="daily") == 2
    assert sorted(email.to[0] for email in mail.outbox) == sorted([first.email, second.email])


def test_switching_alerts_on_does_not_send_old_matches(client, taxonomies):
    user = UserFactory()
    saved = _save(client, user, "region=wales", frequency="none")
    _in_region("wales", name="Matched While Off")
    client.post(
        reverse("saved_searches:edit", kwargs={"pk": saved.pk}),
        {"name": "Wales", "alert_frequency": "daily"},
    )
    assert search_alerts_send(frequency="daily") == 0
    new = _in_region("wales", name="After")
    assert search_alerts_send(frequency="daily") == 1
    assert SavedSearchSeen.objects.filter(saved_search=saved, organisation=new).exists()


def test_a_failed_email_marks_nothing_as_sent(taxonomies, client, monkeypatch):
    saved = _save(client, UserFactory(), "region=wales")
    _in_region("wales")

    def broken(*args, **kwargs):
        raise ConnectionError("SMTP server down")

    monkeypatch.setattr("directory.search_alerts.send_mail", broken)
    with pytest.raises(ConnectionError):
        search_alerts_send(frequency="daily")
    assert saved.seen.count() == 0
