"""Names, titles and subjects stay on one line, however they arrive."""

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction

from accounts.fields import one_line
from accounts.forms import SignupForm
from tests.factories import (
    ConsortiumFactory,
    ContactMessageFactory,
    OpportunityFactory,
    OrganisationFactory,
    ShortlistFactory,
    UserFactory,
)

ONE_LINE_FIELDS = [
    ("directory.Organisation", "name"),
    ("directory.Service", "name"),
    ("directory.EvidenceItem", "title"),
    ("shortlists.Shortlist", "name"),
    ("search.SavedSearch", "name"),
    ("consortia.Opportunity", "title"),
    ("consortia.Consortium", "name"),
    ("accounts.User", "full_name"),
    ("accounts.CommissionerProfile", "body_name"),
]
HOSTILE = "Second Chances\r\nBcc: everyone@example.org\x00\x1b[31m\u2028\u202eTrust\t "
ON_ONE_LINE = "Second Chances Bcc: everyone@example.org [31m Trust"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  Second   Chances  ", "Second Chances"),
        ("Second\nChances", "Second Chances"),
        ("Second\r\nChances", "Second Chances"),
        ("Second\x85\x0b\x0c\u2028\u2029Chances", "Second Chances"),
        ("Second\x00\x07Chances", "Second Chances"),
        ("\u202eTrust", "Trust"),
        ("Café – Ffordd Newydd 👩‍👧", "Café – Ffordd Newydd 👩‍👧"),  # letters and emoji kept
    ],
)
def test_one_line(value, expected):
    assert one_line(value) == expected


@pytest.mark.parametrize(("model", "field"), ONE_LINE_FIELDS)
def test_every_form_and_every_full_clean_puts_the_field_on_one_line(model, field):
    model_field = apps.get_model(model)._meta.get_field(field)
    assert model_field.formfield().clean(HOSTILE) == ON_ONE_LINE  # forms, imports
    assert model_field.clean(HOSTILE, None) == ON_ONE_LINE  # full_clean in every service


@pytest.mark.parametrize("field", ["full_name", "body_name"])
def test_the_sign_up_form_puts_names_on_one_line(field):
    """Its own fields, not the models': the account is made by allauth, not a ModelForm."""
    assert SignupForm.base_fields[field].clean(HOSTILE) == ON_ONE_LINE


@pytest.mark.django_db
def test_even_a_queryset_update_writes_one_line():
    """The field prepares every value it writes (save, update, bulk_create) the same way."""
    organisation = OrganisationFactory()
    type(organisation).objects.filter(pk=organisation.pk).update(name=HOSTILE)
    organisation.refresh_from_db()
    assert organisation.name == ON_ONE_LINE


# Every field that goes into an email header (a subject), and the factory of its model.
HEADER_FIELDS = {
    "organisation name": (OrganisationFactory, "name"),
    "opportunity title": (OpportunityFactory, "title"),
    "consortium name": (ConsortiumFactory, "name"),
    "shortlist name": (ShortlistFactory, "name"),
    "person's name": (UserFactory, "full_name"),
    "contact message subject": (ContactMessageFactory, "subject"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("line_break", ["\n", "\r"], ids=["LF", "CR"])
@pytest.mark.parametrize(("factory", "field"), HEADER_FIELDS.values(), ids=HEADER_FIELDS.keys())
def test_the_database_refuses_a_line_break_in_a_field_that_goes_into_an_email_header(
    factory, field, line_break
):
    """Whatever writes to it, past the forms and the field's own normalising."""
    instance = factory()
    table = instance._meta.db_table
    column = instance._meta.get_field(field).column
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {column} = %s WHERE id = %s",
            [f"Second{line_break}Chances", instance.pk],
        )
