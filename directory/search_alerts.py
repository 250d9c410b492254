"""Emails about organisations newly matching users' saved searches."""

from dataclasses import dataclass
from itertools import groupby

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.http import QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .filters import OrganisationFilterSet
from .models import Organisation, SavedSearch, SavedSearchSeen
from .selectors import search_queryset, taxonomy_terms


@dataclass
class SearchNews:
    saved_search: SavedSearch
    search_url: str
    organisations: list[Organisation]


def _new_matches(saved_search: SavedSearch, taxonomy) -> list[Organisation]:
    filterset = OrganisationFilterSet(QueryDict(saved_search.query_string), taxonomy=taxonomy)
    seen = SavedSearchSeen.objects.filter(saved_search=saved_search).values("organisation_id")
    return list(search_queryset(filterset=filterset).exclude(pk__in=seen))


@transaction.atomic
def _alert_user(user, saved_searches: list[SavedSearch], taxonomy) -> bool:
    # Locking the searches makes a second run at the same moment wait, then find nothing new.
    locked = list(
        SavedSearch.objects.select_for_update().filter(pk__in=[s.pk for s in saved_searches])
    )
    news = [
        SearchNews(s, settings.SITE_URL + s.get_search_url(), organisations)
        for s in locked
        if (organisations := _new_matches(s, taxonomy))
    ]
    if not news:
        return False
    now = timezone.now()
    SavedSearchSeen.objects.bulk_create(
        [
            SavedSearchSeen(saved_search=item.saved_search, organisation=organisation, seen_at=now)
            for item in news
            for organisation in item.organisations
        ],
        ignore_conflicts=True,
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
    # Sent inside the transaction: if sending fails, nothing is marked as sent.
    send_mail(
        render_to_string("directory/email/search_alert_subject.txt", context).strip(),
        render_to_string("directory/email/search_alert.txt", context),
        None,
        [user.email],
    )
    return True


def search_alerts_send(*, frequency: str) -> int:
    """Email each user with new matches on their saved searches of this frequency: one email
    per user, each organisation sent at most once per saved search. Returns emails sent."""
    saved_searches = (
        SavedSearch.objects.filter(alert_frequency=frequency, owner__is_active=True)
        .select_related("owner")
        .order_by("owner_id", "name", "id")
    )
    taxonomy = taxonomy_terms()
    sent = 0
    for _owner_id, group in groupby(saved_searches, key=lambda s: s.owner_id):
        searches = list(group)
        sent += _alert_user(searches[0].owner, searches, taxonomy)
    return sent
