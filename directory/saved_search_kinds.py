"""What each kind of saved search finds, and how the matches already sent are remembered.

Saved searches of organisations and of partnership opportunities share the saving, the list
page and the email alerts (`directory.search_alerts`); only what they search differs.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.db.models import Model, QuerySet
from django.http import QueryDict
from django.utils import timezone

from consortia.filters import OpportunityFilterSet
from consortia.models import Opportunity, OpportunitySearchSeen

from .filters import OrganisationFilterSet
from .models import SavedSearch, SavedSearchSeen
from .selectors import search_queryset


@dataclass(frozen=True)
class SavedSearchKind:
    # What the matches are called in alerts: "organisations".
    noun: str
    # The current matches of a search's parameters, as its list page finds them.
    search: Callable[[QueryDict], QuerySet]
    # The record of matches already seen, and its foreign key to the match.
    seen_model: type[Model]
    seen_field: str

    def matches(self, query_string: str) -> QuerySet:
        return self.search(QueryDict(query_string))

    def new_matches(self, saved_search: SavedSearch) -> list:
        """Current matches never sent for this saved search (nor there when it was saved)."""
        seen = self.seen_model.objects.filter(saved_search=saved_search).values(
            f"{self.seen_field}_id"
        )
        return list(self.matches(saved_search.query_string).exclude(pk__in=seen))

    def mark_seen(self, saved_search: SavedSearch, ids, *, at=None) -> None:
        at = at or timezone.now()
        self.seen_model.objects.bulk_create(
            [
                self.seen_model(
                    saved_search=saved_search, seen_at=at, **{f"{self.seen_field}_id": pk}
                )
                for pk in ids
            ],
            ignore_conflicts=True,
        )

    def mark_current_matches_seen(self, saved_search: SavedSearch) -> None:
        """Only what starts matching after this moment will be alerted."""
        self.mark_seen(
            saved_search, self.matches(saved_search.query_string).values_list("pk", flat=True)
        )


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
            seen_model=SavedSearchSeen,
            seen_field="organisation",
        ),
        SavedSearch.Kind.OPPORTUNITIES.value: SavedSearchKind(
            noun="partnership opportunities",
            search=_opportunities,
            seen_model=OpportunitySearchSeen,
            seen_field="opportunity",
        ),
    }
