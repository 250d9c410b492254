"""The sub-contract offer appraisal tool and its saved appraisals.

Anyone can use the tool: it is a GET form whose results are a shareable URL. Members of an
organisation can save, rename, delete, compare and export their own appraisals; everyone
else's answer 404.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from directory.organisations.csv_utils import csv_response

from . import selectors, services
from .appraisal import AppraisalResult, appraise, money
from .charts import cumulative_cash_chart
from .forms import (
    OfferAppraisalCompareForm,
    OfferAppraisalForm,
    OfferAppraisalRenameForm,
    OfferAppraisalSaveForm,
)

TOOL_TEMPLATE = "consortia/appraisal/tool.html"
SCENARIO_LABELS = (("low", "Low"), ("expected", "Expected"), ("high", "High"))
SAVED_PER_PAGE = 25


def _can_save(user) -> bool:
    return user.is_authenticated and user.memberships.exists()


def _tool_page(request, *, form, save_form=None, status=200):
    result = appraise(form.to_inputs()) if form.is_bound and form.is_valid() else None
    can_save = _can_save(request.user)
    if result and can_save and save_form is None:
        save_form = OfferAppraisalSaveForm(user=request.user)
    return render(
        request,
        TOOL_TEMPLATE,
        {
            "form": form,
            "result": result,
            "chart": cumulative_cash_chart(result) if result else None,
            "can_save": can_save,
            "save_form": save_form,
        },
        status=status,
    )


def offer_appraisal(request):
    """The tool: the form, and once submitted, the results on the same page."""
    submitted = "contract_months" in request.GET
    best_evidence = selectors.offer_appraisal_best_evidence(user=request.user)
    form = OfferAppraisalForm(request.GET if submitted else None, best_evidence=best_evidence)
    return _tool_page(request, form=form)


@require_POST
@login_required
def offer_appraisal_save(request):
    """Save the inputs on the results page under a name, for one of the user's organisations."""
    if not _can_save(request.user):
        raise PermissionDenied
    form = OfferAppraisalForm(request.POST)
    save_form = OfferAppraisalSaveForm(request.POST, user=request.user)
    if form.is_valid() and save_form.is_valid():
        try:
            appraisal = services.offer_appraisal_create(
                owner=request.user,
                organisation=save_form.cleaned_data["organisation"],
                name=save_form.cleaned_data["name"],
                inputs=form.to_inputs(),
            )
        except ValidationError as error:
            save_form.add_error(None, error)
        else:
            messages.success(request, f"Appraisal “{appraisal.name}” saved")
            return redirect("consortia:offer_appraisal_detail", pk=appraisal.pk)
    return _tool_page(request, form=form, save_form=save_form)


@login_required
def offer_appraisal_list(request):
    """The user's saved appraisals, with boxes to tick for a comparison."""
    appraisals = selectors.offer_appraisal_list(user=request.user)
    return _list_page(request, appraisals, OfferAppraisalCompareForm(queryset=appraisals))


def _list_page(request, appraisals, compare_form):
    page_obj = Paginator(appraisals, SAVED_PER_PAGE).get_page(request.GET.get("page"))
    compare_form.fields["appraisals"].queryset = appraisals.filter(
        pk__in=[appraisal.pk for appraisal in page_obj.object_list]
    )
    return render(
        request,
        "consortia/appraisal/saved_list.html",
        {
            "page_obj": page_obj,
            "form": compare_form,
            "can_save": _can_save(request.user),
            "query_string_without_page": "",
        },
    )


@login_required
def offer_appraisal_detail(request, pk):
    appraisal = get_object_or_404(selectors.offer_appraisal_list(user=request.user), pk=pk)
    result = selectors.offer_appraisal_result(appraisal)
    return render(
        request,
        "consortia/appraisal/saved_detail.html",
        {
            "appraisal": appraisal,
            "result": result,
            "chart": cumulative_cash_chart(result),
            "share_query": urlencode(appraisal.inputs),
        },
    )


@login_required
def offer_appraisal_rename(request, pk):
    appraisal = get_object_or_404(selectors.offer_appraisal_list(user=request.user), pk=pk)
    form = OfferAppraisalRenameForm(request.POST or None, instance=appraisal)
    if request.method == "POST" and form.is_valid():
        services.offer_appraisal_rename(appraisal=appraisal, name=form.cleaned_data["name"])
        messages.success(request, "Appraisal renamed")
        return redirect("consortia:offer_appraisal_detail", pk=appraisal.pk)
    return render(
        request, "consortia/appraisal/rename.html", {"appraisal": appraisal, "form": form}
    )


@login_required
def offer_appraisal_delete(request, pk):
    """GET asks to confirm; only POST deletes."""
    appraisal = get_object_or_404(selectors.offer_appraisal_list(user=request.user), pk=pk)
    if request.method == "POST":
        services.offer_appraisal_delete(appraisal=appraisal)
        messages.success(request, f"Appraisal “{appraisal.name}” deleted")
        return redirect("consortia:offer_appraisal_list")
    return render(request, "consortia/appraisal/delete.html", {"appraisal": appraisal})


@login_required
def offer_appraisal_compare(request):
    """2 to 4 of the user's appraisals side by side; the list again with an error otherwise."""
    appraisals = selectors.offer_appraisal_list(user=request.user)
    form = OfferAppraisalCompareForm(request.GET, queryset=appraisals)
    if not form.is_valid():
        return _list_page(request, appraisals, form)
    compared = [
        (appraisal, selectors.offer_appraisal_result(appraisal))
        for appraisal in form.cleaned_data["appraisals"]
    ]
    scenario_tables = [
        {
            "label": label,
            "columns": [(appraisal, result.scenario(key)) for appraisal, result in compared],
        }
        for key, label in SCENARIO_LABELS
    ]
    return render(
        request,
        "consortia/appraisal/compare.html",
        {"compared": compared, "scenario_tables": scenario_tables},
    )


CSV_HEADER = [
    "Appraisal",
    "Scenario",
    "Outcome rate (%)",
    "Month",
    "In contract",
    "People starting",
    "Upfront payment (£)",
    "Fee for service (£)",
    "Results payments (£)",
    "Management fee (£)",
    "Set-up costs (£)",
    "Fixed costs (£)",
    "Variable costs (£)",
    "Borrowing cost (£)",
    "Net cash flow (£)",
    "Cumulative cash (£)",
]


def _csv_rows(name: str, result: AppraisalResult):
    for scenario in result.scenarios:
        for row in scenario.rows:
            yield [
                name,
                scenario.label,
                scenario.outcome_rate,
                row.month,
                "yes" if row.in_contract else "no",
                row.people_starting,
                *(
                    money(amount)
                    for amount in (
                        row.upfront_payment,
                        row.fee_for_service,
                        row.results_payments,
                        row.management_fee,
                        row.setup_costs,
                        row.fixed_costs,
                        row.variable_costs,
                        row.borrowing_cost,
                        row.net_cash_flow,
                        row.cumulative_cash,
                    )
                ),
            ]


@login_required
def offer_appraisal_export(request, pk):
    """One appraisal's monthly cash flows for every scenario, as CSV."""
    appraisal = get_object_or_404(selectors.offer_appraisal_list(user=request.user), pk=pk)
    result = selectors.offer_appraisal_result(appraisal)
    filename = f"offer-appraisal-{slugify(appraisal.name)[:60] or appraisal.pk}.csv"
    return csv_response(
        filename=filename, header=CSV_HEADER, rows=_csv_rows(appraisal.name, result)
    )
