"""Reads of the public directory."""

from django.db.models import Count, Prefetch, Q, QuerySet

from .models import DeliveryLocation, EvidenceItem, Organisation, Region, Service


def organisation_list(*, query: str = "") -> QuerySet[Organisation]:
    """Published organisations for the public list, optionally matching a name or keyword."""
    organisations = Organisation.objects.published().select_related("legal_form", "income_band")
    if query:
        organisations = organisations.filter(
            Q(name__icontains=query) | Q(summary__icontains=query) | Q(town__icontains=query)
        )
    return organisations.order_by("name", "id")


def organisation_profile_queryset() -> QuerySet[Organisation]:
    """Everything a profile page shows, in a fixed number of queries."""
    services = Service.objects.prefetch_related(
        "pathways",
        "client_groups",
        "settings",
        "regions",
        Prefetch("locations", queryset=DeliveryLocation.objects.order_by("id")),
    ).order_by("position", "id")
    evidence = EvidenceItem.objects.select_related("service").order_by("-year", "id")
    return Organisation.objects.select_related("legal_form", "income_band").prefetch_related(
        Prefetch("services", queryset=services),
        Prefetch("evidence_items", queryset=evidence),
        "quality_marks",
        "partnership_roles",
    )


def directory_headline_figures() -> dict[str, int]:
    """Counts shown on the home page."""
    published = Organisation.objects.published()
    services = Service.objects.filter(organisation__in=published)
    regions_covered = (
        Region.objects.filter(services__in=services).aggregate(n=Count("id", distinct=True))["n"]
    )
    return {
        "organisations": published.count(),
        "services": services.count(),
        "regions": regions_covered,
    }
