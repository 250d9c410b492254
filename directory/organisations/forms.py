"""What every form of the site shares: GOV.UK wording for the generic errors and the rules of
an organisation's fields that both registration and the bulk import apply."""

from crispy_forms_gds.helper import FormHelper
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Membership
from directory.organisations import validators


def _without_control_characters(data):
    """A copy of submitted data with control characters taken out of every text."""
    if hasattr(data, "lists"):
        cleaned = data.copy()
        for key, values in data.lists():
            cleaned.setlist(
                key,
                [
                    validators.without_control_characters(v) if isinstance(v, str) else v
                    for v in values
                ],
            )
        return cleaned
    return {
        key: validators.without_control_characters(value) if isinstance(value, str) else value
        for key, value in data.items()
    }


def add_validation_error(
    form: forms.BaseForm, error: ValidationError, field: str | None = None
) -> None:
    """Show a service's refusal on the form: each field's messages beside that field (or above
    the form if it has no such field), a refusal about no one field on `field` or above the
    form."""
    if hasattr(error, "error_dict"):
        for name, messages in error.error_dict.items():
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(field, error)


class GovukFormMixin:
    """GOV.UK wording for the generic errors, and a crispy helper that leaves the <form> tag,
    the buttons and the error summary to the page template."""

    required_messages: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound:
            self.data = _without_control_characters(self.data)
        for name, field in self.fields.items():
            label = str(field.label or name).removesuffix(" (optional)")
            label = label[:1].upper() + label[1:]
            if name in self.required_messages:
                field.required = True
                field.error_messages["required"] = self.required_messages[name]
            if getattr(field, "max_length", None):
                field.error_messages["max_length"] = (
                    f"{label} must be {field.max_length} characters or fewer"
                )
            if isinstance(field, forms.URLField):
                field.error_messages["invalid"] = (
                    f"Enter {label.lower()} in the correct format, like https://www.example.org"
                )
            elif isinstance(field, forms.EmailField):
                field.error_messages["invalid"] = (
                    "Enter an email address in the correct format, like name@example.org"
                )
            elif isinstance(field, forms.DecimalField):
                field.error_messages["invalid"] = f"{label} must be a number"
            elif isinstance(field, forms.IntegerField):
                field.error_messages["invalid"] = f"{label} must be a whole number"
                field.error_messages["min_value"] = f"{label} must be 0 or more"
            elif isinstance(field, forms.ModelChoiceField):
                field.error_messages["invalid_choice"] = f"Select {label.lower()} from the list"
        self._use_govuk_text_inputs()
        self.helper = FormHelper(self)
        self.helper.form_tag = False
        self.helper.label_size = "s"
        self.helper.legend_size = "s"

    def _use_govuk_text_inputs(self):
        """Numbers as text inputs with a numeric keyboard (as GOV.UK advises, instead of
        type=number), and web addresses styled like every other GOV.UK text input."""
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.NumberInput):
                inputmode = "decimal" if isinstance(field, forms.DecimalField) else "numeric"
                width = 4 if name.startswith("year") else 10
                field.widget = forms.TextInput(
                    attrs={
                        "inputmode": inputmode,
                        "spellcheck": "false",
                        "class": f"govuk-input govuk-input--width-{width}",
                    }
                )
            elif isinstance(field.widget, forms.URLInput):
                field.widget.attrs.update({"class": "govuk-input", "spellcheck": "false"})
            elif isinstance(field.widget, forms.FileInput):
                field.widget.attrs["class"] = "govuk-file-upload"


def organisation_name_normalised(name: str) -> str:
    """The name with runs of whitespace made single spaces."""
    return " ".join(name.split())


def year_founded_checked(year: int | None) -> int | None:
    """The year an organisation was founded, refused outside 1800 to this year."""
    this_year = timezone.localdate().year
    if year is not None and not 1800 <= year <= this_year:
        raise ValidationError(f"Year founded must be between 1800 and {this_year}")
    return year


def website_field() -> forms.URLField:
    return forms.URLField(
        label="Website address (optional)", required=False, max_length=300, assume_scheme="https"
    )


class PoundsField(forms.IntegerField):
    """Whole pounds, written as people write them: "£250,000" is 250000."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().removeprefix("£").replace(",", "").strip()
        return super().to_python(value)

    def prepare_value(self, value):
        return f"{value:,}" if isinstance(value, int) else value


def contract_value_field() -> PoundsField:
    return PoundsField(
        label="Largest contract it could take (£, optional)",
        required=False,
        min_value=0,
        help_text="In whole pounds, like 250,000",
    )


SERVICE_LABELS = {
    "name": "Service name",
    "description": "What the service does",
    "eligibility": "Who is eligible (optional)",
    "spare_capacity": "Spare capacity (optional)",
}


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label="Their email address",
        max_length=254,
        error_messages={
            "required": "Enter their email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
            "max_length": "Email address must be 254 characters or fewer",
        },
    )
    role = forms.ChoiceField(
        label="What can they do?",
        choices=[
            (Membership.Role.EDITOR, "Editor: can edit the organisation's profile"),
            (Membership.Role.ADMIN, "Admin: can also invite and remove members"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select what they can do"},
    )


class MembershipRoleForm(forms.Form):
    role = forms.ChoiceField(
        label="Role",
        choices=InvitationForm.base_fields["role"].choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select a role"},
    )
