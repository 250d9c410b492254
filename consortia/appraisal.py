"""The sub-contract offer appraisal: a month-by-month cash model of a payment-by-results offer.

A pure module: no database, no Django. `appraise(inputs)` returns an `AppraisalResult` with one
`ScenarioResult` (low, expected, high outcome rate) per scenario. All money is `Decimal` and is
never rounded inside the model; pages show estimates in whole pounds (`format_money()`) and
the CSV export whole pennies (`money()`), both rounded half up.

The model, precisely
--------------------
Months are numbered from 1. The contract runs for months 1..N (N = `contract_months`).

People: `referrals_per_month` people start support in each contract month 1..N. Nobody starts
after the end.

Price: a price per person P, or a total contract value V, from which P = V / (referrals x N).
The price splits into a fee-for-service share F% and a results share R% (F + R = 100).

Payments from the prime:
- Upfront (mobilisation) payment: paid in month 1.
- Fee for service: paid monthly in arrears. The people who start in month m earn
  referrals x P x F% in month m + 1, so the last fee-for-service payment arrives in month N + 1.
- Results: the people who start in month m earn referrals x outcome rate x P x R% in month
  m + D (D = `results_delay_months`, the delay from the start of support to the results
  payment; D = 0 means the same month). Each successful person earns their full results share.
- Payments after the end ("the tail"): a real contract usually pays for outcomes achieved by
  people supported during the contract even when the payment falls after it ends. If
  `results_paid_after_end` is true, those payments are counted and the model runs on to month
  N + D. If false, only results payments falling in months 1..N are counted; the rest are lost.
  The model always runs to at least month N + 1, because the last fee for service is paid then.
- Management fee: the prime keeps `management_fee_percent` of every payment it makes (upfront,
  fee for service and results). Income lines are shown gross; the fee is a separate deduction.

Costs:
- Set-up costs: all in month 1.
- Fixed costs: every contract month 1..N; none in the tail.
- Variable cost: per person, in the month they start.
- Borrowing cost: if cumulative cash at the end of a month (after that month's payments and
  costs) is below zero, a month's interest at annual rate / 12 is charged on the shortfall in
  that month. This prices the money tied up in the contract, whether borrowed or taken from
  reserves; it is simple monthly interest, charged month by month, so it compounds.

Outputs, per scenario:
- Peak funding need: the lowest cumulative cash, as a positive amount (0 if it never goes
  below zero), and the first month it occurs.
- Cash positive month: the first month from which cumulative cash stays above zero to the end
  of the model (None if it ends at or below zero).
- Surplus: total income net of the management fee less total costs including borrowing.

Whole-offer outputs:
- Break-even outcome rate: before borrowing costs, the surplus is linear in the outcome rate q:
  surplus(q) = A + B q, where A is everything that does not depend on results (net upfront and
  fee-for-service income less set-up, fixed and variable costs) and B is the net results income
  if every person succeeded. The break-even rate is -A / B, solved exactly: 0% if A >= 0 (the
  offer breaks even with no results at all) and None ("not reachable even at 100%") if B = 0 or
  -A / B > 1. Borrowing costs are left out because they depend on timing, not on q alone, so
  the break-even rate including them is a little higher.
- Whether fee for service alone covers fixed costs: one month's fee-for-service income, net of
  the management fee, is at least one month's fixed costs.
"""

from dataclasses import asdict, dataclass, fields, replace
from decimal import ROUND_HALF_UP, Decimal

HUNDRED = Decimal(100)
MONTHS_PER_YEAR = Decimal(12)
PENNY = Decimal("0.01")
ZERO = Decimal(0)
HALF = Decimal("0.5")


@dataclass(frozen=True)
class AppraisalInputs:
    """Everything the model needs. Percentages are 0-100; money is in pounds."""

    contract_months: int
    referrals_per_month: int
    price_per_person: Decimal | None
    total_value: Decimal | None
    fee_for_service_percent: Decimal
    results_percent: Decimal
    results_delay_months: int
    results_paid_after_end: bool
    upfront_payment: Decimal
    management_fee_percent: Decimal
    outcome_rate_low: Decimal
    outcome_rate_expected: Decimal
    outcome_rate_high: Decimal
    best_evidence_rate: Decimal | None
    setup_costs: Decimal
    monthly_fixed_costs: Decimal
    variable_cost_per_person: Decimal
    working_capital: Decimal
    borrowing_rate_percent: Decimal

    def __post_init__(self):
        # The form gives people proper messages; these guard the model's own assumptions.
        if self.contract_months < 1 or self.referrals_per_month < 1:
            raise ValueError("The contract needs at least one month and one referral a month")
        if self.price_per_person is None and self.total_value is None:
            raise ValueError("A price per person or a total value is needed")
        if self.fee_for_service_percent + self.results_percent != HUNDRED:
            raise ValueError("The fee-for-service and results shares must add up to 100")
        if self.results_delay_months < 0:
            raise ValueError("The results delay cannot be negative")

    @property
    def people(self) -> int:
        """Everyone who starts support during the contract."""
        return self.contract_months * self.referrals_per_month

    @property
    def unit_price(self) -> Decimal:
        """The price per person, given or derived from the total value."""
        if self.price_per_person is not None:
            return self.price_per_person
        return self.total_value / self.people

    def to_dict(self) -> dict[str, str]:
        """JSON- and URL-safe strings, keyed by field name (the form's field names)."""
        return {key: _to_text(value) for key, value in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> "AppraisalInputs":
        """The inverse of `to_dict`."""
        values = {}
        for spec in fields(cls):
            text = data.get(spec.name, "")
            if spec.type is int:
                values[spec.name] = int(text)
            elif spec.type is bool:
                values[spec.name] = text == "yes"
            else:
                values[spec.name] = Decimal(text) if text else None
        return cls(**values)

    def scenario_rates(self) -> tuple[tuple[str, str, Decimal], ...]:
        """(key, label, outcome rate) for each scenario, low to high."""
        return (
            ("low", "Low", self.outcome_rate_low),
            ("expected", "Expected", self.outcome_rate_expected),
            ("high", "High", self.outcome_rate_high),
        )


def _to_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        # Plain notation, no exponent, no trailing zeros: "1500" not "1.5E+3".
        return format(value.normalize(), "f")
    return str(value)


@dataclass(frozen=True)
class MonthRow:
    """One month of one scenario. Income is gross; the management fee is a deduction."""

    month: int
    in_contract: bool
    people_starting: int
    upfront_payment: Decimal
    fee_for_service: Decimal
    results_payments: Decimal
    management_fee: Decimal
    setup_costs: Decimal
    fixed_costs: Decimal
    variable_costs: Decimal
    borrowing_cost: Decimal
    net_cash_flow: Decimal
    cumulative_cash: Decimal

    @property
    def operating_costs(self) -> Decimal:
        return self.setup_costs + self.fixed_costs + self.variable_costs


@dataclass(frozen=True)
class RiskFlag:
    """A warning in plain words; `key` lets code and tests recognise it."""

    key: str
    message: str


@dataclass(frozen=True)
class ScenarioResult:
    key: str
    label: str
    outcome_rate: Decimal
    rows: tuple[MonthRow, ...]
    income_upfront: Decimal
    income_fee_for_service: Decimal
    income_results: Decimal
    management_fee: Decimal
    operating_costs: Decimal
    borrowing_cost: Decimal
    peak_funding_need: Decimal
    peak_funding_month: int | None
    cash_positive_month: int | None
    working_capital_shortfall: Decimal
    flags: tuple[RiskFlag, ...]

    @property
    def gross_income(self) -> Decimal:
        return self.income_upfront + self.income_fee_for_service + self.income_results

    @property
    def net_income(self) -> Decimal:
        return self.gross_income - self.management_fee

    @property
    def total_cost(self) -> Decimal:
        return self.operating_costs + self.borrowing_cost

    @property
    def surplus(self) -> Decimal:
        return self.net_income - self.total_cost

    @property
    def results_share_of_income(self) -> Decimal | None:
        """Results payments as a fraction (0-1) of all income, or None with no income."""
        if self.gross_income == ZERO:
            return None
        return self.income_results / self.gross_income


@dataclass(frozen=True)
class AppraisalResult:
    inputs: AppraisalInputs
    months: int
    unit_price: Decimal
    break_even_rate: Decimal | None
    fee_for_service_covers_fixed_costs: bool
    scenarios: tuple[ScenarioResult, ...]
    flags: tuple[RiskFlag, ...]

    def scenario(self, key: str) -> ScenarioResult:
        return next(s for s in self.scenarios if s.key == key)

    @property
    def cumulative_cash_table(self) -> list[dict]:
        """Cumulative cash by month, one amount per scenario: the chart's data as rows."""
        return [
            {
                "month": month,
                "amounts": [s.rows[month - 1].cumulative_cash for s in self.scenarios],
            }
            for month in range(1, self.months + 1)
        ]


def appraise(inputs: AppraisalInputs) -> AppraisalResult:
    """Run the model for the low, expected and high outcome rates."""
    months = inputs.contract_months + 1
    if inputs.results_paid_after_end:
        months = inputs.contract_months + max(1, inputs.results_delay_months)
    break_even_rate = _break_even_rate(inputs)
    covers_fixed = _monthly_fee_for_service_net(inputs) >= inputs.monthly_fixed_costs
    scenarios = tuple(
        _run_scenario(inputs, key=key, label=label, outcome_rate=rate, months=months)
        for key, label, rate in inputs.scenario_rates()
    )
    return AppraisalResult(
        inputs=inputs,
        months=months,
        unit_price=inputs.unit_price,
        break_even_rate=break_even_rate,
        fee_for_service_covers_fixed_costs=covers_fixed,
        scenarios=scenarios,
        flags=_offer_flags(inputs, break_even_rate, covers_fixed),
    )


def _net_share(inputs: AppraisalInputs) -> Decimal:
    """The fraction of each payment left after the prime's management fee."""
    return 1 - inputs.management_fee_percent / HUNDRED


def _monthly_fee_for_service_net(inputs: AppraisalInputs) -> Decimal:
    gross = inputs.referrals_per_month * inputs.unit_price * inputs.fee_for_service_percent
    return gross / HUNDRED * _net_share(inputs)


def _counted_result_cohorts(inputs: AppraisalInputs) -> int:
    """How many monthly intakes' results payments are counted."""
    if inputs.results_paid_after_end:
        return inputs.contract_months
    return max(0, inputs.contract_months - inputs.results_delay_months)


def _break_even_rate(inputs: AppraisalInputs) -> Decimal | None:
    """The outcome rate (0-100) at which the surplus before borrowing costs is zero."""
    net_share = _net_share(inputs)
    fee_for_service = inputs.people * inputs.unit_price * inputs.fee_for_service_percent / HUNDRED
    costs = (
        inputs.setup_costs
        + inputs.monthly_fixed_costs * inputs.contract_months
        + inputs.variable_cost_per_person * inputs.people
    )
    surplus_without_results = (inputs.upfront_payment + fee_for_service) * net_share - costs
    if surplus_without_results >= ZERO:
        return ZERO
    results_at_full_rate = (
        _counted_result_cohorts(inputs)
        * inputs.referrals_per_month
        * inputs.unit_price
        * inputs.results_percent
        / HUNDRED
        * net_share
    )
    if results_at_full_rate <= ZERO:
        return None
    rate = -surplus_without_results / results_at_full_rate
    return None if rate > 1 else rate * HUNDRED


def _run_scenario(
    inputs: AppraisalInputs, *, key: str, label: str, outcome_rate: Decimal, months: int
) -> ScenarioResult:
    last_contract_month = inputs.contract_months
    referrals = inputs.referrals_per_month
    fee_share = inputs.management_fee_percent / HUNDRED
    fee_for_service_each = inputs.unit_price * inputs.fee_for_service_percent / HUNDRED
    results_each = inputs.unit_price * inputs.results_percent / HUNDRED
    monthly_interest = inputs.borrowing_rate_percent / HUNDRED / MONTHS_PER_YEAR

    rows = []
    cumulative = ZERO
    for month in range(1, months + 1):
        in_contract = month <= last_contract_month
        starting = referrals if in_contract else 0
        upfront = inputs.upfront_payment if month == 1 else ZERO
        fee_for_service = (
            referrals * fee_for_service_each if 2 <= month <= last_contract_month + 1 else ZERO
        )
        cohort = month - inputs.results_delay_months
        results_counted = 1 <= cohort <= last_contract_month and (
            in_contract or inputs.results_paid_after_end
        )
        results = referrals * outcome_rate / HUNDRED * results_each if results_counted else ZERO
        management_fee = (upfront + fee_for_service + results) * fee_share
        setup = inputs.setup_costs if month == 1 else ZERO
        fixed = inputs.monthly_fixed_costs if in_contract else ZERO
        variable = starting * inputs.variable_cost_per_person
        before_interest = (
            cumulative + upfront + fee_for_service + results - management_fee - setup - fixed
        ) - variable
        borrowing = -before_interest * monthly_interest if before_interest < ZERO else ZERO
        cumulative = before_interest - borrowing
        rows.append(
            MonthRow(
                month=month,
                in_contract=in_contract,
                people_starting=starting,
                upfront_payment=upfront,
                fee_for_service=fee_for_service,
                results_payments=results,
                management_fee=management_fee,
                setup_costs=setup,
                fixed_costs=fixed,
                variable_costs=variable,
                borrowing_cost=borrowing,
                net_cash_flow=upfront
                + fee_for_service
                + results
                - management_fee
                - setup
                - fixed
                - variable
                - borrowing,
                cumulative_cash=cumulative,
            )
        )

    lowest = min(rows, key=lambda row: (row.cumulative_cash, row.month))
    peak_need = -lowest.cumulative_cash if lowest.cumulative_cash < ZERO else ZERO
    shortfall = max(ZERO, peak_need - inputs.working_capital)
    result = ScenarioResult(
        key=key,
        label=label,
        outcome_rate=outcome_rate,
        rows=tuple(rows),
        income_upfront=sum((r.upfront_payment for r in rows), ZERO),
        income_fee_for_service=sum((r.fee_for_service for r in rows), ZERO),
        income_results=sum((r.results_payments for r in rows), ZERO),
        management_fee=sum((r.management_fee for r in rows), ZERO),
        operating_costs=sum((r.operating_costs for r in rows), ZERO),
        borrowing_cost=sum((r.borrowing_cost for r in rows), ZERO),
        peak_funding_need=peak_need,
        peak_funding_month=lowest.month if peak_need > ZERO else None,
        cash_positive_month=_cash_positive_month(rows),
        working_capital_shortfall=shortfall,
        flags=(),
    )
    return _with_scenario_flags(result)


def _cash_positive_month(rows: list[MonthRow]) -> int | None:
    """The first month from which cumulative cash stays above zero."""
    month = None
    for row in reversed(rows):
        if row.cumulative_cash <= ZERO:
            break
        month = row.month
    return month


def _with_scenario_flags(result: ScenarioResult) -> ScenarioResult:
    flags = []
    if result.surplus < ZERO:
        flags.append(
            RiskFlag("deficit", f"This scenario makes a loss of {format_money(-result.surplus)}.")
        )
    share = result.results_share_of_income
    if share is not None and share > HALF:
        flags.append(
            RiskFlag("results_majority", "Results payments make up more than half the income.")
        )
    if result.working_capital_shortfall > ZERO:
        flags.append(
            RiskFlag(
                "working_capital_shortfall",
                f"You would need {format_money(result.working_capital_shortfall)} more "
                f"working capital than you have (the most cash you would have tied up is "
                f"{format_money(result.peak_funding_need)}, in month "
                f"{result.peak_funding_month}).",
            )
        )
    if result.cash_positive_month is None:
        flags.append(
            RiskFlag(
                "never_cash_positive", "Your cash does not recover by the end of the contract."
            )
        )
    return replace(result, flags=tuple(flags))


def _offer_flags(
    inputs: AppraisalInputs, break_even_rate: Decimal | None, covers_fixed: bool
) -> tuple[RiskFlag, ...]:
    flags = []
    evidence = inputs.best_evidence_rate
    if break_even_rate is None:
        flags.append(
            RiskFlag(
                "break_even_unreachable",
                "The offer does not break even even if every person achieves the outcome.",
            )
        )
    elif evidence is not None and break_even_rate > evidence:
        flags.append(
            RiskFlag(
                "break_even_above_evidence",
                f"Break-even needs an outcome rate of {format_percent(break_even_rate)}, higher "
                f"than your best evidence shows ({format_percent(evidence)}).",
            )
        )
    if evidence is not None and inputs.outcome_rate_expected > evidence:
        flags.append(
            RiskFlag(
                "expected_above_evidence",
                f"Your expected outcome rate ({format_percent(inputs.outcome_rate_expected)}) "
                f"is higher than your best evidence shows ({format_percent(evidence)}).",
            )
        )
    if not covers_fixed:
        flags.append(
            RiskFlag(
                "fee_for_service_short",
                "Fee for service alone does not cover your monthly fixed costs: "
                "the rest depends on results.",
            )
        )
    delay = inputs.results_delay_months
    if not inputs.results_paid_after_end and inputs.results_percent > ZERO and delay > 0:
        if delay >= inputs.contract_months:
            message = (
                "No results payments arrive before the contract ends, and payments after the "
                "end are not counted, so there is no results income at all."
            )
        else:
            message = (
                f"Results for people who start in the last {delay} months of the contract "
                "would be paid after it ends and are not counted."
            )
        flags.append(RiskFlag("results_lost_after_end", message))
    return tuple(flags)


def money(amount: Decimal) -> Decimal:
    """Round to whole pennies, half up: for presentation only."""
    return amount.quantize(PENNY, rounding=ROUND_HALF_UP)


def format_money(amount: Decimal) -> str:
    """An estimate in whole pounds, as people write it: "£12,400", or "-£1,235"."""
    rounded = amount.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    sign = "-" if rounded < ZERO else ""
    return f"{sign}£{abs(rounded):,}"


def format_price(amount: Decimal) -> str:
    """A price as entered: pence only where there are some ("£250", "£1,500.50")."""
    rounded = money(amount)
    if rounded == rounded.to_integral_value():
        return format_money(rounded)
    sign = "-" if rounded < ZERO else ""
    return f"{sign}£{abs(rounded):,.2f}"


def format_duration(months: int) -> str:
    """ "3 years", "1 year", "18 months"."""
    if months % 12 == 0:
        years = months // 12
        return f"{years} year{'s' if years != 1 else ''}"
    return f"{months} month{'s' if months != 1 else ''}"


def verdict(result: AppraisalResult) -> str:
    """The expected scenario's outcome and the break-even rate, in one plain sentence."""
    inputs, expected = result.inputs, result.scenario("expected")
    surplus = format_money(abs(expected.surplus))
    if surplus == "£0":
        outcome = "would break even"
    elif expected.surplus < ZERO:
        outcome = f"would lose {surplus}"
    else:
        outcome = f"would make a surplus of {surplus}"
    rate = result.break_even_rate
    if rate is None:
        break_even = "it does not break even even if every person achieves the outcome"
    elif rate == ZERO:
        break_even = "it breaks even even if no one achieves the outcome"
    else:
        break_even = (
            f"it breaks even if at least {format_percent(rate)} of people achieve the outcome"
        )
    evidence = inputs.best_evidence_rate
    against = (
        "" if evidence is None else f", against your best evidence of {format_percent(evidence)}"
    )
    return (
        f"On these assumptions the contract {outcome} over "
        f"{format_duration(inputs.contract_months)} at your expected outcome rate of "
        f"{format_percent(expected.outcome_rate)}; {break_even}{against}."
    )


def working_capital_verdict(result: AppraisalResult) -> str:
    """The expected scenario's peak funding need against the working capital entered."""
    expected, capital = result.scenario("expected"), result.inputs.working_capital
    if expected.peak_funding_month is None:
        return "Your cash would never fall below zero, so you would need no working capital."
    need = (
        f"You would need up to {format_money(expected.peak_funding_need)} of working capital, "
        f"in month {expected.peak_funding_month}"
    )
    if capital == ZERO:
        return f"{need}; you have not entered any working capital."
    if expected.working_capital_shortfall > ZERO:
        return (
            f"{need}: {format_money(expected.working_capital_shortfall)} more than the "
            f"{format_money(capital)} you have."
        )
    return f"{need}, within the {format_money(capital)} you have."


def format_percent(rate: Decimal) -> str:
    """A percentage to one decimal place, without a trailing ".0": "42.5%", "40%"."""
    text = f"{rate.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP):f}"
    return f"{text.removesuffix('.0')}%"
