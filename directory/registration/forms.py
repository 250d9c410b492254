"""Forms of the registration flow, rendered with crispy-forms' GOV.UK template pack.

Every form that changes an organisation carries the organisation's `version` as a hidden
field, so a save from a stale page is refused instead of overwriting someone else's changes.
"""

from crispy_forms_gds.choices import Choice
from crispy_forms_gds.layout import ConditionalQuestion, ConditionalRadios, Field, Layout
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from directory.moderation.models import ClaimRequest
from directory.organisations import models as organisation_models
from directory.organisations import validators
from directory.organisations.forms import (
    SERVICE_LABELS,
    GovukFormMixin,
    contract_value_field,
    organisation_name_normalised,
    website_field,
    year_founded_checked,
)
from directory.organisations.models import (
    SUBMISSION_MESSAGE_LENGTH,
    EvidenceItem,
    Organisation,
)
from directory.organisations.uploads import check_pdf_upload

YES_NO = [(True, "Yes"), (False, "No")]
SUMMARY_LENGTH = Organisation._meta.get_field("summary").max_length


def yes_no_field(label: str, required_message: str, help_text: str = "") -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        help_text=help_text,
        choices=YES_NO,
        coerce=lambda value: value in (True, "True"),
        widget=forms.RadioSelect,
        error_messages={"required": required_message},
    )


def checkboxes_field(model, label: str, *, required_message: str = "", help_text: str = ""):
    return forms.ModelMultipleChoiceField(
        queryset=model.objects.all(),
        label=label,
        help_text=help_text,
        required=bool(required_message),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": required_message},
    )


class VersionForm(GovukFormMixin, forms.Form):
    """Only the version: for actions on a page without other fields (complete, remove, submit)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, organisation: Organisation, **kwargs):
        kwargs.setdefault("initial", {})["version"] = organisation.version
        super().__init__(*args, **kwargs)


class SubmitForm(VersionForm):
    """Sending for review, with an optional message to the moderators."""

    # What stops the sending (an unconfirmed email, a section to complete) is said under the
    # heading of this part of the page, not at the optional message.
    non_field_errors_href = "#submit"

    submission_message = forms.CharField(
        label="Message to the moderators (optional)",
        required=False,
        max_length=SUBMISSION_MESSAGE_LENGTH,
        widget=forms.Textarea,
        help_text="For example, anything that helps them check your answers.",
    )

    def __init__(self, *args, sent_back: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if sent_back:
            self.fields["submission_message"].help_text = (
                "For example, what you changed after their message, or why you left something "
                "as it was."
            )
        # GOV.UK's character count says how many are left or too many; a maxlength would
        # silently stop the typing instead (the length is still checked on the server).
        self.fields["submission_message"].widget.attrs.pop("maxlength", None)
        self.helper.layout = Layout(
            Field.textarea("submission_message", rows=5, max_characters=SUBMISSION_MESSAGE_LENGTH),
            "version",
        )


class VersionedModelForm(GovukFormMixin, forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, organisation: Organisation, **kwargs):
        kwargs.setdefault("initial", {})["version"] = organisation.version
        self.organisation = organisation
        super().__init__(*args, **kwargs)

    def m2m_data(self) -> dict:
        """The many-to-many values, for services to `.set()` (so history records them)."""
        return {
            name: self.cleaned_data[name]
            for name, field in self.fields.items()
            if isinstance(field, forms.ModelMultipleChoiceField)
        }


# --- Starting a registration ---


class StartForm(GovukFormMixin, forms.Form):
    name = forms.CharField(label="Organisation name", max_length=200)
    charity_number_ew = forms.CharField(
        label="Charity number (England and Wales)",
        required=False,
        max_length=12,
        help_text="Leave blank if you are not a registered charity",
        validators=[validators.validate_charity_number_ew],
    )
    company_number = forms.CharField(
        label="Company number",
        required=False,
        max_length=12,
        help_text="Leave blank if you are not a registered company",
        validators=[validators.validate_company_number],
    )
    token = forms.UUIDField(widget=forms.HiddenInput)
    confirmed_not_duplicate = forms.BooleanField(widget=forms.HiddenInput, required=False)

    required_messages = {"name": "Enter the organisation's name"}

    def clean_name(self):
        return organisation_name_normalised(self.cleaned_data["name"])

    def clean_charity_number_ew(self):
        return validators.normalise_charity_number_ew(self.cleaned_data["charity_number_ew"])

    def clean_company_number(self):
        number = self.cleaned_data["company_number"]
        return validators.normalise_company_number(number) if number else ""


class RegisterDetailsForm(StartForm):
    """The start form once the charity's or company's register entry is found: what the
    register says, filled in for the person registering to confirm or correct."""

    address_line_1 = forms.CharField(label="Address line 1", max_length=200, required=False)
    address_line_2 = forms.CharField(label="Address line 2", max_length=200, required=False)
    town = forms.CharField(label="Town or city", max_length=100, required=False)
    postcode = forms.CharField(
        label="Postcode", max_length=10, required=False, validators=[validators.validate_postcode]
    )
    legal_form = forms.ModelChoiceField(
        queryset=organisation_models.LegalForm.objects.all(), label="Legal form", required=False
    )
    income_band = forms.ModelChoiceField(
        queryset=organisation_models.IncomeBand.objects.all(), label="Annual income", required=False
    )
    from_register = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean_postcode(self):
        postcode = self.cleaned_data["postcode"]
        return validators.normalise_postcode(postcode) if postcode else ""


class ClaimRequestForm(GovukFormMixin, forms.ModelForm):
    class Meta:
        model = ClaimRequest
        fields = ["message"]
        labels = {"message": "Tell the organisation's admins who you are (optional)"}
        help_texts = {"message": "For example, your job title and how you work with them"}


class ClaimDecisionForm(GovukFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label="Decision",
        choices=[("approve", "Approve"), ("decline", "Decline")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select approve or decline"},
    )


# --- About the organisation ---


class AboutNameForm(VersionedModelForm):
    legal_form = forms.ModelChoiceField(
        queryset=organisation_models.LegalForm.objects.all(),
        label="Legal form",
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": "Select the organisation's legal form"},
    )
    year_founded = forms.IntegerField(label="Year founded", required=False)

    class Meta:
        model = Organisation
        fields = ["name", "legal_form", "year_founded"]
        labels = {"name": "Organisation name"}

    required_messages = {"name": "Enter the organisation's name"}

    def clean_year_founded(self):
        return year_founded_checked(self.cleaned_data["year_founded"])


class RegistrationNumbersForm(VersionedModelForm):
    class Meta:
        model = Organisation
        fields = organisation_models.REGISTRATION_NUMBER_FIELDS
        help_texts = {
            "charity_number_ew": "For example, 1123456",
            "charity_number_scotland": "For example, SC012345",
            "charity_number_ni": "For example, NIC100123",
            "company_number": "Companies House number, for example 01234567 or SC123456",
            "society_number": (
                "For co-operatives and community benefit societies, for example 31234R"
            ),
        }


class ContactForm(VersionedModelForm):
    website = website_field()

    class Meta:
        model = Organisation
        fields = organisation_models.CONTACT_FIELDS
        labels = {
            "email": "Public contact email address",
            "phone": "Public contact telephone number (optional)",
            "address_line_1": "Address line 1",
            "address_line_2": "Address line 2 (optional)",
            "town": "Town or city",
        }

    required_messages = {
        "email": "Enter a contact email address",
        "address_line_1": "Enter address line 1, typically the building and street",
        "town": "Enter the town or city",
        "postcode": "Enter the postcode",
    }


class WhatYouDoForm(VersionedModelForm):
    class Meta:
        model = Organisation
        fields = ["summary", "description"]
        labels = {"summary": "Summary", "description": "Description"}
        help_texts = {
            "summary": "One or two sentences shown in search results",
            "description": "What you do, who for, where and how",
        }
        widgets = {"summary": forms.Textarea(attrs={"rows": 3})}

    required_messages = {
        "summary": "Enter a summary of what the organisation does",
        "description": "Enter a description of what the organisation does",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # GOV.UK's character count says how many are left or too many; a maxlength would
        # silently stop the typing instead (the length is still checked on the server).
        self.fields["summary"].widget.attrs.pop("maxlength", None)
        self.helper.layout = Layout(
            Field.textarea("summary", rows=3, max_characters=SUMMARY_LENGTH),
            "description",
            "version",
        )


def _leave_unanswered_until_saved(form: VersionedModelForm, section: str, name: str) -> None:
    """Select neither answer of a yes/no question whose section was never saved: the model's
    default is not the organisation's answer (GOV.UK: do not pre-select radios)."""
    if section not in form.organisation.completed_sections:
        form.initial[name] = None


class SizeForm(VersionedModelForm):
    income_band = forms.ModelChoiceField(
        queryset=organisation_models.IncomeBand.objects.all(),
        label="Annual income",
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": "Select the organisation's annual income"},
    )
    lived_experience_led = yes_no_field(
        "Is the organisation led by people with lived experience of the justice system?",
        "Select yes if the organisation is led by people with lived experience",
    )

    class Meta:
        model = Organisation
        fields = [
            "income_band",
            "staff_count",
            "volunteer_count",
            "people_supported_per_year",
            "lived_experience_led",
        ]
        labels = {
            "staff_count": "Number of paid staff",
            "volunteer_count": "Number of volunteers",
            "people_supported_per_year": "People supported a year",
        }

    required_messages = {
        "staff_count": "Enter the number of paid staff",
        "volunteer_count": "Enter the number of volunteers",
        "people_supported_per_year": "Enter the number of people supported a year",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _leave_unanswered_until_saved(self, "size", "lived_experience_led")


class QualityMarksForm(VersionedModelForm):
    quality_marks = checkboxes_field(
        organisation_models.QualityMark,
        "Quality marks held",
        help_text="Select all that apply, or none",
    )

    class Meta:
        model = Organisation
        fields = ["quality_marks"]


class PartnershipForm(VersionedModelForm):
    open_to_partnership = yes_no_field(
        "Are you interested in partnerships or consortia?",
        "Select yes if you are interested in partnerships",
    )
    partnership_roles = checkboxes_field(
        organisation_models.PartnershipRole,
        "Which roles would you take in a partnership?",
        help_text="Select all that apply",
    )

    class Meta:
        model = Organisation
        fields = ["open_to_partnership", "partnership_roles", "partnership_notes"]
        labels = {"partnership_notes": "What you want from partners (optional)"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _leave_unanswered_until_saved(self, "partnership", "open_to_partnership")
        # The roles and wishes are asked for beneath "Yes" (shown there without JavaScript).
        self.helper.layout = Layout(
            ConditionalRadios(
                "open_to_partnership",
                ConditionalQuestion("Yes", "partnership_roles", "partnership_notes"),
                "No",
            ),
            "version",
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("open_to_partnership") and not cleaned.get("partnership_roles"):
            self.add_error("partnership_roles", "Select the roles you would take in a partnership")
        elif cleaned.get("open_to_partnership") is False:
            # Answers beneath "Yes" mean nothing after "No", and are not kept.
            cleaned["partnership_roles"] = organisation_models.PartnershipRole.objects.none()
            cleaned["partnership_notes"] = ""
        return cleaned


# --- Services, their delivery locations, evidence ---


class ServiceForm(VersionedModelForm):
    pathways = checkboxes_field(
        organisation_models.Pathway, "Pathways", required_message="Select at least one pathway"
    )
    client_groups = checkboxes_field(
        organisation_models.ClientGroup, "Who the service is for", help_text="Select all that apply"
    )
    settings = checkboxes_field(
        organisation_models.DeliverySetting, "Settings", help_text="Select all that apply"
    )
    regions = checkboxes_field(
        organisation_models.Region, "Regions served", required_message="Select at least one region"
    )
    accepting_referrals = yes_no_field(
        "Is the service accepting referrals?", "Select yes if the service is accepting referrals"
    )
    largest_contract_value = contract_value_field()

    class Meta:
        model = organisation_models.Service
        fields = organisation_models.SERVICE_PROFILE_FIELDS
        labels = SERVICE_LABELS
        help_texts = {"spare_capacity": "For example, 10 places a month"}

    required_messages = {
        "name": "Enter the service's name",
        "description": "Enter what the service does",
    }


class DeliveryLocationForm(VersionedModelForm):
    PUBLISHED, CONFIDENTIAL = "Publish the address", "Keep the address confidential"
    confidential = forms.TypedChoiceField(
        label="Can the address be published?",
        help_text=(
            "Keep it confidential where publishing it could put people at risk: a refuge, "
            "women's housing or approved premises, for example. We then publish only the town "
            "and postcode district, like “Leeds, LS7”, never the name or address, and measure "
            "distances from the centre of the district."
        ),
        choices=[(False, PUBLISHED), (True, CONFIDENTIAL)],
        coerce=lambda value: value in (True, "True"),
        widget=forms.RadioSelect,
        # Unanswered (the published answer is selected at first), an address is published.
        required=False,
        empty_value=False,
    )

    class Meta:
        model = organisation_models.DeliveryLocation
        fields = ["name", "confidential", "address", "postcode"]
        labels = {"name": "Location name", "address": "Address (optional)"}
        help_texts = {
            "name": "Only you and the moderators see the name of a confidential address",
            "postcode": (
                "A full postcode in England or Wales. For a confidential address the postcode "
                "district, like LS7, is enough: we keep nothing more precise"
            ),
        }

    required_messages = {
        "name": "Enter the location's name",
        "postcode": "Enter the location's postcode",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.layout = Layout(
            "name",
            ConditionalRadios(
                "confidential", ConditionalQuestion(self.PUBLISHED, "address"), self.CONFIDENTIAL
            ),
            "postcode",
            "version",
        )


class EvidenceForm(VersionedModelForm):
    kind = forms.ChoiceField(
        label="Kind of evidence",
        choices=EvidenceItem.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the kind of evidence"},
    )
    nesta_level = forms.TypedChoiceField(
        label="Nesta standard of evidence level",
        choices=[
            Choice(level, f"Level {level}", hint=meaning)
            for level, meaning in organisation_models.NESTA_LEVELS.items()
        ],
        coerce=int,
        widget=forms.RadioSelect,
        help_text="How strongly this evidence shows that your work makes a difference",
        error_messages={"required": "Select the Nesta standard of evidence level"},
    )
    year = forms.IntegerField(label="Year", error_messages={"required": "Enter the year"})
    document = forms.FileField(
        label="Upload a report (optional)",
        required=False,
        help_text="A PDF, up to 10MB",
        widget=forms.FileInput(attrs={"accept": "application/pdf,.pdf"}),
    )
    jdl_significant = forms.TypedChoiceField(
        label="Was the result statistically significant?",
        choices=[(True, "Yes"), (False, "No")],
        coerce=lambda value: value in (True, "True"),
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )

    url = forms.URLField(
        label="Link to the evidence (optional)",
        required=False,
        max_length=500,
        assume_scheme="https",
    )

    jdl_fields = ["jdl_cohort_size", "jdl_cohort_rate", "jdl_comparison_rate", "jdl_significant"]

    class Meta:
        model = EvidenceItem
        fields = organisation_models.EVIDENCE_FIELDS
        labels = {
            "title": "Title",
            "summary": "Summary of the findings",
            "outcomes_measured": "Outcomes measured (optional)",
            "jdl_cohort_size": "Cohort size",
            "jdl_cohort_rate": "One-year proven reoffending rate of the people supported (%)",
            "jdl_comparison_rate": "One-year proven reoffending rate of the comparison group (%)",
        }

    required_messages = {
        "title": "Enter the title of the evidence",
        "summary": "Enter a summary of the findings",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The figures are revealed beneath "Justice Data Lab report" (shown there without
        # JavaScript), and asked for only for such a report.
        jdl, *others = EvidenceItem.Kind.labels
        self.helper.layout = Layout(
            ConditionalRadios("kind", ConditionalQuestion(jdl, *self.jdl_fields), *others),
            *[name for name in self.Meta.fields if name not in ["kind", *self.jdl_fields]],
            "version",
        )

    def clean_year(self):
        year = self.cleaned_data["year"]
        this_year = timezone.localdate().year
        if not 1990 <= year <= this_year:
            raise ValidationError(f"Year must be between 1990 and {this_year}")
        return year

    def clean_document(self):
        document = self.cleaned_data["document"]
        if isinstance(document, UploadedFile):
            check_pdf_upload(document, max_bytes=settings.EVIDENCE_MAX_UPLOAD_BYTES)
        return document

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == EvidenceItem.Kind.JUSTICE_DATA_LAB:
            for name, message in [
                ("jdl_cohort_size", "Enter the cohort size"),
                ("jdl_cohort_rate", "Enter the reoffending rate of the people supported"),
                ("jdl_comparison_rate", "Enter the reoffending rate of the comparison group"),
            ]:
                if cleaned.get(name) is None and name not in self.errors:
                    self.add_error(name, message)
        elif cleaned.get("kind"):
            # Figures that only mean something for a Justice Data Lab report are not kept.
            for name in self.jdl_fields:
                cleaned[name] = None
        return cleaned
