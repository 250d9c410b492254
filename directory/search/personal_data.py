"""Search's part of a person's data: their saved searches and what their alerts sent (the
saved searches go with the account, by their foreign key)."""

from directory.search.models import SavedSearch


def export(*, user, addresses: set[str]) -> dict:
    saved_searches = (
        SavedSearch.objects.filter(owner=user)
        .prefetch_related("seen__organisation", "seen_opportunities__opportunity")
        .order_by("created_at", "id")
    )
    return {
        "saved_searches": [
            {
                "name": saved.name,
                "searches": saved.get_kind_display(),
                "search": saved.query_string,
                "alerts": saved.get_alert_frequency_display(),
                "created_at": saved.created_at,
                "last_alerted_at": saved.last_alerted_at,
                "sent_in_alerts": sorted(
                    [
                        {"sent": seen.organisation.name, "sent_at": seen.seen_at}
                        for seen in saved.seen.all()
                    ]
                    + [
                        {"sent": seen.opportunity.title, "sent_at": seen.seen_at}
                        for seen in saved.seen_opportunities.all()
                    ],
                    key=lambda sent: (sent["sent_at"], sent["sent"]),
                ),
            }
            for saved in saved_searches
        ],
    }
