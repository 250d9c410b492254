"""Saved searches of partnership opportunities: the kind consortia adds to the search's saved
searches (directory.search.saved_search_kinds), registered from ConsortiaConfig.ready()."""

from datetime import datetime

from django.db.models import Q, QuerySet
from django.http import QueryDict

from consortia.filters import OpportunityFilterSet
from consortia.models import Opportunity, OpportunitySearchSeen
from directory.search.models import SavedSearch
from directory.search.saved_search_kinds import SavedSearchKind, saved_search_kind_register


def _opportunity_changed_since(moment: datetime, params: QueryDict) -> Q:
    return Q(created_at__gt=moment) | Q(updated_at__gt=moment)


def _opportunities(params: QueryDict) -> QuerySet:
    return OpportunityFilterSet(params, queryset=Opportunity.objects.published()).qs


def opportunities_kind_register() -> None:
    """Let saved searches of opportunities share the saving, list page and alerts."""
    saved_search_kind_register(
        value=SavedSearch.Kind.OPPORTUNITIES.value,
        kind=SavedSearchKind(
            noun="partnership opportunities",
            search=_opportunities,
            changed_since=_opportunity_changed_since,
            seen_model=OpportunitySearchSeen,
            seen_field="opportunity",
        ),
    )
