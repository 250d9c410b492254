import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from directory import validators
from directory.models import EvidenceItem
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
            ["SC012345", "sc 012345"],
            ["SC01234", "012345", "NIC100001"],
        ),
        (
            validators.validate_charity_number_ni,
            ["NIC100123", "nic100123"],
            ["NI100123", "NIC10012", "1123456"],
        ),
        (
            validators.validate_company_number,
            ["01234567", "1234567", "SC123456", "oc301234", "NI 612345"],
            ["123456789", "XX123456", "SC12345", "ABCDEFGH"],
        ),
        (
            validators.validate_society_number,
            ["31234R", "7654", "IP12345R"],
            ["R31234", "1234567", "ABC"],
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
