"""The JSON API's representations: exactly what a public profile page shows, and nothing more.

Fields are listed one by one (never `__all__`), so that a field added to a model stays private
until someone decides to publish it here.
"""

from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from directory.organisations.models import (
    CONTACT_FIELDS,
    REGISTRATION_NUMBER_FIELDS,
    SERVICE_PROFILE_FIELDS,
    DeliveryLocation,
    EvidenceItem,
    Organisation,
    Service,
)


class OptionalURLField(serializers.URLField):
    """A link that may not have been given: null then, never "" (which is no URI)."""

    def to_representation(self, value):
        return value or None


class OptionalEmailField(serializers.EmailField):
    """An address that may not have been given: null then, never "" (which is no address)."""

    def to_representation(self, value):
        return value or None


class PublicModelSerializer(serializers.ModelSerializer):
    """Links and addresses a profile may leave blank are null when blank, and say so."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.URLField: OptionalURLField,
        models.EmailField: OptionalEmailField,
    }

    def build_standard_field(self, field_name, model_field):
        field_class, field_kwargs = super().build_standard_field(field_name, model_field)
        if field_class in (OptionalURLField, OptionalEmailField) and model_field.blank:
            field_kwargs["allow_null"] = True
        return field_class, field_kwargs


class TermSerializer(serializers.Serializer):
    slug = serializers.SlugField(read_only=True)
    name = serializers.CharField(read_only=True)


class RegisterEntrySerializer(serializers.Serializer):
    register = serializers.CharField(read_only=True)
    number = serializers.CharField(read_only=True)
    url = serializers.URLField(read_only=True)


class DeliveryLocationSerializer(PublicModelSerializer):
    """A confidential place is named only by its town and postcode district, and is placed at
    the district's centre."""

    name = serializers.SerializerMethodField()

    class Meta:
        model = DeliveryLocation
        fields = ["uuid", "name", "address", "postcode", "confidential", "latitude", "longitude"]
        read_only_fields = fields

    def get_name(self, location: DeliveryLocation) -> str:
        return location.public_place if location.confidential else location.name


class ServiceSerializer(PublicModelSerializer):
    pathways = TermSerializer(many=True, read_only=True)
    client_groups = TermSerializer(many=True, read_only=True)
    settings = TermSerializer(many=True, read_only=True)
    regions = TermSerializer(many=True, read_only=True)
    locations = DeliveryLocationSerializer(many=True, read_only=True)

    class Meta:
        model = Service
        fields = [
            "uuid",
            *SERVICE_PROFILE_FIELDS,
            "locations",
        ]
        read_only_fields = fields


class EvidenceItemSerializer(PublicModelSerializer):
    service = serializers.SlugRelatedField(slug_field="name", read_only=True, allow_null=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = EvidenceItem
        fields = [
            "uuid",
            "kind",
            "kind_label",
            "title",
            "year",
            "service",
            "summary",
            "outcomes_measured",
            "nesta_level",
            "url",
            "jdl_cohort_size",
            "jdl_cohort_rate",
            "jdl_comparison_rate",
            "jdl_significant",
            "verified_by_moderator",
        ]
        read_only_fields = fields


class PublicOrganisationSerializer(PublicModelSerializer):
    """An organisation, with the address of its public profile page."""

    profile_url = serializers.SerializerMethodField()

    def get_profile_url(self, organisation) -> str:
        return self.context["request"].build_absolute_uri(organisation.get_absolute_url())


class OrganisationSummarySerializer(PublicOrganisationSerializer):
    """A search result: the organisation and what its services add up to."""

    api_url = serializers.HyperlinkedIdentityField(
        view_name="api_v1:organisation-detail", lookup_field="slug"
    )
    legal_form = serializers.SlugRelatedField(slug_field="name", read_only=True, allow_null=True)
    income_band = serializers.SlugRelatedField(slug_field="name", read_only=True, allow_null=True)
    services = serializers.SerializerMethodField()
    accepting_referrals = serializers.SerializerMethodField()
    pathways = serializers.SerializerMethodField()
    client_groups = serializers.SerializerMethodField()
    settings = serializers.SerializerMethodField()
    regions = serializers.SerializerMethodField()
    distance_miles = serializers.SerializerMethodField()

    class Meta:
        model = Organisation
        fields = [
            "uuid",
            "slug",
            "name",
            "api_url",
            "profile_url",
            "summary",
            "legal_form",
            "income_band",
            "charity_number_ew",
            "company_number",
            "society_number",
            "town",
            "postcode",
            "website",
            "email",
            "phone",
            "services",
            "accepting_referrals",
            "pathways",
            "client_groups",
            "settings",
            "regions",
            "lived_experience_led",
            "open_to_partnership",
            "is_unclaimed",
            "last_verified_at",
            "distance_miles",
        ]
        read_only_fields = fields

    def _summary(self, organisation):
        # Attached by the view for a whole page at once (selectors.service_summaries).
        return organisation.summary_of_services

    def get_services(self, organisation) -> list[str]:
        return self._summary(organisation).services

    def get_accepting_referrals(self, organisation) -> bool:
        return self._summary(organisation).accepting_referrals

    def get_pathways(self, organisation) -> list[str]:
        return self._summary(organisation).terms["pathway"]

    def get_client_groups(self, organisation) -> list[str]:
        return self._summary(organisation).terms["client_group"]

    def get_settings(self, organisation) -> list[str]:
        return self._summary(organisation).terms["setting"]

    def get_regions(self, organisation) -> list[str]:
        return self._summary(organisation).terms["region"]

    def get_distance_miles(self, organisation) -> float | None:
        miles = getattr(organisation, "miles", None)
        return round(miles, 1) if miles is not None else None


class OrganisationSerializer(PublicOrganisationSerializer):
    """A whole public profile."""

    legal_form = TermSerializer(read_only=True, allow_null=True)
    income_band = TermSerializer(read_only=True, allow_null=True)
    registers = serializers.SerializerMethodField()
    partnership_roles = TermSerializer(many=True, read_only=True)
    quality_marks = TermSerializer(many=True, read_only=True)
    services = ServiceSerializer(many=True, read_only=True)
    evidence = EvidenceItemSerializer(source="evidence_items", many=True, read_only=True)

    class Meta:
        model = Organisation
        fields = [
            "uuid",
            "slug",
            "name",
            "profile_url",
            "summary",
            "description",
            "legal_form",
            "registers",
            *REGISTRATION_NUMBER_FIELDS,
            "year_founded",
            "income_band",
            "staff_count",
            "volunteer_count",
            "people_supported_per_year",
            *CONTACT_FIELDS,
            "lived_experience_led",
            "open_to_partnership",
            "partnership_roles",
            "partnership_notes",
            "quality_marks",
            "services",
            "evidence",
            "is_unclaimed",
            "last_verified_at",
            "published_at",
        ]
        read_only_fields = fields

    @extend_schema_field(RegisterEntrySerializer(many=True))
    def get_registers(self, organisation) -> list[dict]:
        return RegisterEntrySerializer(
            [
                {"register": register, "number": number, "url": url}
                for register, number, url in organisation.register_links
            ],
            many=True,
        ).data
