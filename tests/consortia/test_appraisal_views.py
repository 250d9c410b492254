import csv
import io
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from consortia.models import OfferAppraisal
from tests.factories import (
    OFFER_APPRAISAL_INPUTS,
    EvidenceItemFactory,
    JusticeDataLabEvidenceFactory,
    MembershipFactory,
    OfferAppraisalFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TOOL_URL = "/tools/offer-appraisal/"


def inputs(**overrides) -> dict[str, str]:
    return {**OFFER_APPRAISAL_INPUTS, **overrides}


@pytest.fixture
def member(client):
    user = MembershipFactory().user
    client.force_login(user)
    return user


def test_the_tool_url():
    assert reverse("consortia:offer_appraisal") == TOOL_URL


def test_empty_tool_shows_the_form_without_errors_or_results(client):
    response = client.get(TOOL_URL)
    assert response.status_code == 200
    assert response.context["result"] is None
    assert not response.context["form"].errors
    content = response.content.decode()
    assert "Appraise a sub-contract offer" in content
    assert 'class="govuk-input__prefix" aria-hidden="true">£' in content
    assert "style=" not in content


def test_get_computes_results_without_an_account(client):
    response = client.get(TOOL_URL, inputs())
    assert response.status_code == 200
    result = response.context["result"]
    assert result is not None
    assert [s.key for s in result.scenarios] == ["low", "expected", "high"]
    content = response.content.decode()
    assert '<h2 class="govuk-heading-l">Results</h2>' in content
    assert 'role="img"' in content
    assert "Cumulative cash by month" in content
    assert "Your expected outcome rate (35%) is higher than your best evidence shows (30%)." in (
        content
    )
    # Anonymous people can use the tool but are told who can save.
    assert "Save appraisal" not in content
    assert "Members of an organisation in the directory can save" in content
    assert OfferAppraisal.objects.count() == 0
    assert "style=" not in content
    assert "<script>" not in content


def test_no_duplicate_ids_on_the_results_page(client, member):
    content = client.get(TOOL_URL, inputs()).content.decode()
    ids = re.findall(r'\sid="([^"]+)"', content)
    assert len(ids) == len(set(ids))


def test_total_value_instead_of_price(client):
    response = client.get(TOOL_URL, inputs(price_per_person="", total_value="£120,000"))
    assert response.context["result"].unit_price == 2000  # 120,000 / (12 x 5)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"contract_months": "0"},
            "contract_months",
            "Enter a contract length between 1 and 120 months",
        ),
        (
            {"contract_months": "121"},
            "contract_months",
            "Enter a contract length between 1 and 120 months",
        ),
        (
            {"contract_months": "twelve"},
            "contract_months",
            "Enter a contract length as a whole number, like 12",
        ),
        ({"contract_months": ""}, "contract_months", "Enter a contract length"),
        (
            {"referrals_per_month": "1000000"},
            "referrals_per_month",
            "Enter the expected referrals per month between 1 and 5,000",
        ),
        ({"price_per_person": "-5"}, "price_per_person", "The price per person must be £0 or more"),
        (
            {"price_per_person": "", "total_value": ""},
            "price_per_person",
            "Enter a price per person or a total contract value",
        ),
        (
            {"total_value": "100000"},
            "total_value",
            "Enter either a price per person or a total contract value, not both",
        ),
        (
            {"total_value": "", "price_per_person": "99999999999"},
            "price_per_person",
            "The price per person must be £1,000,000 or less",
        ),
        (
            {"fee_for_service_percent": "150"},
            "fee_for_service_percent",
            "Enter the fee for service share between 0% and 100%",
        ),
        (
            {"fee_for_service_percent": "50"},
            "results_percent",
            "The fee for service share and results share must add up to 100%",
        ),
        (
            {"results_delay_months": "-1"},
            "results_delay_months",
            "Enter the delay before results are paid between 0 and 60 months",
        ),
        (
            {"results_paid_after_end": ""},
            "results_paid_after_end",
            "Select yes if results are still paid after the contract ends",
        ),
        (
            {"management_fee_percent": "101"},
            "management_fee_percent",
            "Enter the prime's management fee between 0% and 100%",
        ),
        (
            {"outcome_rate_expected": "-1"},
            "outcome_rate_expected",
            "Enter an expected outcome rate between 0% and 100%",
        ),
        (
            {"outcome_rate_high": "120%"},
            "outcome_rate_high",
            "Enter a high outcome rate between 0% and 100%",
        ),
        (
            {"outcome_rate_low": "40"},
            "outcome_rate_low",
            "The low outcome rate must not be higher than the expected rate",
        ),
        (
            {"outcome_rate_high": "30"},
            "outcome_rate_high",
            "The high outcome rate must not be lower than the expected rate",
        ),
        (
            {"best_evidence_rate": "abc"},
            "best_evidence_rate",
            "The outcome rate your evidence supports must be a number, like 40 or 37.5",
        ),
        ({"setup_costs": "-100"}, "setup_costs", "The set-up costs must be £0 or more"),
        (
            {"monthly_fixed_costs": "1e20"},
            "monthly_fixed_costs",
            "The monthly fixed costs must be £1,000,000,000 or less",
        ),
        (
            {"variable_cost_per_person": "10.555"},
            "variable_cost_per_person",
            "The variable cost per person must be in pounds and pence, like 1500.50",
        ),
        (
            {"working_capital": "NaN"},
            "working_capital",
            "The working capital available must be an amount in pounds, like 1500 or 1500.50",
        ),
        (
            {"borrowing_rate_percent": "200"},
            "borrowing_rate_percent",
            "Enter the cost of borrowing between 0% and 100%",
        ),
    ],
)
def test_bad_input_is_shown_beside_the_field(client, overrides, field, message):
    response = client.get(TOOL_URL, inputs(**overrides))
    assert response.status_code == 200
    assert response.context["result"] is None
    assert response.context["form"].errors[field] == [message]
    content = response.content.decode()
    assert content.count(escape(message)) == 2  # in the error summary and beside the field
    assert f'<p id="id_{field}-error" class="govuk-error-message">' in content
    assert "<title>Error: " in content
    # What was typed is kept.
    for typed in overrides.values():
        assert f'value="{typed}"' in content or typed == ""


def test_error_summary_links_to_the_radio_buttons(client):
    content = client.get(TOOL_URL, inputs(results_paid_after_end="")).content.decode()
    assert 'href="#id_results_paid_after_end_1"' in content
    assert 'id="id_results_paid_after_end_1"' in content


def test_only_members_see_the_save_form(client):
    client.force_login(UserFactory())
    content = client.get(TOOL_URL, inputs()).content.decode()
    assert "Save appraisal" not in content
    assert "Your account is not linked to an organisation yet" in content


def test_member_saves_an_appraisal(client, member):
    organisation = member.memberships.get().organisation
    content = client.get(TOOL_URL, inputs()).content.decode()
    assert "Save appraisal" in content
    response = client.post(
        reverse("consortia:offer_appraisal_save"),
        {**inputs(), "name": "Northbridge CRS", "organisation": organisation.pk},
    )
    appraisal = OfferAppraisal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("consortia:offer_appraisal_detail", args=[appraisal.pk])
    assert appraisal.owner == member
    assert appraisal.organisation == organisation
    assert appraisal.name == "Northbridge CRS"
    assert appraisal.inputs["price_per_person"] == "2000"
    assert appraisal.inputs["results_paid_after_end"] == "yes"
    detail = client.get(response["Location"])
    assert detail.status_code == 200
    assert detail.context["result"].scenario("expected").outcome_rate == 35


def test_save_needs_a_name_and_keeps_the_results(client, member):
    organisation = member.memberships.get().organisation
    response = client.post(
        reverse("consortia:offer_appraisal_save"),
        {**inputs(), "name": "", "organisation": organisation.pk},
    )
    assert response.status_code == 200
    assert response.context["save_form"].errors["name"] == ["Enter a name for the appraisal"]
    assert response.context["result"] is not None
    assert OfferAppraisal.objects.count() == 0


def test_save_refuses_someone_elses_organisation(client, member):
    other = MembershipFactory().organisation
    response = client.post(
        reverse("consortia:offer_appraisal_save"),
        {**inputs(), "name": "Sneaky", "organisation": other.pk},
    )
    assert response.context["save_form"].errors["organisation"] == [
        "Select one of your organisations"
    ]
    assert OfferAppraisal.objects.count() == 0


def test_save_refuses_bad_inputs(client, member):
    organisation = member.memberships.get().organisation
    response = client.post(
        reverse("consortia:offer_appraisal_save"),
        {**inputs(results_percent="10"), "name": "Bad", "organisation": organisation.pk},
    )
    assert response.status_code == 200
    assert "results_percent" in response.context["form"].errors
    assert OfferAppraisal.objects.count() == 0


def test_save_needs_a_membership(client):
    client.force_login(UserFactory())
    response = client.post(reverse("consortia:offer_appraisal_save"), {**inputs(), "name": "x"})
    assert response.status_code == 403
    assert OfferAppraisal.objects.count() == 0


def test_save_needs_sign_in_and_post(client):
    response = client.post(reverse("consortia:offer_appraisal_save"), inputs())
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert client.get(reverse("consortia:offer_appraisal_save")).status_code == 405


def saved_urls(appraisal) -> list[str]:
    return [
        reverse(f"consortia:offer_appraisal_{name}", args=[appraisal.pk])
        for name in ("detail", "rename", "delete", "export")
    ]


def test_other_peoples_appraisals_are_not_found(client, member):
    appraisal = OfferAppraisalFactory()
    for url in saved_urls(appraisal):
        assert client.get(url).status_code == 404
        assert client.post(url, {"name": "Mine now"}).status_code == 404
    appraisal.refresh_from_db()
    assert appraisal.name.startswith("Accommodation subcontract")
    response = client.get(
        reverse("consortia:offer_appraisal_compare"),
        {"appraisals": [appraisal.pk, OfferAppraisalFactory(owner=member).pk]},
    )
    assert response.context["form"].errors["appraisals"]


def test_saved_pages_need_sign_in(client):
    appraisal = OfferAppraisalFactory()
    for url in [reverse("consortia:offer_appraisal_list"), *saved_urls(appraisal)]:
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_saved_list_shows_only_mine_in_a_fixed_number_of_queries(
    client, member, django_assert_max_num_queries
):
    url = reverse("consortia:offer_appraisal_list")
    OfferAppraisalFactory(name="Someone else's")
    counts = []
    for _ in range(2):
        for _ in range(6):
            OfferAppraisalFactory(owner=member)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        counts.append(len(queries))
    assert counts[0] == counts[1]  # 6 or 12 appraisals: the same queries
    with django_assert_max_num_queries(8):
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["page_obj"].object_list) == 12
    assert "Someone else&#x27;s" not in response.content.decode()


def test_rename(client, member):
    appraisal = OfferAppraisalFactory(owner=member)
    url = reverse("consortia:offer_appraisal_rename", args=[appraisal.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"name": ""})
    assert response.context["form"].errors["name"] == ["Enter a name for the appraisal"]
    response = client.post(url, {"name": "Renamed"})
    assert response.status_code == 302
    appraisal.refresh_from_db()
    assert appraisal.name == "Renamed"


def test_delete_only_on_post(client, member):
    appraisal = OfferAppraisalFactory(owner=member)
    url = reverse("consortia:offer_appraisal_delete", args=[appraisal.pk])
    assert client.get(url).status_code == 200
    assert OfferAppraisal.objects.filter(pk=appraisal.pk).exists()
    response = client.post(url)
    assert response.status_code == 302
    assert not OfferAppraisal.objects.filter(pk=appraisal.pk).exists()


def test_compare_two_to_four(client, member):
    appraisals = [OfferAppraisalFactory(owner=member, name=f"Offer {n}") for n in range(5)]
    url = reverse("consortia:offer_appraisal_compare")
    response = client.get(url, {"appraisals": [a.pk for a in appraisals[:3]]})
    assert response.status_code == 200
    assert [a.name for a, _ in response.context["compared"]] == ["Offer 2", "Offer 1", "Offer 0"]
    assert [t["label"] for t in response.context["scenario_tables"]] == [
        "Low",
        "Expected",
        "High",
    ]
    for too_few_or_many in ([appraisals[0].pk], [a.pk for a in appraisals]):
        response = client.get(url, {"appraisals": too_few_or_many})
        assert response.context["form"].errors["appraisals"] == [
            "Select between 2 and 4 appraisals to compare"
        ]
        assert "Select between 2 and 4 appraisals to compare" in response.content.decode()


def test_csv_export_of_every_scenario(client, member):
    appraisal = OfferAppraisalFactory(owner=member, name='=HYPERLINK("http://evil")')
    response = client.get(reverse("consortia:offer_appraisal_export", args=[appraisal.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="offer-appraisal-hyperlinkhttpevil.csv"' in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:4] == ["Appraisal", "Scenario", "Outcome rate (%)", "Month"]
    # 12 months + a 6-month results tail, for each of 3 scenarios.
    assert len(rows) == 1 + 3 * 18
    # The name is escaped against formula injection; negative amounts stay numbers.
    assert {row[0] for row in rows[1:]} == {'\'=HYPERLINK("http://evil")'}
    assert rows[1][1:4] == ["Low", "20", "1"]
    assert rows[1][-1].startswith("-")
    assert float(rows[1][-1]) < 0


def test_the_results_start_with_the_verdict_and_show_estimates_in_whole_pounds(client):
    page = client.get(TOOL_URL, inputs()).content.decode()

    verdict = re.search(r'<p class="govuk-body-l">(On these assumptions[^<]+)</p>', page)
    assert verdict and verdict[1].endswith(".")
    assert "working capital" in page[verdict.end() : verdict.end() + 300]
    money_shown = re.findall(r"£[\d,]+(?:\.\d+)?", page[verdict.start() :])
    assert money_shown and not [amount for amount in money_shown if "." in amount]


def test_a_members_best_justice_data_lab_evidence_fills_in_the_evidence_rate(client, member):
    organisation = member.memberships.get().organisation
    JusticeDataLabEvidenceFactory(organisation=organisation, jdl_cohort_rate="40.0", year=2019)
    JusticeDataLabEvidenceFactory(
        organisation=organisation, jdl_cohort_rate="27.4", year=2023, verified_by_moderator=True
    )
    EvidenceItemFactory(organisation=organisation)
    JusticeDataLabEvidenceFactory(jdl_cohort_rate="10.0", verified_by_moderator=True)

    page = client.get(TOOL_URL).content.decode()

    field = re.search(r'<input[^>]*name="best_evidence_rate"[^>]*>', page)[0]
    assert 'value="72.6"' in field
    assert (
        escape(
            f"Filled in from {organisation.name}'s Justice Data Lab report (2023): 72.6% of the "
            "people supported did not reoffend within a year"
        )
        in page
    )


def test_without_evidence_the_evidence_rate_stays_blank_and_a_submitted_one_stands(client, member):
    JusticeDataLabEvidenceFactory(organisation=member.memberships.get().organisation)

    submitted = client.get(TOOL_URL, inputs(best_evidence_rate="")).content.decode()
    anonymous = Client().get(TOOL_URL).content.decode()

    for page in (submitted, anonymous):
        field = re.search(r'<input[^>]*name="best_evidence_rate"[^>]*>', page)[0]
        assert 'value=""' in field
