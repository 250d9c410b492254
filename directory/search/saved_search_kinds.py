"""What each kind of saved search finds, and which of its matches are news.

Saved searches of organisations and of partnership opportunities share the saving, the list
page and the email alerts (`directory.search.search_alerts`); only what they search differs.
Organisations are this app's kind; an app above it adds its own with `saved_search_kind_register`
from its AppConfig.ready() (consortia: partnership opportunities).

A saved search's `last_alerted_at` is its cut-off: alerts have been worked out up to then.
News is what matches now, was published or changed after the cut-off, and was never sent for
this saved search (`seen_model` remembers what was sent, so nothing is sent twice). Saving a
search therefore writes nothing but the search, however many organisations it matches.

An organisation counts as changed when, after the cut-off, it was published, a moderator
approved a submission or changes to its profile, one of its services was added or changed, it
declared a partnership interest, or an import changed it (its own fields or terms: the import
writes each change's history record). For a search of the default results (not including
entries left out for going unverified), an organisation also counts when it came back into
them after the cut-off: left out (freshness stage "hidden") at the cut-off, as its audit
history shows, and not now. Routine writes (freshness reminders, a confirmation that an
entry is still correct) are not changes otherwise: an organisation that already matched is
not news because it was reminded. An opportunity counts as changed when it was posted or
edited.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from django.db.models import Exists, Model, OuterRef, Q, QuerySet, Subquery
from django.db.models.lookups import Exact
from django.http import QueryDict

from directory.moderation.models import ModerationDecision
from directory.organisations.models import (
    IMPORT_HISTORY_REASON,
    Organisation,
    PartnershipInterest,
    Service,
)
from directory.search.filters import OrganisationFilterSet
from directory.search.models import SavedSearch, SavedSearchSeen
from directory.search.selectors import search_queryset


@dataclass(frozen=True)
class SavedSearchKind:
    # What the matches are called in alerts: "organisations".
    noun: str
    # The current matches of a search's parameters, as its list page finds them.
    search: Callable[[QueryDict], QuerySet]
    # Those published or changed after a moment, for a search of these parameters.
    changed_since: Callable[[datetime, QueryDict], Q]
    # The record of matches already sent, and its foreign key to the match.
    seen_model: type[Model]
    seen_field: str

    def new_matches(self, saved_search: SavedSearch) -> list:
        """Current matches published or changed since the cut-off, never sent for it."""
        cutoff = saved_search.last_alerted_at or saved_search.created_at
        sent = self.seen_model.objects.filter(saved_search=saved_search).values(
            f"{self.seen_field}_id"
        )
        params = QueryDict(saved_search.query_string)
        return list(
            self.search(params).filter(self.changed_since(cutoff, params)).exclude(pk__in=sent)
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


def _organisation_changed_since(moment: datetime, params: QueryDict, *, taxonomy=None) -> Q:
    of_it = {"organisation": OuterRef("pk")}
    decisions = ModerationDecision.objects.filter(
        PROFILE_CHANGING_DECISIONS, decided_at__gt=moment, **of_it
    )
    history = Organisation.history.filter(id=OuterRef("pk"))
    changed = (
        Q(published_at__gt=moment)
        | Exists(decisions)
        # A service's updated_at is set when it is created too.
        | Exists(Service.objects.filter(updated_at__gt=moment, **of_it))
        | Exists(PartnershipInterest.objects.filter(created_at__gt=moment, **of_it))
        | Exists(
            history.filter(history_date__gt=moment, history_change_reason=IMPORT_HISTORY_REASON)
        )
    )
    if OrganisationFilterSet(params, taxonomy=taxonomy).values.get("include_out_of_date"):
        # Entries left out of the default results were in these all along.
        return changed
    return changed | _back_in_default_search_since(moment, history)


def _back_in_default_search_since(moment: datetime, history: QuerySet) -> Q:
    """In default search now, and left out of it at `moment`, by the audit history (which
    records every move of the freshness stage). One that was in it then, and left and came
    back before the next alert, was never out of the search's results as alerted."""
    hidden = Organisation.Freshness.HIDDEN
    stage_at_moment = Subquery(
        history.filter(history_date__lte=moment)
        .order_by("-history_date", "-history_id")
        .values("freshness_stage")[:1]
    )
    return ~Q(freshness_stage=hidden) & Q(Exact(stage_at_moment, hidden))


def _organisations(params: QueryDict, *, taxonomy=None) -> QuerySet:
    return search_queryset(filterset=OrganisationFilterSet(params, taxonomy=taxonomy))


# The kinds other apps registered, by their `SavedSearch.kind` value.
_REGISTERED_KINDS: dict[str, SavedSearchKind] = {}


def saved_search_kind_register(*, value: str, kind: SavedSearchKind) -> None:
    """Add a kind of saved search (called from the owning app's AppConfig.ready())."""
    _REGISTERED_KINDS[value] = kind


def saved_search_kinds(*, taxonomy=None) -> dict[str, SavedSearchKind]:
    """Each kind by its `SavedSearch.kind` value; `taxonomy` (from `taxonomy_terms`) saves
    reading the terms again for every saved search of organisations."""
    return {
        SavedSearch.Kind.ORGANISATIONS.value: SavedSearchKind(
            noun="organisations",
            search=partial(_organisations, taxonomy=taxonomy),
            changed_since=partial(_organisation_changed_since, taxonomy=taxonomy),
            seen_model=SavedSearchSeen,
            seen_field="organisation",
        ),
        **_REGISTERED_KINDS,
    }
