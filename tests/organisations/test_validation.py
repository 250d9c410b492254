from uuid import uuid4

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from directory.organisations import validators
from directory.organisations.models import EvidenceItem
from tests.factories import EvidenceItemFactory, OrganisationFactory


@pytest.mark.parametrize("number", ["1123456", "226227", " 1123456 "])
def test_good_charity_numbers_england_and_wales(number):
    validators.validate_charity_number_ew(number)


@pytest.mark.parametrize("number", ["", "12345", "12345678", "SC012345", "11234a6", "1123456-1x"])
def test_bad_charity_numbers_england_and_wales(number):
    with pytest.raises(ValidationError):
        validators.validate_charity_number_ew(number)


@pytest.mark.parametrize(
    "validator,good,bad",
    [
        (
            validators.validate_charity_number_scotland,
            ["SC012345", "sc 012345", "SC12345"],
            ["SC0123456", "012345", "NIC100001"],
        ),
        (
            validators.validate_charity_number_ni,
            ["NIC100123", "nic100123", "NI100123", "100123", "NIC 100123"],
            ["NIC1001234", "SC100123", "1123456", "N100123"],
        ),
        (
            validators.validate_company_number,
            ["01234567", "1234567", "SC123456", "oc301234", "NI 612345", "SC12345", "ZC000201"]
            + [f"{prefix}000123" for prefix in validators.COMPANY_PREFIXES],
            ["123456789", "XX123456", "SC1234567", "ABCDEFGH", "RX123456", "SC"],
        ),
        (
            validators.validate_society_number,
            ["31234R", "7654", "IP12345R", "RS007654", "1234C", "123F"],
            ["R31234", "12345678", "ABC", "31234X"],
        ),
        (
            validators.validate_postcode,
            ["SW1A 1AA", "m11ae", "B33 8TH", "cr2 6xh", "DN55 1PT", "EC1A 1BB"],
            ["", "SW1A", "12345", "M1 1AEX", "Q1 1AA", "HELLO WORLD"],
        ),
        (
            validators.validate_uk_phone,
            ["0113 496 0123", "+44 20 7946 0123", "(029) 2018 0123"],
            ["123", "0113 496 01234567", "not a phone"],
        ),
    ],
)
def test_registration_number_and_contact_formats(validator, good, bad):
    for value in good:
        validator(value)
    for value in bad:
        with pytest.raises(ValidationError):
            validator(value)


@pytest.mark.parametrize(
    ("normalise", "written", "stored"),
    [
        (validators.normalise_charity_number_ni, "NI100016", "NIC100016"),
        (validators.normalise_charity_number_ni, "100016", "NIC100016"),
        (validators.normalise_charity_number_ni, "nic 100016", "NIC100016"),
        (validators.normalise_charity_number_scotland, "sc12345", "SC012345"),
        (validators.normalise_charity_number_ew, "1123456-1", "1123456-1"),
        (validators.normalise_charity_number_ew, "1123456 / 01", "1123456-1"),
        (validators.normalise_charity_number_ew, "1123456-0", "1123456"),
        (validators.normalise_charity_number_ew, " 226 171 ", "226171"),
        (validators.normalise_company_number, "sc 12345", "SC012345"),
        (validators.normalise_company_number, "142552", "00142552"),
        (validators.normalise_company_number, "R0000123", "R0000123"),
    ],
)
def test_numbers_are_stored_in_the_registers_own_form(normalise, written, stored):
    assert normalise(written) == stored


def test_company_numbers_are_padded_and_postcodes_spaced():
    assert validators.normalise_company_number("1234567") == "01234567"
    assert validators.normalise_postcode("sw1a1aa") == "SW1A 1AA"


@pytest.mark.django_db
def test_full_clean_normalises_and_rejects_bad_fields():
    organisation = OrganisationFactory.build(
        legal_form=None, postcode="m11ae", company_number="1234567", charity_number_ew=""
    )
    organisation.full_clean(exclude=["slug"])
    assert organisation.postcode == "M1 1AE"
    assert organisation.company_number == "01234567"

    organisation.website = "not a url"
    organisation.email = "nobody@"
    organisation.postcode = "M1"
    with pytest.raises(ValidationError) as error:
        organisation.full_clean(exclude=["slug"])
    assert set(error.value.message_dict) == {"website", "email", "postcode"}


@pytest.mark.django_db
def test_slug_is_generated_and_unique():
    first = OrganisationFactory(name="Open Door Mentoring", slug="")
    second = OrganisationFactory(name="Open Door Mentoring", slug="")
    assert first.slug == "open-door-mentoring"
    assert second.slug == "open-door-mentoring-2"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fields",
    [
        {"nesta_level": 0},
        {"nesta_level": 6},
        {"kind": EvidenceItem.Kind.CASE_STUDY, "jdl_cohort_rate": "20.0"},
        {"kind": EvidenceItem.Kind.JUSTICE_DATA_LAB, "jdl_cohort_rate": "120.0"},
    ],
)
def test_evidence_invariants_are_enforced_by_the_database(fields):
    with pytest.raises(IntegrityError):
        EvidenceItemFactory(**fields)


def test_forms_take_control_characters_out_of_every_text():
    from directory.registration.forms import StartForm

    form = StartForm(
        data={"name": "Bell\x07 Trust\x1b", "charity_number_ew": "226171\x00", "token": uuid4()}
    )

    assert form.is_valid(), form.errors
    assert form.cleaned_data["name"] == "Bell Trust"
    assert form.cleaned_data["charity_number_ew"] == "226171"


@pytest.mark.django_db
def test_forms_keep_line_feeds_so_an_unaltered_text_is_not_a_change():
    """Browsers send CRLF; a description kept with LF and saved as it was must not change."""
    from directory.registration.forms import WhatYouDoForm

    organisation = OrganisationFactory(description="First line.\nSecond line.")
    form = WhatYouDoForm(
        data={
            "summary": organisation.summary,
            "description": "First line.\r\nSecond line.",
            "version": organisation.version,
        },
        instance=organisation,
        organisation=organisation,
    )

    assert form.is_valid(), form.errors
    assert "description" not in form.changed_data
    assert form.cleaned_data["description"] == "First line.\nSecond line."
