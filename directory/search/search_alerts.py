"""Emails about organisations and partnership opportunities newly matching saved searches.

One run a day (the `send_search_alerts` timer) takes every saved search whose alerts are due
by its `last_alerted_at`: a daily one last worked out on an earlier day, a weekly one seven or
more days ago. Each user gets one email for all their due searches with news, daily and weekly
alike, and every due search's cut-off moves on to the run's time, news or not (so a weekly
search is looked at once a week, whatever it finds). `directory.search.saved_search_kinds` says what
news is.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from directory.search.models import SavedSearch
from directory.search.saved_search_kinds import SavedSearchKind, saved_search_kinds
from directory.search.selectors import taxonomy_terms

# Days from one alert of a saved search to its next.
ALERT_INTERVAL_DAYS = {
    SavedSearch.AlertFrequency.DAILY.value: 1,
    SavedSearch.AlertFrequency.WEEKLY.value: 7,
}


@dataclass
class SearchNews:
    saved_search: SavedSearch
    search_url: str
    # Organisations or opportunities, by the saved search's kind.
    matches: list
    noun: str


def due_condition(now: datetime) -> Q:
    """Saved searches whose alerts are due at `now`: last worked out at least their interval
    of calendar days ago (so a run a few minutes earlier than the day before still counts)."""
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    condition = Q()
    for frequency, days in ALERT_INTERVAL_DAYS.items():
        condition |= Q(alert_frequency=frequency) & (
            Q(last_alerted_at__isnull=True)
            | Q(last_alerted_at__lt=today - timedelta(days=days - 1))
        )
    return condition


@transaction.atomic
def _alert_user(
    user, saved_searches: list[SavedSearch], kinds: dict[str, SavedSearchKind], *, now: datetime
) -> bool:
    # Locked and checked again: a second run at the same moment waits, then finds none due.
    due = list(
        SavedSearch.objects.select_for_update()
        .filter(due_condition(now), pk__in=[s.pk for s in saved_searches])
        .order_by("name", "id")
    )
    news = [
        SearchNews(s, settings.SITE_URL + s.get_search_url(), matches, kinds[s.kind].noun)
        for s in due
        if (matches := kinds[s.kind].new_matches(s))
    ]
    for item in news:
        kinds[item.saved_search.kind].mark_sent(
            item.saved_search, [match.pk for match in item.matches], at=now
        )
    SavedSearch.objects.filter(pk__in=[s.pk for s in due]).update(last_alerted_at=now)
    if not news:
        return False
    context = {
        "user": user,
        "news": news,
        "site_url": settings.SITE_URL,
        "manage_url": settings.SITE_URL + reverse("saved_searches:list"),
    }
    # Kept in the outbox in this transaction and delivered once it commits (outbox.backends):
    # a run killed before the commit marks nothing as sent and queues nothing, and one killed
    # after it leaves the email for `send_queued_emails`, so no alert is lost or sent twice.
    send_mail(
        render_to_string("directory/email/search_alert_subject.txt", context).strip(),
        render_to_string("directory/email/search_alert.txt", context),
        None,
        [user.email],
    )
    return True


def search_alerts_send() -> int:
    """Email each user the news of their saved searches due now, daily and weekly in one
    email; each organisation or opportunity sent at most once per saved search. Returns
    emails sent."""
    now = timezone.now()
    saved_searches = (
        SavedSearch.objects.filter(due_condition(now), owner__is_active=True)
        .select_related("owner")
        .order_by("owner_id", "name", "id")
    )
    kinds = saved_search_kinds(taxonomy=taxonomy_terms())
    sent = 0
    for _owner_id, group in groupby(saved_searches, key=lambda s: s.owner_id):
        searches = list(group)
        sent += _alert_user(searches[0].owner, searches, kinds, now=now)
    return sent
