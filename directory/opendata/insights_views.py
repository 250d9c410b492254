from django.shortcuts import render

from directory.opendata import charts, insights
from directory.organisations.models import ClientGroup, DeliverySetting


def _chosen(model, slugs: list[str]) -> list[insights.Term]:
    """The known terms among the given slugs (unknown ones are ignored, as in the search)."""
    return [
        insights.Term(*row)
        for row in model.objects.filter(slug__in=slugs).values_list("id", "slug", "name")
    ]


def market_coverage(request):
    """Regions x pathways coverage, with charts, for commissioners looking for gaps."""
    client_groups = _chosen(ClientGroup, request.GET.getlist("client_group"))
    settings = _chosen(DeliverySetting, request.GET.getlist("setting"))
    coverage = insights.market_coverage(client_groups=client_groups, settings=settings)
    evidence_rows = [(row.pathway.name, row.level_three_or_higher) for row in coverage.evidence]
    context = {
        "coverage": coverage,
        "thin_threshold": insights.THIN_THRESHOLD,
        "nesta_levels": insights.NESTA_LEVELS,
        "client_group_options": ClientGroup.objects.all(),
        "setting_options": DeliverySetting.objects.all(),
        "chosen_client_groups": {t.slug for t in client_groups},
        "chosen_settings": {t.slug for t in settings},
        "income_chart": charts.bar_chart(
            title="Organisations by annual income",
            rows=coverage.by_income_band,
            id_prefix="income-chart",
        ),
        "legal_form_chart": charts.bar_chart(
            title="Organisations by legal form",
            rows=coverage.by_legal_form,
            id_prefix="legal-form-chart",
        ),
        "evidence_chart": charts.bar_chart(
            title="Organisations with evidence at Nesta level 3 or higher, by pathway",
            rows=evidence_rows,
            id_prefix="evidence-chart",
        ),
    }
    return render(request, "directory/insights.html", context)
