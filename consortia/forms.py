"""Forms of the offer appraisal tool.

The appraisal form is a GET form rendered by consortia/appraisal/_appraisal_fields.html, not by
crispy-forms: the GOV.UK template pack has no input prefixes or suffixes ("£", "%", "months"),
which these money and rate questions need. The small forms use crispy-forms as usual.
"""

import calendar
from datetime import date
from decimal import Decimal

from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from directory.organisations.models import Organisation, PartnershipInterest, Service

from .appraisal import HUNDRED, AppraisalInputs
from .models import (
    Consortium,
    ConsortiumMembership,
    OfferAppraisal,
    Opportunity,
)

MAX_CONTRACT_MONTHS = 120
MAX_RESULTS_DELAY_MONTHS = 60
MAX_REFERRALS_PER_MONTH = 5000
MAX_PRICE_PER_PERSON = Decimal(1_000_000)
MAX_AMOUNT = Decimal(1_000_000_000)
COMPARE_MIN = 2
COMPARE_MAX = 4


class MoneyField(forms.DecimalField):
    """Pounds and pence; accepts what people type, like "£1,500.50"."""

    def __init__(self, *, what: str, maximum: Decimal = MAX_AMOUNT, **kwargs):
        super().__init__(min_value=0, max_value=maximum, decimal_places=2, **kwargs)
        what_capitalised = what[0].upper() + what[1:]
        self.error_messages.update(
            {
                "required": f"Enter {what}",
                "invalid": f"{what_capitalised} must be an amount in pounds, like 1500 or 1500.50",
                "min_value": f"{what_capitalised} must be £0 or more",
                "max_value": f"{what_capitalised} must be £{maximum:,} or less",
                "max_decimal_places": f"{what_capitalised} must be in pounds and pence, "
                "like 1500.50",
            }
        )

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace("£", "").replace(",", "").strip()
        return super().to_python(value)


class PercentField(forms.DecimalField):
    """A percentage from 0 to 100; accepts a trailing "%"."""

    def __init__(self, *, what: str, **kwargs):
        super().__init__(min_value=0, max_value=100, decimal_places=2, **kwargs)
        what_capitalised = what[0].upper() + what[1:]
        # Django %-formats messages that have parameters, as these two do.
        between = f"Enter {what} between 0%% and 100%%"
        self.error_messages.update(
            {
                "required": f"Enter {what}",
                "invalid": f"{what_capitalised} must be a number, like 40 or 37.5",
                "min_value": between,
                "max_value": between,
                "max_decimal_places": f"{what_capitalised} must have no more than 2 decimal places",
            }
        )

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace("%", "").strip()
        return super().to_python(value)


def whole_number_field(*, what: str, minimum: int, maximum: int, unit: str, **kwargs):
    between = f"Enter {what} between {minimum:,} and {maximum:,}{unit}"
    return forms.IntegerField(
        min_value=minimum,
        max_value=maximum,
        error_messages={
            "required": f"Enter {what}",
            "invalid": f"Enter {what} as a whole number, like {maximum // 10}",
            "min_value": between,
            "max_value": between,
        },
        **kwargs,
    )


class OfferAppraisalForm(forms.Form):
    """The inputs of the appraisal. Field names are those of `AppraisalInputs`."""

    contract_months = whole_number_field(
        what="a contract length",
        minimum=1,
        maximum=MAX_CONTRACT_MONTHS,
        unit=" months",
        label="Contract length, in months",
    )
    referrals_per_month = whole_number_field(
        what="the expected referrals per month",
        minimum=1,
        maximum=MAX_REFERRALS_PER_MONTH,
        unit="",
        label="Expected referrals per month",
        help_text="People who will start support each month",
    )
    price_per_person = MoneyField(
        what="the price per person",
        maximum=MAX_PRICE_PER_PERSON,
        required=False,
        label="Price per person, in pounds",
        help_text="Leave blank if you give a total contract value instead",
    )
    total_value = MoneyField(
        what="the total contract value",
        required=False,
        label="Or the total contract value, in pounds",
        help_text="We divide it by the number of people referred over the whole contract",
    )
    fee_for_service_percent = PercentField(
        what="the fee for service share",
        label="Share paid as fee for service",
        help_text="Paid monthly in arrears for each person who starts",
    )
    results_percent = PercentField(
        what="the results share",
        label="Share paid on results",
        help_text="Paid for each person who achieves the outcome",
    )
    results_delay_months = whole_number_field(
        what="the delay before results are paid",
        minimum=0,
        maximum=MAX_RESULTS_DELAY_MONTHS,
        unit=" months",
        label="Delay from the start of support to the results payment, in months",
    )
    results_paid_after_end = forms.ChoiceField(
        label="Are results achieved during the contract still paid after it ends?",
        help_text="Most contracts pay for outcomes of people supported during the contract, "
        "even if the payment falls due after the end",
        choices=[("yes", "Yes"), ("no", "No")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select yes if results are still paid after the contract ends"},
    )
    upfront_payment = MoneyField(
        what="the upfront payment",
        required=False,
        label="Upfront or mobilisation payment, in pounds (optional)",
        help_text="Paid in the first month",
    )
    management_fee_percent = PercentField(
        what="the prime's management fee",
        required=False,
        label="Prime's management fee (optional)",
        help_text="Kept by the prime from every payment it makes to you",
    )
    outcome_rate_low = PercentField(
        what="a low outcome rate", label="Low outcome rate", help_text="A cautious estimate"
    )
    outcome_rate_expected = PercentField(
        what="an expected outcome rate", label="Expected outcome rate"
    )
    outcome_rate_high = PercentField(
        what="a high outcome rate", label="High outcome rate", help_text="An optimistic estimate"
    )
    best_evidence_rate = PercentField(
        what="the outcome rate your evidence supports",
        required=False,
        label="Best evidence outcome rate (optional)",
        help_text="The highest outcome rate your own evidence supports, for example from a "
        "Justice Data Lab report or your outcome monitoring",
    )
    setup_costs = MoneyField(
        what="the set-up costs",
        required=False,
        label="Set-up costs, in pounds (optional)",
        help_text="Recruitment, training and equipment before you start; spent in the first month",
    )
    monthly_fixed_costs = MoneyField(
        what="the monthly fixed costs",
        required=False,
        label="Fixed costs per month, in pounds (optional)",
        help_text="Staff, premises and overheads you pay however many people are referred",
    )
    variable_cost_per_person = MoneyField(
        what="the variable cost per person",
        required=False,
        label="Variable cost per person, in pounds (optional)",
        help_text="What each extra person costs you, spent in the month they start",
    )
    working_capital = MoneyField(
        what="the working capital available",
        required=False,
        label="Working capital available, in pounds (optional)",
        help_text="Cash you could put into this contract while waiting to be paid",
    )
    borrowing_rate_percent = PercentField(
        what="the cost of borrowing",
        required=False,
        label="Cost of borrowing, per year (optional)",
        help_text="The annual interest rate on cash tied up in the contract",
    )

    # Optional amounts that mean nothing when left blank.
    ZERO_IF_BLANK = (
        "upfront_payment",
        "management_fee_percent",
        "setup_costs",
        "monthly_fixed_costs",
        "variable_cost_per_person",
        "working_capital",
        "borrowing_rate_percent",
    )
    FIELDSETS = (
        ("The contract", ("contract_months", "referrals_per_month", "price_per_person",
                          "total_value")),
        ("How the prime pays you", ("fee_for_service_percent", "results_percent",
                                    "results_delay_months", "results_paid_after_end",
                                    "upfront_payment", "management_fee_percent")),
        ("Outcome rates", ("outcome_rate_low", "outcome_rate_expected", "outcome_rate_high",
                           "best_evidence_rate")),
        ("Your costs", ("setup_costs", "monthly_fixed_costs", "variable_cost_per_person")),
        ("Your finances", ("working_capital", "borrowing_rate_percent")),
    )  # fmt: skip
    # GOV.UK input prefix and suffix, and width class, by field.
    PREFIXES = {"£": (
        "price_per_person", "total_value", "upfront_payment", "setup_costs",
        "monthly_fixed_costs", "variable_cost_per_person", "working_capital",
    )}  # fmt: skip
    SUFFIXES = {
        "%": (
            "fee_for_service_percent",
            "results_percent",
            "management_fee_percent",
            "outcome_rate_low",
            "outcome_rate_expected",
            "outcome_rate_high",
            "best_evidence_rate",
            "borrowing_rate_percent",
        ),
        "months": ("contract_months", "results_delay_months"),
        "a month": ("referrals_per_month",),
    }

    def __init__(self, *args, best_evidence=None, **kwargs):
        """`best_evidence` (a selectors.BestEvidence) fills in the evidence rate, saying whence."""
        initial = {"results_paid_after_end": "yes"}
        if best_evidence:
            initial["best_evidence_rate"] = best_evidence.rate
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        if best_evidence:
            self.fields["best_evidence_rate"].help_text = (
                f"Filled in from {best_evidence.source}. Change it if the contract measures a "
                "different outcome"
            )

    def clean(self):
        cleaned = super().clean()
        for name in self.ZERO_IF_BLANK:
            if name in cleaned and cleaned[name] is None:
                cleaned[name] = Decimal(0)
        price, total = cleaned.get("price_per_person"), cleaned.get("total_value")
        if "price_per_person" in cleaned and "total_value" in cleaned:
            if price is None and total is None:
                self.add_error(
                    "price_per_person", "Enter a price per person or a total contract value"
                )
            elif price is not None and total is not None:
                self.add_error(
                    "total_value",
                    "Enter either a price per person or a total contract value, not both",
                )
        fee_for_service, results = (
            cleaned.get("fee_for_service_percent"),
            cleaned.get("results_percent"),
        )
        if None not in (fee_for_service, results) and fee_for_service + results != HUNDRED:
            self.add_error(
                "results_percent",
                "The fee for service share and results share must add up to 100%",
            )
        low, expected, high = (
            cleaned.get("outcome_rate_low"),
            cleaned.get("outcome_rate_expected"),
            cleaned.get("outcome_rate_high"),
        )
        if None not in (low, expected) and low > expected:
            self.add_error(
                "outcome_rate_low", "The low outcome rate must not be higher than the expected rate"
            )
        if None not in (expected, high) and high < expected:
            self.add_error(
                "outcome_rate_high",
                "The high outcome rate must not be lower than the expected rate",
            )
        return cleaned

    def to_inputs(self) -> AppraisalInputs:
        """The model's inputs; call only on a valid form."""
        data = dict(self.cleaned_data)
        data["results_paid_after_end"] = data["results_paid_after_end"] == "yes"
        return AppraisalInputs(**data)

    def fieldsets(self) -> list[dict]:
        """The fields in their groups, each with its GOV.UK prefix and suffix, for the template."""
        prefix_of = {name: text for text, names in self.PREFIXES.items() for name in names}
        suffix_of = {name: text for text, names in self.SUFFIXES.items() for name in names}
        return [
            {
                "legend": legend,
                "fields": [
                    {
                        "field": self[name],
                        "prefix": prefix_of.get(name),
                        "suffix": suffix_of.get(name),
                    }
                    for name in names
                ],
            }
            for legend, names in self.FIELDSETS
        ]


class CrispyFormMixin:
    """A crispy helper that leaves the <form> tag and buttons to the page template."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper(self)
        self.helper.form_tag = False
        self.helper.label_size = "s"


class OfferAppraisalSaveForm(CrispyFormMixin, forms.Form):
    """The name and organisation of an appraisal being saved."""

    name = forms.CharField(
        label="Name this appraisal",
        max_length=120,
        help_text="For example, the prime and the contract: “Northbridge CRS accommodation”",
        error_messages={
            "required": "Enter a name for the appraisal",
            "max_length": "The name must be 120 characters or fewer",
        },
    )
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        label="Which organisation is it for?",
        empty_label=None,
        error_messages={
            "required": "Select the organisation the appraisal is for",
            "invalid_choice": "Select one of your organisations",
        },
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(
            memberships__user=user
        ).order_by("name")


class OfferAppraisalRenameForm(CrispyFormMixin, forms.ModelForm):
    class Meta:
        model = OfferAppraisal
        fields = ["name"]
        labels = {"name": "Name"}
        error_messages = {
            "name": {
                "required": "Enter a name for the appraisal",
                "max_length": "The name must be 120 characters or fewer",
            }
        }


class OfferAppraisalCompareForm(CrispyFormMixin, forms.Form):
    appraisals = forms.ModelMultipleChoiceField(
        queryset=OfferAppraisal.objects.none(),
        label="Select 2 to 4 appraisals to compare",
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Select between 2 and 4 appraisals to compare",
            "invalid_choice": "Select between 2 and 4 of your appraisals to compare",
            "invalid_pk_value": "Select between 2 and 4 of your appraisals to compare",
        },
    )

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["appraisals"].queryset = queryset
        self.fields["appraisals"].label_from_instance = lambda appraisal: appraisal.name

    def clean_appraisals(self):
        appraisals = self.cleaned_data["appraisals"]
        if not COMPARE_MIN <= len(appraisals) <= COMPARE_MAX:
            raise ValidationError("Select between 2 and 4 appraisals to compare")
        return appraisals


# --- Partnerships, opportunities and consortia ---

# Month names people type into the month box, in full or abbreviated ("January", "jan", "Sept").
MONTH_NUMBERS = {
    **{calendar.month_name[number].lower(): number for number in range(1, 13)},
    **{calendar.month_abbr[number].lower(): number for number in range(1, 13)},
    "sept": 9,
}
DATE_PARTS = ("day", "month", "year")


class GovukDateField(DateInputField):
    """The GOV.UK date input (day, month and year boxes) with the Design System's error
    messages, each part's box marked when only that part is wrong."""

    def __init__(self, *, what: str, **kwargs):
        super().__init__(require_all_fields=False, help_text="For example, 27 3 2027", **kwargs)
        self.what = what
        for part, field in zip(DATE_PARTS, self.fields, strict=True):
            field.widget.part = part

    def clean(self, value):
        parts = [str(part or "").strip() for part in (list(value or []) + ["", "", ""])[:3]]
        for field in self.fields:
            field.widget.errors = []
        if not any(parts):
            if self.required:
                raise ValidationError(f"Enter the {self.what}", code="required")
            return None
        missing = [name for name, part in zip(DATE_PARTS, parts, strict=True) if not part]
        if missing:
            self._mark(missing)
            raise ValidationError(
                f"The {self.what} must include a {' and '.join(missing)}", code="incomplete"
            )
        day, month, year = parts
        month = str(MONTH_NUMBERS.get(month.lower().rstrip("."), month))
        if not (year.isdigit() and len(year) == 4):
            self._mark(["year"])
            raise ValidationError("Year must include 4 numbers", code="invalid_year")
        try:
            value = date(int(year), int(month), int(day))
        except ValueError:
            raise ValidationError(f"The {self.what} must be a real date", code="invalid") from None
        self.run_validators(value)
        return value

    def _mark(self, names: list[str]) -> None:
        """Mark the boxes of these parts as in error (crispy-forms-gds reads widget.errors)."""
        for field in self.fields:
            if field.widget.part in names:
                field.widget.errors = [field.widget.part]


class PartnershipInterestForm(CrispyFormMixin, forms.ModelForm):
    class Meta:
        model = PartnershipInterest
        fields = ["direction", "role", "region", "pathway"]
        labels = {
            "direction": "Do you seek this role in a partner, or offer it?",
            "role": "Role",
            "region": "Region",
            "pathway": "Pathway",
        }
        widgets = {"direction": forms.RadioSelect}
        error_messages = {
            "direction": {"required": "Select whether you seek or offer the role"},
            "role": {"required": "Select a role"},
            "region": {"required": "Select a region"},
            "pathway": {"required": "Select a pathway"},
        }

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.organisation = organisation
        self.fields["direction"].choices = PartnershipInterest.Direction.choices

    def validate_unique(self):
        try:
            self.instance.validate_constraints()
        except ValidationError:
            self.add_error(None, "Your organisation already has this partnership interest")


class OpportunityForm(CrispyFormMixin, forms.ModelForm):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        required=False,
        label="Who is posting it?",
        empty_label="Not for an organisation: for the public body I work for",
    )
    expected_start = GovukDateField(
        label="Expected start (optional)", required=False, what="expected start date"
    )
    closes_on = GovukDateField(label="Closing date for responses", what="closing date")

    class Meta:
        model = Opportunity
        fields = [
            "title",
            "description",
            "organisation",
            "regions",
            "pathways",
            "client_groups",
            "roles_sought",
            "value_band",
            "expected_start",
            "closes_on",
            "is_subcontract",
        ]
        labels = {
            "title": "Title",
            "description": "Describe the opportunity",
            "regions": "Regions",
            "pathways": "Pathways",
            "client_groups": "People it is for (optional)",
            "roles_sought": "Roles sought",
            "value_band": "Contract value",
            "is_subcontract": "This is a subcontract under a prime contract",
        }
        widgets = {
            "regions": forms.CheckboxSelectMultiple,
            "pathways": forms.CheckboxSelectMultiple,
            "client_groups": forms.CheckboxSelectMultiple,
            "roles_sought": forms.CheckboxSelectMultiple,
            "value_band": forms.RadioSelect,
        }
        error_messages = {
            "title": {
                "required": "Enter a title",
                "max_length": "The title must be 200 characters or fewer",
            },
            "description": {
                "required": "Describe the opportunity",
                "max_length": "The description must be 10,000 characters or fewer",
            },
            "regions": {"required": "Select at least one region"},
            "pathways": {"required": "Select at least one pathway"},
            "roles_sought": {"required": "Select at least one role"},
            "value_band": {"required": "Select the contract value"},
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.published().filter(
            memberships__user=user
        )
        # The model field has no default, so Django would offer a blank "---------" radio.
        self.fields["value_band"].choices = Opportunity.ValueBand.choices
        profile = getattr(user, "commissioner_profile", None)
        self.commissioner_may_post = bool(profile and profile.is_verified) or user.is_moderator
        if not self.commissioner_may_post:
            self.fields["organisation"].required = True
            self.fields["organisation"].empty_label = None
            self.fields["organisation"].error_messages["required"] = "Select your organisation"

    def clean_closes_on(self):
        closes_on = self.cleaned_data["closes_on"]
        if closes_on < timezone.localdate():
            raise ValidationError("The closing date must be today or in the future")
        return closes_on


class ExpressionOfInterestForm(CrispyFormMixin, forms.Form):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        label="Which organisation is responding?",
        empty_label=None,
        error_messages={
            "required": "Select the organisation responding",
            "invalid_choice": "Select one of your published organisations",
        },
    )
    message = forms.CharField(
        label="Your message",
        help_text="What you would bring, and who to contact",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=5000,
        error_messages={
            "required": "Enter a message",
            "max_length": "The message must be 5,000 characters or fewer",
        },
    )
    services = forms.ModelMultipleChoiceField(
        queryset=Service.objects.none(),
        required=False,
        label="Which of your services are relevant? (optional)",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Select services of your own organisation"},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        organisations = Organisation.objects.published().filter(memberships__user=user)
        self.fields["organisation"].queryset = organisations
        self.fields["services"].queryset = Service.objects.filter(
            organisation__in=organisations
        ).select_related("organisation")
        self.fields["services"].label_from_instance = lambda service: (
            f"{service.name} ({service.organisation.name})"
        )

    def clean(self):
        cleaned = super().clean()
        organisation, services = cleaned.get("organisation"), cleaned.get("services") or []
        if organisation and any(s.organisation_id != organisation.pk for s in services):
            self.add_error("services", f"Select only services of {organisation.name}")
        return cleaned


class ExpressionOfInterestDecisionForm(CrispyFormMixin, forms.Form):
    status = forms.ChoiceField(
        label="What do you want to do with this response?",
        widget=forms.RadioSelect,
        choices=[],
        error_messages={
            "required": "Select shortlist, decline or accept",
            "invalid_choice": "Select shortlist, decline or accept",
        },
    )
    message = forms.CharField(
        label="Message to the organisation (optional)",
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "The message must be 3,000 characters or fewer"},
    )

    def __init__(self, *args, allowed: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = allowed


class ConsortiumForm(CrispyFormMixin, forms.ModelForm):
    class Meta:
        model = Consortium
        fields = [
            "name",
            "purpose",
            "lead_organisation",
            "regions",
            "pathways",
            "status",
            "visibility",
        ]
        labels = {
            "name": "Name of the consortium",
            "purpose": "What is it for?",
            "lead_organisation": "Lead organisation",
            "regions": "Regions",
            "pathways": "Pathways",
            "status": "Status",
            "visibility": "Who can see it?",
        }
        widgets = {
            "regions": forms.CheckboxSelectMultiple,
            "pathways": forms.CheckboxSelectMultiple,
            "status": forms.RadioSelect,
            "visibility": forms.RadioSelect,
        }
        error_messages = {
            "name": {
                "required": "Enter the consortium's name",
                "max_length": "The name must be 200 characters or fewer",
            },
            "purpose": {"required": "Say what the consortium is for"},
            "lead_organisation": {
                "required": "Select the lead organisation",
                "invalid_choice": "Select an organisation you are an admin of",
            },
            "regions": {"required": "Select at least one region"},
            "pathways": {"required": "Select at least one pathway"},
            "status": {"required": "Select the status"},
            "visibility": {"required": "Select who can see it"},
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_organisation"].queryset = Organisation.objects.filter(
            memberships__user=user, memberships__role="admin"
        ).exclude(status=Organisation.Status.ARCHIVED)
        self.fields["lead_organisation"].empty_label = None
        self.fields["status"].choices = Consortium.Status.choices
        self.fields["visibility"].choices = Consortium.Visibility.choices


class ConsortiumSettingsForm(CrispyFormMixin, forms.ModelForm):
    class Meta:
        model = Consortium
        fields = ["status", "visibility"]
        labels = {"status": "Status", "visibility": "Who can see it?"}
        widgets = {"status": forms.RadioSelect, "visibility": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = Consortium.Status.choices
        self.fields["visibility"].choices = Consortium.Visibility.choices


class ConsortiumInviteForm(CrispyFormMixin, forms.Form):
    """The organisation to invite, chosen from a server search's matches (radios) or by the
    autocomplete (its id), and the role proposed. The choices shown are only the matches:
    the directory may hold 250,000 organisations."""

    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        label="Organisation to invite",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Search for the organisation to invite, then select it",
            "invalid_choice": "Select an organisation in the directory that is not a member yet",
        },
    )
    role = forms.CharField(
        label="Proposed role",
        max_length=100,
        help_text="For example, subcontractor for accommodation",
        error_messages={
            "required": "Enter the role you propose",
            "max_length": "The role must be 100 characters or fewer",
        },
    )

    def __init__(self, *args, invitable, matches: list[Organisation], **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        field.queryset = invitable
        # Shown: the matches only. Checked: the whole queryset, one row looked up by its id.
        field.choices = [(match.pk, organisation_label(match)) for match in matches]


def organisation_label(organisation: Organisation) -> str:
    """An organisation's name with its town, to tell apart ones of the same name."""
    return f"{organisation.name} ({organisation.town})" if organisation.town else organisation.name


class ConsortiumLeadershipForm(CrispyFormMixin, forms.Form):
    new_lead = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        label="Which member should lead the consortium?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the member to hand leadership to",
            "invalid_choice": "Select another current member",
        },
    )

    def __init__(self, *args, consortium: Consortium, **kwargs):
        super().__init__(*args, **kwargs)
        members = consortium.memberships.filter(status=ConsortiumMembership.Status.ACCEPTED).values(
            "organisation"
        )
        self.fields["new_lead"].queryset = Organisation.objects.filter(pk__in=members).exclude(
            pk=consortium.lead_organisation_id
        )
