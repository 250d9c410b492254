"""Forms of the moderation workspace and the public "report a problem" page."""

from crispy_forms_gds.layout import Layout
from django import forms

from directory.moderation.models import ProblemReport
from directory.organisations.forms import GovukFormMixin


class DecisionForm(GovukFormMixin, forms.Form):
    action = forms.ChoiceField(
        label="Your decision",
        widget=forms.RadioSelect,
        choices=[
            ("approve", "Approve"),
            ("request_changes", "Request changes"),
            ("reject", "Reject"),
        ],
        error_messages={"required": "Select your decision"},
    )
    reason = forms.CharField(
        label="Message to the organisation",
        help_text="Needed when you request changes or reject: say what is wrong and why",
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=3000,
    )
    # The organisation's version the moderator reviewed: approving a later one is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") in {"request_changes", "reject"} and not cleaned.get("reason"):
            self.add_error("reason", "Enter a message saying what needs to change, and why")
        return cleaned


class OutcomeForm(GovukFormMixin, forms.Form):
    """A decision from the queue (a claim, a commissioner, a report) and why: `choices`, of which
    `refusal` needs a reason."""

    choices: list[tuple[str, str]] = []
    refusal = ""

    decision = forms.ChoiceField(
        label="Your decision",
        widget=forms.RadioSelect,
        error_messages={"required": "Select your decision"},
    )
    reason = forms.CharField(
        label="Reason",
        help_text="Recorded with your decision. Needed when you refuse",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=3000,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = self.choices

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == self.refusal and not cleaned.get("reason"):
            self.add_error("reason", "Enter the reason for your decision")
        return cleaned


class ClaimOutcomeForm(OutcomeForm):
    choices = [("approve", "Approve"), ("decline", "Decline")]
    refusal = "decline"


class CommissionerOutcomeForm(OutcomeForm):
    choices = [("approve", "Verify them"), ("decline", "They cannot be verified")]
    refusal = "decline"


class ReportOutcomeForm(OutcomeForm):
    choices = [
        ("resolved", "Resolved: the entry has been put right"),
        ("dismissed", "Dismiss: nothing needs to change"),
    ]
    refusal = "dismissed"


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
