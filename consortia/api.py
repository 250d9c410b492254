"""/api/v1/opportunities/: published partnership opportunities, searched with the list page's
FilterSet. Fields are listed one by one: who posted an opportunity is given as the public name
the page shows (an organisation or a commissioning body), never as a person."""

from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError

from directory.opendata.api.public import (
    PublicReadOnlyMixin,
    StrictPageNumberPagination,
    strict_booleans,
)
from directory.opendata.api.serializers import TermSerializer
from directory.opendata.api.views import filter_parameters

from . import selectors
from .filters import OpportunityFilterSet
from .models import Opportunity
from .views import OPPORTUNITIES_PER_PAGE

MAX_PAGE_SIZE = 100


class PosterSerializer(serializers.Serializer):
    name = serializers.CharField(read_only=True)
    organisation_slug = serializers.SlugField(read_only=True, allow_null=True)
    profile_url = serializers.URLField(read_only=True, allow_null=True)


class OpportunitySerializer(serializers.ModelSerializer):
    api_url = serializers.HyperlinkedIdentityField(
        view_name="api_v1:opportunity-detail", lookup_field="uuid"
    )
    page_url = serializers.SerializerMethodField()
    posted_by = serializers.SerializerMethodField()
    regions = TermSerializer(many=True, read_only=True)
    pathways = TermSerializer(many=True, read_only=True)
    client_groups = TermSerializer(many=True, read_only=True)
    roles_sought = TermSerializer(many=True, read_only=True)
    value_band_label = serializers.CharField(source="get_value_band_display", read_only=True)

    class Meta:
        model = Opportunity
        fields = [
            "uuid",
            "title",
            "api_url",
            "page_url",
            "posted_by",
            "description",
            "regions",
            "pathways",
            "client_groups",
            "roles_sought",
            "value_band",
            "value_band_label",
            "is_subcontract",
            "expected_start",
            "closes_on",
            "is_open_for_responses",
            "created_at",
        ]
        read_only_fields = fields

    def _absolute(self, path: str) -> str:
        return self.context["request"].build_absolute_uri(path)

    def get_page_url(self, opportunity) -> str:
        return self._absolute(opportunity.get_absolute_url())

    @extend_schema_field(PosterSerializer)
    def get_posted_by(self, opportunity) -> dict:
        organisation = opportunity.organisation
        profile = getattr(opportunity.posted_by, "commissioner_profile", None)
        if organisation is not None:
            name = organisation.name
        else:
            name = profile.body_name if profile else None
        return PosterSerializer(
            {
                "name": name,
                "organisation_slug": organisation.slug if organisation else None,
                "profile_url": (
                    self._absolute(organisation.get_absolute_url()) if organisation else None
                ),
            }
        ).data


class OpportunityPagination(StrictPageNumberPagination):
    page_size = OPPORTUNITIES_PER_PAGE
    max_page_size = MAX_PAGE_SIZE


@extend_schema_view(
    list=extend_schema(
        summary="Search open partnership opportunities",
        description="The same filters as the opportunities page: open ones only unless "
        "include_closed is true.",
        parameters=filter_parameters(OpportunityFilterSet),
    ),
    retrieve=extend_schema(summary="A published opportunity"),
)
class OpportunityViewSet(PublicReadOnlyMixin, viewsets.ReadOnlyModelViewSet):
    """Published opportunities only; throttled per IP address (REST_FRAMEWORK settings)."""

    lookup_field = "uuid"
    lookup_value_regex = "[0-9a-f-]{36}"
    pagination_class = OpportunityPagination
    serializer_class = OpportunitySerializer

    def get_queryset(self):
        return selectors.opportunity_search_queryset().prefetch_related("client_groups")

    def get_object(self):
        opportunity = super().get_object()
        self.last_modified = opportunity.updated_at
        return opportunity

    def list(self, request, *args, **kwargs):
        strict_booleans(request.query_params, OpportunityFilterSet)
        filterset = OpportunityFilterSet(request.query_params, queryset=self.get_queryset())
        if not filterset.is_valid():
            raise ValidationError(filterset.form.errors)
        page = self.paginate_queryset(filterset.qs)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
