"""Registration's part of a person's data: their requests to join or claim organisations (the
requests go with the account, by their foreign key)."""

from directory.moderation.models import ClaimRequest


def export(*, user, addresses: set[str]) -> dict:
    return {
        "requests_to_join_or_claim": [
            {
                "organisation": claim.organisation.name,
                "request": claim.get_kind_display(),
                "message": claim.message,
                "status": claim.get_status_display(),
                "sent_at": claim.created_at,
                "decided_at": claim.decided_at,
            }
            for claim in ClaimRequest.objects.filter(user=user)
            .select_related("organisation")
            .order_by("created_at", "id")
        ],
    }
