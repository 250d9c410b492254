"""The offer appraisal model against cases worked by hand.

Conventions of the model (see consortia/appraisal.py): fee for service for month m's starters
is paid in m + 1; results for month m's starters in m + delay; fixed costs in contract months;
variable costs when a person starts; set-up costs and the upfront payment in month 1.
"""

from dataclasses import replace
from decimal import Decimal

import pytest

from consortia.appraisal import (
    AppraisalInputs,
    appraise,
    format_money,
    format_percent,
    format_price,
    money,
    verdict,
    working_capital_verdict,
)
from consortia.charts import cumulative_cash_chart

D = Decimal


def make_inputs(**overrides) -> AppraisalInputs:
    values = {
        "contract_months": 3,
        "referrals_per_month": 2,
        "price_per_person": D(500),
        "total_value": None,
        "fee_for_service_percent": D(100),
        "results_percent": D(0),
        "results_delay_months": 1,
        "results_paid_after_end": True,
        "upfront_payment": D(0),
        "management_fee_percent": D(0),
        "outcome_rate_low": D(0),
        "outcome_rate_expected": D(30),
        "outcome_rate_high": D(50),
        "best_evidence_rate": None,
        "setup_costs": D(0),
        "monthly_fixed_costs": D(0),
        "variable_cost_per_person": D(0),
        "working_capital": D(0),
        "borrowing_rate_percent": D(0),
    }
    values.update(overrides)
    return AppraisalInputs(**values)


def cumulative(scenario) -> list[Decimal]:
    return [money(row.cumulative_cash) for row in scenario.rows]


def flag_keys(flags) -> set[str]:
    return {flag.key for flag in flags}


def test_all_fee_for_service():
    # 3 months, 2 people a month at £500, all fee for service, paid the month after.
    # Costs: fixed £600 a month + £100 a person = £800 in each contract month.
    # m1: no fee yet, -800 -> -800; m2: +1,000 - 800 -> -600; m3: -> -400;
    # m4 (tail): month 3's fee +1,000, no costs -> +600.
    # Income 3 x 1,000 = 3,000; costs 3 x 800 = 2,400; surplus 600.
    result = appraise(
        make_inputs(
            monthly_fixed_costs=D(600), variable_cost_per_person=D(100), working_capital=D(800)
        )
    )
    expected = result.scenario("expected")
    assert result.months == 4
    assert cumulative(expected) == [D(-800), D(-600), D(-400), D(600)]
    assert expected.income_fee_for_service == D(3000)
    assert expected.income_results == 0
    assert expected.total_cost == D(2400)
    assert expected.surplus == D(600)
    assert (expected.peak_funding_need, expected.peak_funding_month) == (D(800), 1)
    assert expected.cash_positive_month == 4
    # With no results share, the outcome rate changes nothing and break-even needs no results.
    assert result.break_even_rate == 0
    assert result.fee_for_service_covers_fixed_costs  # 1,000 a month >= 600
    assert [s.surplus for s in result.scenarios] == [D(600)] * 3
    assert expected.results_share_of_income == 0
    assert expected.working_capital_shortfall == 0  # needs 800, has 800
    assert expected.flags == ()
    assert result.flags == ()


def zero_rate_inputs(**overrides):
    # 4 months, 10 a month at £1,000: 40% fee for service (£4,000 a month, paid months 2-5),
    # 60% on results (£600 a success) 2 months after the start; fixed costs £5,000 a month.
    return make_inputs(
        contract_months=4,
        referrals_per_month=10,
        price_per_person=D(1000),
        fee_for_service_percent=D(40),
        results_percent=D(60),
        results_delay_months=2,
        monthly_fixed_costs=D(5000),
        **overrides,
    )


def test_zero_outcome_rate():
    # Low scenario, 0% outcomes: only fee for service comes in.
    # m1 -5,000 -> -5,000; m2 +4,000-5,000 -> -6,000; m3 -> -7,000; m4 -> -8,000;
    # m5 (tail) +4,000 -> -4,000; m6 (tail, results month for month 4's starters) 0 -> -4,000.
    # Income 16,000, costs 20,000: a loss of 4,000 that never recovers.
    result = appraise(zero_rate_inputs())
    low = result.scenario("low")
    assert result.months == 6
    assert cumulative(low) == [D(-5000), D(-6000), D(-7000), D(-8000), D(-4000), D(-4000)]
    assert low.income_results == 0
    assert low.surplus == D(-4000)
    assert (low.peak_funding_need, low.peak_funding_month) == (D(8000), 4)
    assert low.cash_positive_month is None
    assert flag_keys(low.flags) == {
        "deficit",
        "never_cash_positive",
        "working_capital_shortfall",
    }
    assert "This scenario makes a loss of £4,000." in [f.message for f in low.flags]
    assert "You would need £8,000 more working capital than you have" in " ".join(
        f.message for f in low.flags
    )


def test_expected_scenario_and_break_even_rate():
    # Expected, 30%: results of 10 x 30% x £600 = £1,800 in months 3-6.
    # m1 -5,000; m2 -6,000; m3 +4,000+1,800-5,000 -> -5,200; m4 -> -4,400;
    # m5 +4,000+1,800 -> 1,400; m6 +1,800 -> 3,200.
    # Break-even: without results the offer loses 4,000 (A = -4,000); every success in all
    # 4 intakes would bring B = 4 x 10 x £600 = 24,000; rate = 4,000 / 24,000 = 16.67%.
    result = appraise(zero_rate_inputs())
    expected = result.scenario("expected")
    assert cumulative(expected) == [
        D(-5000),
        D(-6000),
        D(-5200),
        D(-4400),
        D(1400),
        D(3200),
    ]
    assert expected.surplus == D(3200)
    assert (expected.peak_funding_need, expected.peak_funding_month) == (D(6000), 2)
    assert expected.cash_positive_month == 5
    assert format_percent(result.break_even_rate) == "16.7%"
    assert not result.fee_for_service_covers_fixed_costs  # 4,000 < 5,000
    assert "fee_for_service_short" in flag_keys(result.flags)
    # At exactly the break-even rate the surplus before borrowing costs is zero.
    at_break_even = appraise(replace(zero_rate_inputs(), outcome_rate_expected=D(100) / 6))
    assert money(at_break_even.scenario("expected").surplus) == 0


def results_only_inputs(**overrides):
    # 12 months, 5 a month at £2,000, all on results, paid 6 months after the start;
    # fixed costs £4,000 a month; £20,000 of working capital.
    values = {
        "contract_months": 12,
        "referrals_per_month": 5,
        "price_per_person": D(2000),
        "fee_for_service_percent": D(0),
        "results_percent": D(100),
        "results_delay_months": 6,
        "monthly_fixed_costs": D(4000),
        "working_capital": D(20000),
        "outcome_rate_expected": D(50),
        "outcome_rate_high": D(60),
    }
    values.update(overrides)
    return make_inputs(**values)


def test_fully_results_based_with_six_month_delay():
    # Expected 50%: 5 x 50% x £2,000 = £5,000 a month in months 7-18.
    # m1-6: -4,000 each -> -24,000 (the peak need, month 6);
    # m7-12: +5,000-4,000 -> -18,000 at m12; m13-18: +5,000 each -> -13,000, -8,000, -3,000,
    # 2,000 (m16), 7,000, 12,000. Income 60,000, costs 48,000, surplus 12,000.
    # Break-even: A = -48,000, B = 12 x 5 x £2,000 = 120,000: 40%.
    result = appraise(results_only_inputs())
    expected = result.scenario("expected")
    assert result.months == 18
    rows = cumulative(expected)
    assert rows[5] == D(-24000)
    assert rows[11] == D(-18000)
    assert rows[12:] == [D(-13000), D(-8000), D(-3000), D(2000), D(7000), D(12000)]
    assert expected.income_results == D(60000)
    assert expected.surplus == D(12000)
    assert (expected.peak_funding_need, expected.peak_funding_month) == (D(24000), 6)
    assert expected.cash_positive_month == 16
    assert expected.working_capital_shortfall == D(4000)
    assert expected.results_share_of_income == 1
    assert result.break_even_rate == D(40)
    assert flag_keys(expected.flags) == {"results_majority", "working_capital_shortfall"}
    assert (
        "You would need £4,000 more working capital than you have (the most cash you would "
        "have tied up is £24,000, in month 6)." in [f.message for f in expected.flags]
    )


def test_break_even_above_best_evidence_is_flagged():
    result = appraise(results_only_inputs(best_evidence_rate=D(35)))
    messages = [flag.message for flag in result.flags]
    assert (
        "Break-even needs an outcome rate of 40%, higher than your best evidence shows (35%)."
        in messages
    )
    # The expected 50% is also above the evidence.
    assert "expected_above_evidence" in flag_keys(result.flags)
    assert "break_even_above_evidence" not in flag_keys(
        appraise(results_only_inputs(best_evidence_rate=D(45))).flags
    )


def test_management_fee_raises_break_even_and_can_make_it_unreachable():
    # The prime keeps 20%: B = 120,000 x 0.8 = 96,000; 48,000 / 96,000 = 50%.
    assert appraise(results_only_inputs(management_fee_percent=D(20))).break_even_rate == D(50)
    # At £500 a person, B = 12 x 5 x 500 = 30,000 < 48,000: not reachable even at 100%.
    unreachable = appraise(results_only_inputs(price_per_person=D(500)))
    assert unreachable.break_even_rate is None
    assert "break_even_unreachable" in flag_keys(unreachable.flags)


def test_management_fee_is_deducted_from_every_payment():
    # 2 months, 1 person a month at £1,000, all fee for service; upfront £500; set-up £300;
    # the prime keeps 10%.
    # m1: upfront 500 - fee 50 - set-up 300 -> 150; m2: 1,000 - 100 -> 1,050;
    # m3 (tail): 1,000 - 100 -> 1,950.
    result = appraise(
        make_inputs(
            contract_months=2,
            referrals_per_month=1,
            price_per_person=D(1000),
            upfront_payment=D(500),
            setup_costs=D(300),
            management_fee_percent=D(10),
        )
    )
    expected = result.scenario("expected")
    assert cumulative(expected) == [D(150), D(1050), D(1950)]
    assert expected.gross_income == D(2500)
    assert expected.management_fee == D(250)
    assert expected.net_income == D(2250)
    assert expected.surplus == D(1950)
    assert (expected.peak_funding_need, expected.peak_funding_month) == (0, None)
    assert expected.cash_positive_month == 1


def short_contract_inputs(**overrides):
    # 3 months, 4 a month at £1,000, half fee for service (£2,000 a month, months 2-4),
    # half on results paid 6 months after the start: longer than the contract.
    # Fixed costs £2,500 a month: 7,500 in all; fee for service 6,000.
    return make_inputs(
        contract_months=3,
        referrals_per_month=4,
        price_per_person=D(1000),
        fee_for_service_percent=D(50),
        results_percent=D(50),
        results_delay_months=6,
        monthly_fixed_costs=D(2500),
        outcome_rate_expected=D(50),
        **overrides,
    )


def test_contract_shorter_than_delay_with_results_paid_after_the_end():
    # Results (4 x 50% x £500 = £1,000) arrive in months 7, 8 and 9.
    # m1 -2,500; m2 +2,000-2,500 -> -3,000; m3 -> -3,500; m4 +2,000 -> -1,500;
    # m5, m6 -1,500; m7 -500; m8 500; m9 1,500. Surplus 6,000 + 3,000 - 7,500 = 1,500.
    # Break-even: A = -1,500, B = 3 x 4 x £500 = 6,000: 25%.
    result = appraise(short_contract_inputs())
    expected = result.scenario("expected")
    assert result.months == 9
    assert cumulative(expected) == [
        D(-2500),
        D(-3000),
        D(-3500),
        D(-1500),
        D(-1500),
        D(-1500),
        D(-500),
        D(500),
        D(1500),
    ]
    assert [row.in_contract for row in expected.rows] == [True] * 3 + [False] * 6
    assert expected.surplus == D(1500)
    assert (expected.peak_funding_need, expected.peak_funding_month) == (D(3500), 3)
    assert expected.cash_positive_month == 8
    assert result.break_even_rate == D(25)


def test_contract_shorter_than_delay_with_nothing_paid_after_the_end():
    # Only months 1-3 count for results, and the first results would come in month 7: none.
    # The model still runs to month 4 for the last fee for service.
    # Surplus 6,000 - 7,500 = -1,500 whatever the outcome rate; break-even unreachable.
    result = appraise(short_contract_inputs(results_paid_after_end=False))
    assert result.months == 4
    assert [s.income_results for s in result.scenarios] == [0, 0, 0]
    assert [s.surplus for s in result.scenarios] == [D(-1500)] * 3
    assert result.break_even_rate is None
    assert {"break_even_unreachable", "results_lost_after_end"} <= flag_keys(result.flags)
    assert "there is no results income at all" in " ".join(f.message for f in result.flags)


def test_results_after_the_end_lost_for_the_last_intakes_only():
    # 12 months, delay 6, nothing paid after the end: only intakes 1-6 are paid (months 7-12).
    result = appraise(results_only_inputs(results_paid_after_end=False))
    expected = result.scenario("expected")
    assert expected.income_results == D(30000)  # 6 x £5,000
    # A = -48,000, B = 6 x 5 x £2,000 = 60,000: 80%.
    assert result.break_even_rate == D(80)
    assert (
        "Results for people who start in the last 6 months of the contract would be paid "
        "after it ends and are not counted." in [f.message for f in result.flags]
    )


def test_borrowing_cost_is_charged_on_negative_cumulative_cash():
    # 1 month, 1 person at £1,200 paid next month; fixed £1,200; 12% a year = 1% a month.
    # m1: -1,200, interest 12 -> -1,212; m2: +1,200 -> -12, interest 0.12 -> -12.12.
    result = appraise(
        make_inputs(
            contract_months=1,
            referrals_per_month=1,
            price_per_person=D(1200),
            monthly_fixed_costs=D(1200),
            borrowing_rate_percent=D(12),
        )
    )
    expected = result.scenario("expected")
    assert cumulative(expected) == [D(-1212), D("-12.12")]
    assert money(expected.borrowing_cost) == D("12.12")
    assert money(expected.surplus) == D("-12.12")
    # Break-even leaves borrowing out: before it, the offer exactly breaks even.
    assert result.break_even_rate == 0


def test_price_is_derived_from_total_value():
    # £120,000 over 12 months x 10 people = £1,000 a person.
    inputs = make_inputs(
        contract_months=12, referrals_per_month=10, price_per_person=None, total_value=D(120000)
    )
    result = appraise(inputs)
    assert result.unit_price == D(1000)
    assert result.scenario("expected").income_fee_for_service == D(120000)


def test_results_delay_of_zero_pays_in_the_same_month():
    result = appraise(
        results_only_inputs(contract_months=2, results_delay_months=0, monthly_fixed_costs=D(0))
    )
    expected = result.scenario("expected")
    assert result.months == 3
    assert [row.results_payments for row in expected.rows] == [D(5000), D(5000), 0]


@pytest.mark.parametrize(
    "overrides",
    [
        {"contract_months": 0},
        {"referrals_per_month": 0},
        {"price_per_person": None, "total_value": None},
        {"fee_for_service_percent": D(60), "results_percent": D(60)},
        {"results_delay_months": -1},
    ],
)
def test_inputs_reject_impossible_values(overrides):
    with pytest.raises(ValueError):
        make_inputs(**overrides)


def test_inputs_round_trip_through_text():
    inputs = results_only_inputs(best_evidence_rate=D("37.5"), results_paid_after_end=False)
    text = inputs.to_dict()
    assert text["best_evidence_rate"] == "37.5"
    assert text["total_value"] == ""
    assert text["results_paid_after_end"] == "no"
    assert AppraisalInputs.from_dict(text) == inputs


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (D("12400.49"), "£12,400"),
        (D("2.5"), "£3"),
        (D("-1234.565"), "-£1,235"),
        (D("1000000"), "£1,000,000"),
        (D("-0.4"), "£0"),
    ],
)
def test_estimates_are_whole_pounds_rounded_half_up(amount, shown):
    assert format_money(amount) == shown


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (D("250"), "£250"),
        (D("1500.5"), "£1,500.50"),
        (D("2.675"), "£2.68"),
        (D("2.665"), "£2.67"),
        (D("83.333333"), "£83.33"),
    ],
)
def test_prices_show_pence_only_when_there_are_some(amount, shown):
    assert format_price(amount) == shown


def test_chart_is_accessible_svg_without_inline_styles():
    result = appraise(zero_rate_inputs())
    svg = cumulative_cash_chart(result, id_prefix="test-chart")
    assert svg.startswith("<svg")
    assert 'role="img"' in svg
    assert 'aria-labelledby="test-chart-title test-chart-desc"' in svg
    assert '<title id="test-chart-title">' in svg
    assert "Low scenario (dotted line): cumulative cash is lowest at -£8,000 in month 4" in svg
    assert svg.count("<polyline") == 3
    assert 'stroke-dasharray="3 5"' in svg and 'stroke-dasharray="12 6"' in svg
    assert "style=" not in svg
    assert "<script" not in svg
    assert ">Month</text>" in svg


def verdict_inputs(**overrides) -> AppraisalInputs:
    """Three years, all on results paid at once: surplus = 124,000 x rate - 21,700 set-up."""
    values = {
        "contract_months": 36,
        "referrals_per_month": 1,
        "price_per_person": None,
        "total_value": D(124_000),
        "fee_for_service_percent": D(0),
        "results_percent": D(100),
        "results_delay_months": 0,
        "outcome_rate_low": D(5),
        "outcome_rate_expected": D("7.5"),
        "outcome_rate_high": D(30),
        "best_evidence_rate": D(22),
        "setup_costs": D(21_700),
        "working_capital": D(20_000),
    }
    return make_inputs(**{**values, **overrides})


def test_the_verdict_is_one_plain_sentence_in_whole_pounds():
    result = appraise(verdict_inputs())

    assert verdict(result) == (
        "On these assumptions the contract would lose £12,400 over 3 years at your expected "
        "outcome rate of 7.5%; it breaks even if at least 17.5% of people achieve the outcome, "
        "against your best evidence of 22%."
    )


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            {"outcome_rate_expected": D(20), "contract_months": 18, "best_evidence_rate": None},
            "the contract would make a surplus of £3,100 over 18 months at your expected "
            "outcome rate of 20%; it breaks even if at least 17.5% of people achieve the outcome.",
        ),
        (
            {"outcome_rate_expected": D("17.5"), "contract_months": 12},
            "the contract would break even over 1 year",
        ),
        (
            {"setup_costs": D(0)},
            "it breaks even even if no one achieves the outcome, against your best evidence",
        ),
        (
            {"setup_costs": D(200_000)},
            "it does not break even even if every person achieves the outcome",
        ),
    ],
)
def test_the_verdict_says_surplus_break_even_and_duration_as_they_are(overrides, expected):
    assert expected in verdict(appraise(verdict_inputs(**overrides)))


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        # Month 1: -21,700 set-up + 124,000 / 36 x 7.5% = -21,441.67, the lowest it gets.
        (
            {},
            "You would need up to £21,442 of working capital, in month 1: £1,442 more than the "
            "£20,000 you have.",
        ),
        (
            {"working_capital": D(25_000)},
            "You would need up to £21,442 of working capital, in month 1, within the £25,000 "
            "you have.",
        ),
        (
            {"working_capital": D(0)},
            "You would need up to £21,442 of working capital, in month 1; you have not entered "
            "any working capital.",
        ),
        (
            {"setup_costs": D(0)},
            "Your cash would never fall below zero, so you would need no working capital.",
        ),
    ],
)
def test_the_peak_funding_need_is_compared_with_the_working_capital(overrides, expected):
    assert working_capital_verdict(appraise(verdict_inputs(**overrides))) == expected
