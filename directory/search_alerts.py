"""Emails about organisations and partnership opportunities newly matching saved searches."""

from dataclasses import dataclass
from itertools import groupby

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .models import SavedSearch
from .saved_search_kinds import SavedSearchKind, saved_search_kinds
from .selectors import taxonomy_terms


@dataclass
class SearchNews:
    saved_search: SavedSearch
    search_url: str
    # Organisations or opportunities, by the saved search's kind.
    matches: list
    noun: str


@transaction.atomic
def _alert_user(user, saved_searches: list[SavedSearch], kinds: dict[str, SavedSearchKind]) -> bool:
    # Locking the searches makes a second run at the same moment wait, then find nothing new.
    locked = list(
        SavedSearch.objects.select_for_update().filter(pk__in=[s.pk for s in saved_searches])
    )
    news = [
        SearchNews(s, settings.SITE_URL + s.get_search_url(), matches, kinds[s.kind].noun)
        for s in locked
        if (matches := kinds[s.kind].new_matches(s))
    ]
    if not news:
        return False
    now = timezone.now()
    for item in news:
        kinds[item.saved_search.kind].mark_seen(
            item.saved_search, [match.pk for match in item.matches], at=now
        )
    SavedSearch.objects.filter(pk__in=[item.saved_search.pk for item in news]).update(
        last_alerted_at=now
    )
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


def search_alerts_send(*, frequency: str) -> int:
    """Email each user with new matches on their saved searches of this frequency: one email
    per user, each organisation or opportunity sent at most once per saved search. Returns
    emails sent."""
    saved_searches = (
        SavedSearch.objects.filter(alert_frequency=frequency, owner__is_active=True)
        .select_related("owner")
        .order_by("owner_id", "name", "id")
    )
    kinds = saved_search_kinds(taxonomy=taxonomy_terms())
    sent = 0
    for _owner_id, group in groupby(saved_searches, key=lambda s: s.owner_id):
        searches = list(group)
        sent += _alert_user(searches[0].owner, searches, kinds)
    return sent
