from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from directory.organisations import place_selectors
from directory.organisations.csv_utils import csv_response
from directory.organisations.models import Organisation
from directory.search import exports, search_suggestions, selectors
from directory.search.filters import DISTANCE_CHOICES, SORT_CHOICES, OrganisationFilterSet


def home(request):
    """The front page: what the directory is for, a search box and headline figures."""
    return render(
        request,
        "directory/home.html",
        {
            "figures": selectors.directory_headline_figures(),
            "regions": selectors.region_browse_counts(),
        },
    )


def organisation_list(request):
    """The search: full text, filters with counts, distance from a postcode, sorting."""
    result = selectors.organisation_search(params=request.GET)
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "result": result,
        "form": result.filterset.form,
        "page_obj": result.page,
        "query_string_without_page": params.urlencode(),
        "active_filters": _active_filters(request.GET, result.facets, result.filterset),
        "sort_choices": [c for c in SORT_CHOICES if c[0] != "distance" or result.filterset.place],
        "distance_choices": DISTANCE_CHOICES,
        "page_sizes": selectors.PAGE_SIZES,
        **_suggestions(request.GET, result),
    }
    return render(request, "directory/organisation_list.html", context)


def _suggestions(params, result) -> dict:
    """The spelling the search used instead of the words typed (with a link to the words as
    typed), the filters its words name, and for no results the nearest broader search."""
    filterset = result.filterset
    as_typed = params.copy()
    as_typed.pop("page", None)
    as_typed["as_typed"] = "yes"
    return {
        "spelling_correction": filterset.spelling_correction,
        "as_typed_url": "?" + as_typed.urlencode(),
        "filter_offers": search_suggestions.filter_offers(filterset, params)
        if filterset.query_text
        else [],
        "broader_search": None
        if result.total
        else search_suggestions.broader_search(filterset, params),
    }


def _active_filters(params, facets, filterset: OrganisationFilterSet) -> list[dict]:
    """A removable tag for each applied filter: its label and the URL without it."""

    def without(name, value=None):
        remaining = params.copy()
        remaining.pop("page", None)
        remaining.setlist(
            name, [v for v in remaining.getlist(name) if value is not None and v != value]
        )
        return "?" + remaining.urlencode()

    tags = []
    if query := filterset.values.get("q"):
        tags.append({"group": "Search", "label": f"“{query}”", "url": without("q")})
    for group in facets:
        for option in group.options:
            if not option.selected:
                continue
            if group.param in filterset.taxonomy:
                url = without(group.param, option.value)
            elif group.param == "has_evidence" and option.value != "yes":
                url = without("min_evidence_level")
            else:
                url = without(group.param)
            tags.append({"group": group.label, "label": option.label, "url": url})
    if place := filterset.place:
        label = f"Within {filterset.miles} miles of {place.postcode}"
        tags.append({"group": "Near", "label": label, "url": without("postcode")})
    return tags


def _export_filename(extension: str) -> str:
    return f"organisations-{timezone.now():%Y-%m-%d}.{extension}"


def organisation_export_csv(request):
    """The current search results as CSV, streamed, one row per organisation."""
    rows = selectors.organisation_export_rows(filterset=OrganisationFilterSet(request.GET))
    columns = selectors.EXPORT_COLUMNS
    return csv_response(
        filename=_export_filename("csv"),
        header=exports.column_headings(columns),
        rows=([exports.yes_no(row[column]) for column in columns] for row in rows),
    )


def organisation_export_json(request):
    """The current search results as a JSON array, streamed."""
    rows = selectors.organisation_export_rows(filterset=OrganisationFilterSet(request.GET))
    response = StreamingHttpResponse(exports.json_chunks(rows), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{_export_filename("json")}"'
    return response


def organisation_detail(request, slug):
    """A public profile. Organisations that are not published are not found."""
    organisation = get_object_or_404(
        selectors.organisation_profile_queryset().filter(status=Organisation.Status.PUBLISHED),
        slug=slug,
    )
    return render(
        request,
        "directory/organisation_detail.html",
        {"organisation": organisation, "base": place_selectors.organisation_base(organisation)},
    )
