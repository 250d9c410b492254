"""The project's own read-only JSON API (/api/v1/) and the human-readable API page (/api/)."""

import django_filters
from django.conf import settings
from django.shortcuts import render
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.exceptions import ValidationError

from directory.opendata.api import oruk
from directory.opendata.api.public import (
    PublicReadOnlyMixin,
    StrictPageNumberPagination,
    strict_booleans,
)
from directory.opendata.api.serializers import OrganisationSerializer, OrganisationSummarySerializer
from directory.organisations.models import Organisation
from directory.search import selectors
from directory.search.filters import OrganisationFilterSet


class OrganisationPagination(StrictPageNumberPagination):
    page_size = selectors.DEFAULT_PAGE_SIZE
    max_page_size = max(selectors.PAGE_SIZES)


def filter_parameters(filterset_class) -> list[OpenApiParameter]:
    """A search's parameters, documented from the FilterSet its HTML page uses."""
    parameters = []
    for name, field in filterset_class.base_filters.items():
        many = isinstance(field, django_filters.MultipleChoiceFilter)
        boolean = isinstance(field, django_filters.BooleanFilter)
        choices = field.extra.get("choices")
        description = str(field.label)
        if boolean:
            description += ": true to apply it; false, like leaving it out, does not"
        values = [value for value, _label in choices] if choices else None
        if many:
            kinds = f"one of {', '.join(values)}" if values else "a term's slug, as in profiles"
            description += f": {kinds}; repeat for several"
        parameters.append(
            OpenApiParameter(
                name,
                OpenApiTypes.BOOL if boolean else str,
                description=description,
                many=many or None,
                enum=values if not many else None,
            )
        )
    return parameters


def _unknown_terms(params, taxonomy) -> dict[str, list[str]]:
    errors = {}
    for group, terms in taxonomy.items():
        known = {term.slug for term in terms}
        if unknown := [value for value in params.getlist(group) if value not in known]:
            errors[group] = [f"“{value[:50]}” is not a known {group} slug" for value in unknown]
    return errors


@extend_schema_view(
    list=extend_schema(
        summary="Search published organisations",
        description="The same search, filters and sort orders as the directory's search page.",
        parameters=filter_parameters(OrganisationFilterSet),
    ),
    retrieve=extend_schema(summary="A published organisation's whole profile"),
)
class OrganisationViewSet(PublicReadOnlyMixin, viewsets.ReadOnlyModelViewSet):
    """Published organisations only; throttled per IP address (REST_FRAMEWORK settings)."""

    lookup_field = "slug"
    pagination_class = OrganisationPagination

    def get_queryset(self):
        return selectors.organisation_profile_queryset().filter(
            status=Organisation.Status.PUBLISHED
        )

    def get_serializer_class(self):
        return OrganisationSummarySerializer if self.action == "list" else OrganisationSerializer

    def get_object(self):
        organisation = super().get_object()
        self.last_modified = max(
            [organisation.updated_at, *(s.updated_at for s in organisation.services.all())]
        )
        return organisation

    def list(self, request, *args, **kwargs):
        strict_booleans(request.query_params, OrganisationFilterSet)
        filterset = OrganisationFilterSet(request.query_params)
        # The HTML search drops what it cannot use and says so; a program is told instead.
        errors = _unknown_terms(request.query_params, filterset.taxonomy)
        if not filterset.is_valid():
            errors.update(filterset.form.errors)
        if errors:
            raise ValidationError(errors)
        # The search page's results: ordered and counted the same way, with the same lines.
        page = self.paginate_queryset(selectors.SearchResults(filterset))
        serializer = self.get_serializer(page, many=True)
        return self.get_paginated_response(serializer.data)


def api_docs(request):
    """How to use both APIs, with examples that work against this site."""
    return render(
        request,
        "api/docs.html",
        {
            "base_url": request.build_absolute_uri("/").rstrip("/"),
            "taxonomies": oruk.TAXONOMIES,
            "max_per_page": oruk.MAX_PER_PAGE,
            "default_per_page": oruk.DEFAULT_PER_PAGE,
            "max_minimal_per_page": oruk.MAX_MINIMAL_PER_PAGE,
            "rate_limit": settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["anon"].split("/")[0],
            "page_sizes": selectors.PAGE_SIZES,
        },
    )
