"""Search parameters of the opportunity and consortium lists: the one definition of each,
shared by page, links, saved searches and the API."""

import django_filters
from django import forms
from django.db.models import Q

from directory.organisations.models import ClientGroup, PartnershipRole, Pathway, Region

from .forms import CrispyFormMixin
from .models import Consortium, Opportunity

SEARCH_MAX_LENGTH = 200


class OpportunitySearchForm(CrispyFormMixin, forms.Form):
    pass


class ConsortiumSearchForm(CrispyFormMixin, forms.Form):
    pass


def _taxonomy_filter(model, label: str, field_name: str):
    return django_filters.ModelMultipleChoiceFilter(
        label=label,
        field_name=f"{field_name}__slug",
        queryset=model.objects.all(),
        to_field_name="slug",
        widget=forms.CheckboxSelectMultiple,
        distinct=True,
    )


class OpportunityFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search", method="filter_text", max_length=SEARCH_MAX_LENGTH
    )
    region = _taxonomy_filter(Region, "Region", "regions")
    pathway = _taxonomy_filter(Pathway, "Pathway", "pathways")
    client_group = _taxonomy_filter(ClientGroup, "People supported", "client_groups")
    role = _taxonomy_filter(PartnershipRole, "Role sought", "roles_sought")
    value_band = django_filters.MultipleChoiceFilter(
        label="Contract value",
        choices=Opportunity.ValueBand.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    is_subcontract = django_filters.BooleanFilter(
        label="Subcontracts under a prime contract only",
        widget=forms.CheckboxInput,
        method="filter_subcontract",
    )
    include_closed = django_filters.BooleanFilter(
        label="Include opportunities past their closing date",
        widget=forms.CheckboxInput,
        method="filter_include_closed",
    )

    class Meta:
        model = Opportunity
        fields: list[str] = []
        form = OpportunitySearchForm

    @property
    def qs(self):
        """Open opportunities only, unless asked for closed ones too."""
        queryset = super().qs
        if not self.form.cleaned_data.get("include_closed"):
            open_ones = Opportunity.objects.open_for_responses().values("pk")
            queryset = queryset.filter(pk__in=open_ones)
        return queryset

    def is_filtered(self) -> bool:
        """Whether any filter narrows the list (an empty search box does not)."""
        return self.form.is_valid() and any(self.form.cleaned_data.values())

    def filter_text(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(Q(title__icontains=word) | Q(description__icontains=word))
        return queryset

    def show_counts(self, counts: dict[str, dict[str, int]]) -> None:
        """Put each option's count (from `opportunity_facet_counts`) in its label. Options
        with none stay: a saved search may want them for alerts."""
        for group, group_counts in counts.items():
            field = self.form.fields[group]
            if isinstance(field, forms.ModelMultipleChoiceField):
                field.label_from_instance = lambda term, found=group_counts: (
                    f"{term.name} ({found.get(term.slug, 0)})"
                )
            else:
                field.choices = [
                    (value, f"{label} ({group_counts.get(value, 0)})")
                    for value, label in field.choices
                ]

    def filter_subcontract(self, queryset, name, value):
        return queryset.filter(is_subcontract=True) if value else queryset

    def filter_include_closed(self, queryset, name, value):
        # Applied in `qs`: leaving it out must narrow the list, which a filter method cannot.
        return queryset


class ConsortiumFilterSet(django_filters.FilterSet):
    """Consortia by words in their name or purpose, regions, pathways and status. The
    organisation search links here with its own parameters: the shared ones (q, region,
    pathway) carry over and the rest are ignored."""

    q = django_filters.CharFilter(
        label="Name or purpose", method="filter_text", max_length=SEARCH_MAX_LENGTH
    )
    region = _taxonomy_filter(Region, "Region", "regions")
    pathway = _taxonomy_filter(Pathway, "Pathway", "pathways")
    status = django_filters.MultipleChoiceFilter(
        label="Status", choices=Consortium.Status.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Consortium
        fields: list[str] = []
        form = ConsortiumSearchForm

    def filter_text(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(Q(name__icontains=word) | Q(purpose__icontains=word))
        return queryset
