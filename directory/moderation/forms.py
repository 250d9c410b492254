"""Forms of the moderation workspace and the public "report a problem" page."""

from dataclasses import dataclass

from crispy_forms_gds.layout import Layout
from django import forms

from directory.moderation.models import ProblemReport
from directory.organisations.forms import GovukFormMixin


@dataclass(frozen=True)
class DecisionWording:
    """How a decision page asks for the reason ({needed_for} in `help_text` names the
    choices that need one)."""

    label: str
    help_text: str
    missing_reason: str
    rows: int


class DecisionForm(GovukFormMixin, forms.Form):
    """A decision on a subject of the queue: made for a policy by `decision_form`."""

    needs_reason: frozenset[str] = frozenset()
    missing_reason = ""

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") in self.needs_reason and not cleaned.get("reason"):
            self.add_error("reason", self.missing_reason)
        return cleaned


def decision_form(policy, wording: DecisionWording, *, versioned: bool) -> type[DecisionForm]:
    """The form offering the actions of a kind's policy (`services.POLICIES`), needing a reason
    where the policy does; with the organisation's version the moderator reviewed (approving a
    later one is refused) where `versioned`."""
    fields = {
        "action": forms.ChoiceField(
            label="Your decision",
            widget=forms.RadioSelect,
            choices=list(policy.actions.items()),
            error_messages={"required": "Select your decision"},
        ),
        "reason": forms.CharField(
            label=wording.label,
            help_text=wording.help_text.format(
                needed_for=" or ".join(f"“{policy.actions[action]}”" for action in policy.reasons)
            ),
            widget=forms.Textarea(attrs={"rows": wording.rows}),
            required=False,
            max_length=3000,
        ),
    }
    if versioned:
        fields["version"] = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    attributes = {
        "needs_reason": frozenset(policy.reasons),
        "missing_reason": wording.missing_reason,
    }
    return type(f"{policy.kind.title()}DecisionForm", (DecisionForm,), fields | attributes)


# To the organisation, on its review page.
MESSAGE_WORDING = DecisionWording(
    label="Message to the organisation",
    help_text="Needed when you request changes or reject: say what is wrong and why",
    missing_reason="Enter a message saying what needs to change, and why",
    rows=5,
)
# Recorded with a decision on a claim, a commissioner or a report.
REASON_WORDING = DecisionWording(
    label="Reason",
    help_text="Recorded with your decision. Needed for {needed_for}",
    missing_reason="Enter the reason for your decision",
    rows=4,
)


class ReasonForm(GovukFormMixin, forms.Form):
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=3000,
        error_messages={"required": "Enter the reason"},
    )


class PurgeForm(GovukFormMixin, forms.Form):
    confirm_name = forms.CharField(
        label="Type the organisation's name to confirm",
        max_length=200,
        error_messages={"required": "Enter the organisation's name to confirm"},
    )


class ProblemReportForm(GovukFormMixin, forms.ModelForm):
    # A honeypot: hidden from people, filled in by form-filling robots.
    nickname = forms.CharField(required=False, label="Leave this field empty")

    required_messages = {"description": "Enter what is wrong with this entry"}

    class Meta:
        model = ProblemReport
        fields = ["description", "email"]
        labels = {
            "description": "What is wrong with this entry?",
            "email": "Your email address (optional)",
        }
        help_texts = {
            "email": "Only if you are happy for a moderator to contact you about this report",
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.layout = Layout("description", "email")

    @property
    def is_spam(self) -> bool:
        return bool(self.data.get("nickname"))
