"""Forms of the bulk import: a CSV row's fields (the registration forms' rules) and the upload."""

from functools import partial

from django import forms

from directory.organisations import forms as organisation_forms
from directory.organisations.forms import GovukFormMixin
from directory.organisations.models import (
    CONTACT_FIELDS,
    REGISTRATION_NUMBER_FIELDS,
    Organisation,
    Service,
)


class FieldRulesOnlyMixin:
    """Checks a row by its fields' rules, without asking the database about the model's check
    constraints: those on a row's fields repeat the fields' own rules (a name on one line, a
    year from 1800), and Django checks each in a savepoint, three round trips, which were six
    of the seven statements an imported row took. The database still enforces them."""

    def _post_clean(self):
        full_clean = self.instance.full_clean
        self.instance.full_clean = partial(full_clean, validate_constraints=False)
        try:
            super()._post_clean()
        finally:
            del self.instance.full_clean


class ImportOrganisationForm(FieldRulesOnlyMixin, GovukFormMixin, forms.ModelForm):
    """An organisation's own fields from one CSV row, checked as the registration forms check
    them (taxonomy columns are matched by the importer, which knows every term already)."""

    website = organisation_forms.website_field()

    def clean_name(self):
        return organisation_forms.organisation_name_normalised(self.cleaned_data["name"])

    def clean_year_founded(self):
        return organisation_forms.year_founded_checked(self.cleaned_data["year_founded"])

    class Meta:
        model = Organisation
        fields = [
            "name",
            *REGISTRATION_NUMBER_FIELDS,
            "year_founded",
            "summary",
            "description",
            *CONTACT_FIELDS,
            "staff_count",
            "volunteer_count",
            "people_supported_per_year",
            "partnership_notes",
        ]
        labels = {"name": "Organisation name"}

    required_messages = {"name": "Enter the organisation's name"}


class ImportServiceForm(FieldRulesOnlyMixin, GovukFormMixin, forms.ModelForm):
    """A service's own fields from one CSV row, with the service form's rules."""

    largest_contract_value = organisation_forms.contract_value_field()

    class Meta:
        model = Service
        fields = ["name", "description", "eligibility", "spare_capacity", "largest_contract_value"]
        labels = organisation_forms.SERVICE_LABELS

    required_messages = {"name": "Enter the service's name"}


class ImportUploadForm(GovukFormMixin, forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="UTF-8 CSV with the columns described in the import guide",
        error_messages={"required": "Select a CSV file", "empty": "The selected file is empty"},
    )
    all_or_nothing = forms.BooleanField(
        label="Import nothing if any row is rejected", required=False
    )
    strict = forms.BooleanField(
        label="Reject a row for any bad cell",
        help_text="Otherwise a bad optional cell (a website, a postcode) is left out and the "
        "report lists it",
        required=False,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".csv"):
            raise forms.ValidationError("The selected file must be a CSV")
        return upload
