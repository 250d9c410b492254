"""Shortlists' part of a person's data: their shortlists, those shared with them, searches they
recorded and messages they sent. Deleting the account cascades to their shortlists, their
access to others' and the log of their messages; invitations to their addresses go here."""

from directory.shortlists.models import ContactMessage, SearchRecord, Shortlist, ShortlistInvitation


def _search_record_data(record: SearchRecord) -> dict:
    return {
        "shortlist": record.shortlist.name,
        "search": record.query_string,
        "results": record.result_count,
        "organisations_found": [found["name"] for found in record.results],
        "recorded_at": record.recorded_at,
    }


def _shortlists_data(user) -> list[dict]:
    shortlists = (
        Shortlist.objects.filter(owner=user)
        .prefetch_related("items__organisation", "shares__user", "invitations", "search_records")
        .order_by("created_at", "id")
    )
    return [
        {
            "name": shortlist.name,
            "description": shortlist.description,
            "created_at": shortlist.created_at,
            "organisations": [
                {
                    "organisation": item.organisation.name,
                    "organisation_slug": item.organisation.slug,
                    "note": item.note,
                    "added_at": item.added_at,
                }
                for item in shortlist.items.all()
            ],
            # Addresses with and without an account alike, as the sharing page lists them, so
            # that the download does not tell which have one either.
            "shared_with": sorted(
                [
                    {"email": share.user.email, "role": share.get_role_display()}
                    for share in shortlist.shares.all()
                ]
                + [
                    {"email": invitation.email, "role": invitation.get_role_display()}
                    for invitation in shortlist.invitations.all()
                ],
                key=lambda shared: shared["email"].lower(),
            ),
            "searches_recorded": [
                _search_record_data(record) for record in shortlist.search_records.all()
            ],
        }
        for shortlist in shortlists
    ]


def _shortlists_shared_data(user, addresses: set[str]) -> list[dict]:
    shares = [
        {
            "shortlist": share.shortlist.name,
            "role": share.get_role_display(),
            "since": share.created_at,
        }
        for share in user.shortlist_shares.select_related("shortlist")
    ]
    # Shared with one of their addresses before they had an account (or before they added it).
    invitations = [
        {
            "shortlist": invitation.shortlist.name,
            "role": invitation.get_role_display(),
            "since": invitation.created_at,
        }
        for invitation in ShortlistInvitation.objects.filter(email__in=addresses)
        .exclude(shortlist__owner=user)
        .select_related("shortlist")
    ]
    return sorted(shares + invitations, key=lambda shared: shared["since"])


def export(*, user, addresses: set[str]) -> dict:
    return {
        "shortlists": _shortlists_data(user),
        "shortlists_shared_with_you": _shortlists_shared_data(user, addresses),
        "searches_you_recorded_on_others_shortlists": [
            _search_record_data(record)
            for record in SearchRecord.objects.filter(recorded_by=user)
            .exclude(shortlist__owner=user)
            .select_related("shortlist")
            .order_by("recorded_at", "id")
        ],
        "messages_sent": [
            {
                "organisation": message.organisation.name,
                "shortlist": message.shortlist and message.shortlist.name,
                "subject": message.subject,
                "message": message.body,
                "sent_at": message.sent_at,
            }
            for message in ContactMessage.objects.filter(sender=user)
            .select_related("organisation", "shortlist")
            .order_by("sent_at", "id")
        ],
    }


def delete(*, user, addresses: set[str]) -> None:
    ShortlistInvitation.objects.filter(email__in=addresses).delete()
