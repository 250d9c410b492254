"""What a results page offers beside its results: the filter a query's words name ("Filter by
pathway: Accommodation"), and for an empty list the nearest broader search."""

from dataclasses import dataclass

from django.http import QueryDict

from directory.search.filters import OrganisationFilterSet

# Yes/no filters a broader search may leave out, with how the page names them.
_FLAG_LABELS = {
    "accepting_referrals": "accepting referrals now",
    "open_to_partnership": "open to partnership approaches now",
    "has_evidence": "has evidence of impact",
    "has_jdl": "has a Justice Data Lab result",
    "lived_experience_led": "led by people with lived experience",
    "verified_recently": "verified in the last 12 months",
}


@dataclass(frozen=True)
class Suggestion:
    label: str
    url: str
    count: int | None = None


def _url(params: QueryDict) -> str:
    params = params.copy()
    params.pop("page", None)
    return "?" + params.urlencode()


def filter_offers(filterset: OrganisationFilterSet, params: QueryDict) -> list[Suggestion]:
    """The service filters whose term the words name (OrganisationFilterSet.named_terms):
    "women" offers People supported: Women, "housing" Pathway: Accommodation."""
    offers = []
    for group, terms in filterset.named_terms.items():
        chosen = set(filterset.values.get(group) or [])
        label = filterset.filters[group].label.lower()
        for term in terms:
            if term.slug not in chosen:
                wider = params.copy()
                wider.appendlist(group, term.slug)
                offers.append(Suggestion(f"Filter by {label}: {term.name}", _url(wider)))
    return offers[:4]


def broader_search(filterset: OrganisationFilterSet, params: QueryDict) -> Suggestion | None:
    """For a search with no results: the one filter whose removal finds the most, and how
    many it finds (None when no filter is applied or none helps)."""
    from directory.search.selectors import SearchResults

    values = filterset.values
    candidates = []
    for group in filterset.taxonomy:
        if values.get(group):
            label = filterset.filters[group].label
            names = [t.name for t in filterset.taxonomy[group] if t.slug in values[group]]
            candidates.append(([group], f"{label}: {', '.join(names)}"))
    for flag, label in _FLAG_LABELS.items():
        if values.get(flag):
            dropped = [flag, "min_evidence_level"] if flag == "has_evidence" else [flag]
            candidates.append((dropped, label.capitalize()))
    if values.get("min_evidence_level") and not values.get("has_evidence"):
        candidates.append((["min_evidence_level"], "Minimum Nesta standard of evidence"))
    if filterset.place is not None:
        candidates.append((["postcode", "within"], f"Near {filterset.place.postcode}"))
    best = None
    for dropped, label in candidates:
        wider = params.copy()
        for name in dropped:
            wider.pop(name, None)
        count = SearchResults(OrganisationFilterSet(wider, taxonomy=filterset.taxonomy)).count()
        if count and (best is None or count > best.count):
            best = Suggestion(f"Remove “{label}”", _url(wider), count)
    return best
