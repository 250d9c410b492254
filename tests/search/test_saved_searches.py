"""Saved searches and their email alerts."""

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from directory.moderation import services as moderation_services
from directory.moderation.importer import organisations_import
from directory.moderation.models import ModerationDecision
from directory.moderation.services import freshness_update
from directory.organisations.models import LegalForm, Organisation, Region
from directory.search.models import SavedSearch, SavedSearchSeen
from directory.search.search_alerts import search_alerts_send
from tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    SavedSearchFactory,
    ServiceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


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


def test_alerts_over_simulated_days_are_grouped_and_never_repeat(
    client, taxonomies, simulated_clock
):
    clock = simulated_clock
    user = UserFactory(full_name="Alex Commissioner")
    already_there = _in_region("wales", name="Already There")
    wales = _save(client, user, "region=wales", name="Wales")
    london = _save(client, user, "region=london", name="London")
    weekly = _save(client, user, "region=wales", frequency="weekly", name="Weekly Wales")

    # Day 1: nothing new.
    clock.advance(days=1)
    call_command("send_search_alerts", stdout=None)
    assert mail.outbox == []

    # Day 2: one new organisation in each region: one email grouping both searches.
    clock.advance(days=1)
    new_in_wales = _in_region("wales", name="Cymru Futures")
    _in_region("london", name="London Gate")
    _in_region("north-west", name="Not Wanted")
    assert search_alerts_send() == 1
    [email] = mail.outbox
    assert email.to == [user.email]
    body = email.body
    assert "Wales (1 new)" in body and "London (1 new)" in body
    assert "Cymru Futures" in body and "London Gate" in body
    assert new_in_wales.get_absolute_url() in body
    assert "Already There" not in body and "Not Wanted" not in body
    # Its week is not over.
    assert "Weekly Wales" not in body
    wales.refresh_from_db()
    assert wales.last_alerted_at == clock.now

    # The same day again: idempotent.
    assert search_alerts_send() == 0
    assert len(mail.outbox) == 1

    # Day 3: an organisation newly matches (it starts working in Wales); one that left the
    # directory and came back is not sent twice.
    clock.advance(days=1)
    moved = Organisation.objects.get(name="London Gate")
    ServiceFactory(organisation=moved, regions=[Region.objects.get(slug="wales")])
    Organisation.objects.filter(pk=new_in_wales.pk).update(status="archived")
    assert search_alerts_send() == 1
    Organisation.objects.filter(pk=new_in_wales.pk).update(status="published")
    clock.advance(days=1)
    search_alerts_send()
    assert len(mail.outbox) == 2
    body = mail.outbox[1].body
    assert "London Gate" in body and "Wales (1 new)" in body
    assert "London (" not in body and "Cymru Futures" not in body

    # Day 7: the weekly search's week is over; it sends the week's news once.
    clock.advance(days=3)
    assert search_alerts_send() == 1
    body = mail.outbox[2].body
    assert "Weekly Wales (2 new)" in body
    assert "Cymru Futures" in body and "London Gate" in body and "Already There" not in body
    assert search_alerts_send() == 0
    # Only what was sent is remembered: saving the searches wrote nothing.
    assert london.seen.count() == 1
    assert weekly.seen.count() == 2
    assert already_there.pk not in set(wales.seen.values_list("organisation_id", flat=True))


def test_daily_and_weekly_news_on_the_same_day_come_in_one_email(
    client, taxonomies, simulated_clock
):
    user = UserFactory()
    _save(client, user, "region=wales", name="Wales daily")
    _save(client, user, "region=wales", frequency="weekly", name="Wales weekly")
    _save(client, UserFactory(), "region=wales", frequency="weekly", name="Someone else's")

    simulated_clock.advance(days=7)
    _in_region("wales", name="Cymru Futures")

    assert search_alerts_send() == 2
    [email] = [email for email in mail.outbox if email.to == [user.email]]
    assert "Wales daily (1 new)" in email.body and "Wales weekly (1 new)" in email.body


def tomorrow_at(clock, hour: int, minute: int):
    """A time of day on the simulated clock, ahead of wherever it is now."""
    day = timezone.localtime(clock.now) + timedelta(days=1)
    return day.replace(hour=hour, minute=minute, second=0, microsecond=0)


def test_a_weekly_search_is_due_a_week_after_it_was_last_worked_out(
    client, taxonomies, simulated_clock
):
    simulated_clock.now = tomorrow_at(simulated_clock, 6, 9)
    _save(client, UserFactory(), "region=wales", frequency="weekly")
    simulated_clock.advance(minutes=1)
    _in_region("wales", name="Cymru Futures")

    for day in range(1, 7):
        simulated_clock.advance(days=1)
        assert search_alerts_send() == 0, f"day {day}"

    # A week on, though a few minutes earlier in the day than the search was saved.
    simulated_clock.advance(days=1, minutes=-10)
    assert search_alerts_send() == 1


def test_a_daily_search_is_due_the_next_day_however_early_the_run(
    client, taxonomies, simulated_clock
):
    simulated_clock.now = tomorrow_at(simulated_clock, 6, 9)
    _save(client, UserFactory(), "region=wales")
    simulated_clock.advance(minutes=1)
    _in_region("wales")

    simulated_clock.advance(hours=17, minutes=39)  # 23:49 the same day
    assert search_alerts_send() == 0
    simulated_clock.advance(hours=6, minutes=12)  # 06:01 the next day
    assert search_alerts_send() == 1


def test_saving_a_broad_search_writes_only_the_search(client, taxonomies, simulated_clock):
    for _ in range(30):
        _in_region("wales")

    saved = _save(client, UserFactory(), "", name="Everything")

    # Nothing per organisation: the cut-off alone keeps the 30 out of the alerts.
    assert not SavedSearchSeen.objects.exists()
    assert saved.last_alerted_at == simulated_clock.now
    simulated_clock.advance(days=1)
    assert search_alerts_send() == 0


def test_routine_writes_do_not_make_an_old_match_news(client, taxonomies, simulated_clock):
    organisation = _in_region("wales", name="Long Known")
    _save(client, UserFactory(), "region=wales")
    simulated_clock.advance(days=1)
    # A freshness reminder and a confirmation that the entry is still correct.
    organisation.freshness_stage = Organisation.Freshness.FIRST_REMINDER
    organisation.save(update_fields=["freshness_stage", "updated_at"])
    ModerationDecision.objects.create(
        organisation=organisation,
        organisation_name=organisation.name,
        kind=ModerationDecision.Kind.CONFIRMATION,
        action=ModerationDecision.Action.DONE,
        decided_at=timezone.now(),
    )

    assert search_alerts_send() == 0


def test_an_approved_profile_change_that_makes_an_organisation_match_is_news(
    client, taxonomies, simulated_clock
):
    organisation = _in_region(
        "wales", name="Now a CIC", legal_form=LegalForm.objects.get(slug="charity")
    )
    _save(client, UserFactory(), "legal_form=cic")
    simulated_clock.advance(days=1)
    organisation.legal_form = LegalForm.objects.get(slug="cic")
    organisation.save()
    ModerationDecision.objects.create(
        organisation=organisation,
        organisation_name=organisation.name,
        kind=ModerationDecision.Kind.REVISION,
        action=ModerationDecision.Action.APPROVE,
        decided_at=timezone.now(),
    )

    assert search_alerts_send() == 1
    assert "Now a CIC" in mail.outbox[0].body


def test_each_user_gets_their_own_email(taxonomies, client, simulated_clock):
    first, second = UserFactory(), UserFactory()
    _save(client, first, "region=wales")
    _save(client, second, "region=wales")
    SavedSearchFactory(query_string="region=wales", alert_frequency="none")
    simulated_clock.advance(days=1)
    _in_region("wales")
    assert search_alerts_send() == 2
    assert sorted(email.to[0] for email in mail.outbox) == sorted([first.email, second.email])


def test_switching_alerts_on_does_not_send_old_matches(client, taxonomies, simulated_clock):
    user = UserFactory()
    saved = _save(client, user, "region=wales", frequency="none")
    simulated_clock.advance(days=1)
    _in_region("wales", name="Matched While Off")
    simulated_clock.advance(hours=1)
    client.force_login(user)  # signed out a day later for inactivity
    response = client.post(
        reverse("saved_searches:edit", kwargs={"pk": saved.pk}),
        {"name": "Wales", "alert_frequency": "daily"},
    )
    assert response["Location"] == reverse("saved_searches:list")
    simulated_clock.advance(days=1)
    assert search_alerts_send() == 0
    simulated_clock.advance(days=1)
    new = _in_region("wales", name="After")
    assert search_alerts_send() == 1
    assert SavedSearchSeen.objects.filter(saved_search=saved, organisation=new).exists()
    assert "Matched While Off" not in mail.outbox[0].body


def test_a_failed_email_marks_nothing_as_sent(taxonomies, client, monkeypatch, simulated_clock):
    saved = _save(client, UserFactory(), "region=wales")
    simulated_clock.advance(days=1)
    _in_region("wales")

    def broken(*args, **kwargs):
        raise ConnectionError("SMTP server down")

    monkeypatch.setattr("directory.search.search_alerts.send_mail", broken)
    with pytest.raises(ConnectionError):
        search_alerts_send()
    assert saved.seen.count() == 0
    saved.refresh_from_db()
    assert saved.last_alerted_at < simulated_clock.now


# --- News that is not a moderator's decision: back in default search, imports ---


def _hide(organisation):
    """Left out of default search, as send_freshness_reminders does (a history record)."""
    organisation.freshness_stage = Organisation.Freshness.HIDDEN
    organisation.save(update_fields=["freshness_stage", "updated_at"])


def test_an_entry_back_in_default_search_is_news_once_for_the_searches_it_was_left_out_of(
    client, taxonomies, simulated_clock
):
    clock = simulated_clock
    long_ago = clock.now - timedelta(days=600)
    returning = _in_region(
        "wales", name="Back Again", last_verified_at=long_ago, published_at=long_ago
    )
    returning_admin = MembershipFactory(organisation=returning, role="admin").user
    always = _in_region("wales", name="Always There")
    always_admin = MembershipFactory(organisation=always, role="admin").user
    freshness_update()  # 18 months unverified: left out of default search
    returning.refresh_from_db()
    assert returning.freshness_stage == Organisation.Freshness.HIDDEN
    mail.outbox.clear()  # the reminder to its admins
    user = UserFactory()
    default = _save(client, user, "region=wales", name="Wales")
    everything = _save(
        client, user, "region=wales&include_out_of_date=yes", name="Wales with old entries"
    )

    # Day 1: nothing new.
    clock.advance(days=1)
    assert search_alerts_send() == 0

    # Day 2: its admin confirms the entry is still correct, and it is back in default search:
    # news for the default search only (the other had it in its results all along). Another
    # entry's routine confirmation is not news.
    clock.advance(days=1)
    moderation_services.organisation_confirm_still_correct(
        organisation=returning, user=returning_admin
    )
    moderation_services.organisation_confirm_still_correct(organisation=always, user=always_admin)
    assert search_alerts_send() == 1
    [email] = mail.outbox
    assert "Wales (1 new)" in email.body and "Back Again" in email.body
    assert "Always There" not in email.body and "Wales with old entries" not in email.body
    assert list(default.seen.values_list("organisation__name", flat=True)) == ["Back Again"]
    assert not everything.seen.exists()

    # Day 3: an entry left out and back again between two alerts was in the results at both.
    clock.advance(days=1)
    _hide(always)
    moderation_services.organisation_confirm_still_correct(organisation=always, user=always_admin)
    assert search_alerts_send() == 0

    # Days 4 and 5: left out again, then back again: it is never sent twice.
    clock.advance(days=1)
    _hide(returning)
    assert search_alerts_send() == 0
    clock.advance(days=1)
    moderation_services.organisation_confirm_still_correct(
        organisation=returning, user=returning_admin
    )
    assert search_alerts_send() == 0
    assert len(mail.outbox) == 1

    # Day 6: a search saved while it was out of default search hears of its return.
    clock.advance(days=1)
    _hide(returning)
    later = _save(client, user, "region=wales", name="Wales again")
    clock.advance(days=1)
    moderation_services.organisation_confirm_still_correct(
        organisation=returning, user=returning_admin
    )
    clock.advance(days=1)
    assert search_alerts_send() == 1
    assert "Wales again (1 new)" in mail.outbox[1].body
    assert "Wales (" not in mail.outbox[1].body
    assert later.seen.get().organisation == returning


IMPORT_HEADER = "name,charity_number,legal_form,summary,service_name,pathways,regions"


def _import(legal_form: str, summary: str):
    row = f"Imported Trust,1181234,{legal_form},{summary},Mentoring,accommodation,wales"
    data = f"{IMPORT_HEADER}\r\n{row}\r\n".encode()
    return organisations_import(file=io.BytesIO(data))


def test_an_import_changing_only_organisation_fields_is_news_once(
    client, taxonomies, simulated_clock
):
    clock = simulated_clock
    assert _import("charity", "Mentoring in Wales").created == 1
    organisation = Organisation.objects.get(name="Imported Trust")
    service_updated = organisation.services.get().updated_at
    user = UserFactory()
    cics = _save(client, user, "legal_form=cic", name="CICs")
    wales = _save(client, user, "region=wales", name="Wales")

    # Day 1: the same file again changes nothing, so there is nothing new.
    clock.advance(days=1)
    assert _import("charity", "Mentoring in Wales").unchanged == 1
    assert search_alerts_send() == 0

    # Day 2: the organisation's legal form changes, nothing of its service.
    clock.advance(days=1)
    assert _import("cic", "Mentoring in Wales").updated == 1
    assert organisation.services.get().updated_at == service_updated
    assert search_alerts_send() == 1
    [email] = mail.outbox
    assert "CICs (1 new)" in email.body and "Wales (1 new)" in email.body
    assert "Imported Trust" in email.body

    # Day 3: its summary changes: already sent for both searches, so not again; a search
    # saved since hears of it.
    later = _save(client, user, "region=wales&legal_form=cic", name="Welsh CICs")
    clock.advance(days=1)
    assert _import("cic", "Mentoring and housing in Wales").updated == 1
    assert search_alerts_send() == 1
    body = mail.outbox[1].body
    assert "Welsh CICs (1 new)" in body and "CICs (" not in body.replace("Welsh CICs", "")
    assert "Wales (" not in body
    for saved in [cics, wales, later]:
        assert list(saved.seen.values_list("organisation", flat=True)) == [organisation.pk]
    clock.advance(days=1)
    assert search_alerts_send() == 0
