"""What each kind of saved search finds, and which of its matches are news.

Saved searches of organisations and of partnership opportunities share the saving, the list
page and the email alerts (`directory.search_alerts`); only what they search differs.

A saved search's `last_alerted_at` is its cut-off: alerts have been worked out up to then.
News is what matches now, was published or changed after the cut-off, and was never sent for
this saved search (`seen_model` remembers what was sent, so nothing is sent twice). Saving a
search therefore writes nothing but the search, however many organisations it matches.

An organisation counts as changed when, after the cut-off, it was published, a moderator
approved a submission or changes to its profile, one of its services was added or changed, or
it declared a partnership interest. Routine writes (freshness reminders, a confirmation that
an entry is still correct) are not changes: an organisation that already matched is not news
because it was reminded. An opportunity counts as changed when it was posted or edited.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.http import QueryDict

from consortia.filters import OpportunityFilterSet
from consortia.models import Opportunity, OpportunitySearchSeen, PartnershipInterest

from .filters import OrganisationFilterSet
from .models import ModerationDecision, SavedSearch, SavedSearchSeen, Service
from .selectors import search_queryset


@dataclass(frozen=True)
class SavedSearchKind:
    # What the matches are called in alerts: "organisations".
    noun: str
    # The current matches of a search's parameters, as its list page finds them.
    search: Callable[[QueryDict], QuerySet]
    # Those published or changed after a moment.
    changed_since: Callable[[datetime], Q]
    # The record of matches already sent, and its foreign key to the match.
    seen_model: type[Model]
    seen_field: str

    def matches(self, query_string: str) -> QuerySet:
        return self.search(QueryDict(query_string))

    def new_matches(self, saved_search: SavedSearch) -> list:
        """Current matches published or changed since the cut-off, never sent for it."""
        cutoff = saved_search.last_alerted_at or saved_search.created_at
        sent = self.seen_model.objects.filter(saved_search=saved_search).values(
            f"{self.seen_field}_id"
        )
        return list(
            self.matches(saved_search.query_string)
            .filter(self.changed_since(cutoff))
            .exclude(pk__in=sent)
        )

    def mark_sent(self, saved_search: SavedSearch, ids, *, at: datetime) -> None:
        self.seen_model.objects.bulk_create(
            [
                self.seen_model(
                    saved_search=saved_search, seen_at=at, **{f"{self.seen_field}_id": pk}
                )
                for pk in ids
            ],
            ignore_conflicts=True,
        )


# Moderation decisions that publish an organisation or change its public profile.
PROFILE_CHANGING_DECISIONS = Q(
    kind__in=[ModerationDecision.Kind.SUBMISSION, ModerationDecision.Kind.REVISION],
    action=ModerationDecision.Action.APPROVE,
)


def _organisation_changed_since(moment: datetime) -> Q:
    of_it = {"organisation": OuterRef("pk")}
    decisions = ModerationDecision.objects.filter(
        PROFILE_CHANGING_DECISIONS, decided_at__gt=moment, **of_it
    )
    return (
        Q(published_at__gt=moment)
        | Exists(decisions)
        # A service's updated_at is set when it is created too.
        | Exists(Service.objects.filter(updated_at__gt=moment, **of_it))
        | Exists(PartnershipInterest.objects.filter(created_at__gt=moment, **of_it))
    )


def _opportunity_changed_since(moment: datetime) -> Q:
    return Q(created_at__gt=moment) | Q(updated_at__gt=moment)


def _organisations(params: QueryDict, *, taxonomy=None) -> QuerySet:
    return search_queryset(filterset=OrganisationFilterSet(params, taxonomy=taxonomy))


def _opportunities(params: QueryDict) -> QuerySet:
    return OpportunityFilterSet(params, queryset=Opportunity.objects.published()).qs


def saved_search_kinds(*, taxonomy=None) -> dict[str, SavedSearchKind]:
    """Each kind by its `SavedSearch.kind` value; `taxonomy` (from `taxonomy_terms`) saves
    reading the terms again for every saved search of organisations."""
    return {
        SavedSearch.Kind.ORGANISATIONS.value: SavedSearchKind(
            noun="organisations",
            search=partial(_organisations, taxonomy=taxonomy),
            changed_since=_organisation_changed_since,
            seen_model=SavedSearchSeen,
            seen_field="organisation",
        ),
        SavedSearch.Kind.OPPORTUNITIES.value: SavedSearchKind(
            noun="partnership opportunities",
            search=_opportunities,
            changed_since=_opportunity_changed_since,
            seen_model=OpportunitySearchSeen,
            seen_field="opportunity",
        ),
    }
