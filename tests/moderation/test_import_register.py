"""The public registers' bulk files, read as their publishers ship them (samples written from
the publishers' field lists, in tests/moderation/register_samples), and what loading them does."""

import io
from datetime import date
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from directory.moderation.models import RegisterEntry
from directory.moderation.register_services import register_import
from directory.moderation.registers import RegisterFileError
from directory.moderation.selectors import moderation_queue
from directory.organisations.models import IncomeBand, LegalForm, Organisation
from tests.factories import OrganisationFactory, moderator_user

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).parent / "register_samples"
CCEW_TXT = SAMPLES / "publicextract.charity.txt"
CCEW_JSON = SAMPLES / "publicextract.charity.json"


def load(register: str, name: str, *args) -> str:
    out = io.StringIO()
    call_command(
        "import_register", register, str(SAMPLES / name), *args, stdout=out, stderr=io.StringIO()
    )
    return out.getvalue()


def entries(register: str) -> dict[str, RegisterEntry]:
    return {e.number: e for e in RegisterEntry.objects.filter(register=register)}


@pytest.mark.parametrize("name", [CCEW_TXT.name, CCEW_JSON.name])
def test_the_charity_commission_extract_is_read_as_published(taxonomies, name):
    output = load("ccew", name)

    assert "Records read: 4" in output and "Register data new: 4" in output
    ccew = entries("ccew")
    assert set(ccew) == {"226171", "1123456", "1123456-1", "217145"}
    nacro = ccew["226171"]
    assert (nacro.name, nacro.company_number, nacro.postcode) == ("NACRO", "00142552", "EC2M 4SQ")
    assert (nacro.address_line_1, nacro.address_line_2, nacro.town) == (
        "Walkden House",
        "16-17 Devonshire Square",
        "London",
    )
    assert nacro.latest_income == 58_512_000
    assert nacro.registered_on == date(1966, 6, 7)
    assert "CRIMINAL JUSTICE" in nacro.activities
    assert not nacro.is_removed
    assert "\x07" not in ccew["1123456"].activities
    removed = ccew["217145"]
    assert removed.is_removed and removed.removed_on == date(2019, 7, 15)


def test_a_removed_charity_is_flagged_hidden_from_search_and_queued(taxonomies, client):
    united = OrganisationFactory(
        name="United Charities", charity_number_ew="217145", status=Organisation.Status.PUBLISHED
    )
    nacro = OrganisationFactory(
        name="Nacro", charity_number_ew="226171", status=Organisation.Status.PUBLISHED
    )

    output = load("ccew", CCEW_TXT.name)

    assert "Flagged as removed from the register: 1" in output
    united.refresh_from_db()
    assert united.removed_from_register_on == date(2019, 7, 15)
    assert united.freshness_stage == Organisation.Freshness.HIDDEN
    nacro.refresh_from_db()
    assert nacro.removed_from_register_on is None
    profile = client.get(united.get_absolute_url()).content.decode()
    assert 'Removed from the register on <time datetime="2019-07-15">15 July 2019' in profile
    found = client.get(reverse("directory:organisation_list"))
    assert [o.pk for o in found.context["page_obj"]] == [nacro.pk]
    items, counts = moderation_queue()
    assert counts["removed"] == 1
    assert [item.title for item in items if item.kind == "removed"] == ["United Charities"]

    # Run again: nothing changes, nothing is flagged twice.
    again = load("ccew", CCEW_TXT.name)

    assert "Register data unchanged: 4" in again
    assert "Flagged as removed from the register: 0" in again
    assert united.history.count() == 2


def test_new_charities_are_added_as_unclaimed_drafts_only_when_asked(taxonomies):
    load("ccew", CCEW_TXT.name)
    assert not Organisation.objects.exists()

    output = load("ccew", CCEW_TXT.name, "--add-new")

    # Not the removed one.
    assert "Added as unclaimed drafts: 3" in output
    bridge = Organisation.objects.get(charity_number_ew="1123456")
    assert bridge.status == Organisation.Status.DRAFT and bridge.is_unclaimed
    assert (bridge.postcode, bridge.town, bridge.legal_form.slug) == ("M1 3HE", "Manchester", "cio")
    assert bridge.based_region.slug == "greater-manchester"
    assert bridge.income_band.slug == "10k-100k"
    nacro = Organisation.objects.get(charity_number_ew="226171")
    assert nacro.company_number == "00142552"
    assert nacro.legal_form.slug == "charitable-company"
    assert nacro.income_band.slug == "over-10m"
    assert Organisation.objects.get(charity_number_ew="1123456-1").is_unclaimed
    assert not Organisation.objects.filter(charity_number_ew="217145").exists()

    again = load("ccew", CCEW_TXT.name, "--add-new")

    assert "Added as unclaimed drafts: 0" in again
    assert Organisation.objects.count() == 3


def test_existing_entries_change_only_in_register_owned_fields(taxonomies):
    listed = OrganisationFactory(
        name="Nacro (our name)", charity_number_ew="226171", postcode="M1 1AE", summary="Ours"
    )

    load("ccew", CCEW_TXT.name, "--add-new")

    listed.refresh_from_db()
    assert (listed.name, listed.postcode, listed.summary) == ("Nacro (our name)", "M1 1AE", "Ours")
    assert Organisation.objects.filter(charity_number_ew="226171").count() == 1


def test_oscr_files_current_and_former(taxonomies):
    leith = OrganisationFactory(name="Leith Prison Visitors", charity_number_scotland="SC000999")

    load("oscr", "CharityExport-02-Dec-2026.csv")
    output = load("oscr", "CharityExport-Former-02-Dec-2026.csv")

    oscr = entries("oscr")
    glasgow = oscr["SC012345"]
    assert (glasgow.postcode, glasgow.town, glasgow.latest_income) == ("G1 1XQ", "Glasgow", 250000)
    assert glasgow.registered_on == date(1999, 5, 12)
    assert glasgow.activities == "To support people leaving custody in Glasgow."
    assert oscr["SC000999"].is_removed
    assert "Flagged as removed from the register: 1" in output
    leith.refresh_from_db()
    assert leith.removed_from_register_on == date(2024, 8, 14)


def test_ccni_export_with_its_numbers_sub_charities_and_windows_encoding(taxonomies):
    derry = OrganisationFactory(name="Derry", charity_number_ni="NIC100099")

    output = load("ccni", "ccni-register.csv", "--add-new")

    ccni = entries("ccni")
    assert set(ccni) == {"NIC100016", "NIC100099"}  # the sub-charity shares 100016
    belfast = ccni["NIC100016"]
    assert (belfast.postcode, belfast.town, belfast.company_number) == (
        "BT1 2GP",
        "Belfast",
        "NI612345",
    )
    assert belfast.latest_income == 120500
    assert ccni["NIC100099"].name == "Derry Prisoners' Families"
    assert ccni["NIC100099"].address_line_1 == "Café"
    assert "Added as unclaimed drafts: 1" in output
    derry.refresh_from_db()
    assert derry.removed_from_register_on == date.today()


def test_fca_mutuals_society_list(taxonomies):
    old_road = OrganisationFactory(name="Old Road Co-op", society_number="2876R")

    load("fca", "SocietyList.csv", "--add-new")

    fca = entries("fca")
    assert fca["31234R"].postcode == "BS1 4DJ"
    assert fca["31234R"].registered_on == date(2011, 9, 4)
    old_road.refresh_from_db()
    assert old_road.removed_from_register_on == date(2022, 6, 30)
    society = Organisation.objects.get(society_number="31234R")
    assert society.legal_form.slug == "society"


def test_companies_house_keeps_vcse_companies_and_flags_dissolved_ones(taxonomies):
    reach = OrganisationFactory(name="Reach Out", company_number="SC612345")
    OrganisationFactory(name="Old Road Trust", company_number="ZC000201")

    output = load("companies-house", "BasicCompanyData-2026-12-01-part1_7.csv")

    companies = entries("companies_house")
    # Not the private limited company: only VCSE kinds, and companies already listed.
    assert set(companies) == {"00142552", "SC612345", "ZC000201"}
    assert "Skipped (no number or name, or not a VCSE company): 1" in output
    assert companies["00142552"].town == "LONDON"
    reach.refresh_from_db()
    assert reach.removed_from_register_on == date(2025, 10, 2)


def test_a_file_from_another_register_is_refused(taxonomies):
    with pytest.raises(CommandError, match="not the register's file"):
        load("oscr", CCEW_TXT.name)
    with pytest.raises(RegisterFileError):
        register_import(register="fca", file=io.BytesIO(b"name,number\nA,1\n"))


def test_a_dry_run_writes_nothing(taxonomies):
    output = load("ccew", CCEW_TXT.name, "--dry-run", "--add-new")

    assert "Dry run" in output and "Added as unclaimed drafts: 3" in output
    assert not RegisterEntry.objects.exists()
    assert not Organisation.objects.exists()


def test_a_removed_organisation_is_shown_to_moderators(taxonomies, client):
    organisation = OrganisationFactory(charity_number_ew="217145")
    load("ccew", CCEW_TXT.name)
    client.force_login(moderator_user())

    page = client.get(reverse("moderation:queue")).content.decode()

    assert organisation.name in page
    assert "Removed from a register" in page


def test_registering_a_charity_on_the_register_fills_in_its_details(taxonomies, client):
    from tests.factories import UserFactory

    load("ccew", CCEW_TXT.name)
    client.force_login(UserFactory())
    start = {
        "name": "Nacro",
        "charity_number_ew": "226171",
        "company_number": "",
        "token": "2a4f2a7e-8d2c-4b55-9a57-5d0c2f5b6a11",
    }

    found = client.post(reverse("registration:new"), start)

    assert found.context["register_entry"].number == "226171"
    form = found.context["form"]
    assert form["name"].value() == "NACRO"
    assert form["postcode"].value() == "EC2M 4SQ"
    assert form["legal_form"].value() == LegalForm.objects.get(slug="charitable-company").pk
    assert form["income_band"].value() == IncomeBand.objects.get(slug="over-10m").pk
    assert not Organisation.objects.exists()

    confirmed = {name: form[name].value() or "" for name in form.fields} | {
        "name": "Nacro",
        "town": "London",
        "postcode": "not a postcode",
    }
    refused = client.post(reverse("registration:new"), confirmed)
    assert "Enter a real postcode" in refused.content.decode()
    assert refused.context["form"]["town"].value() == "London"

    client.post(reverse("registration:new"), confirmed | {"postcode": "EC2M 4SQ"})

    organisation = Organisation.objects.get()
    assert (organisation.name, organisation.town, organisation.postcode) == (
        "Nacro",
        "London",
        "EC2M 4SQ",
    )
    assert organisation.legal_form.slug == "charitable-company"
    client.force_login(moderator_user())
    review = client.get(reverse("moderation:organisation", kwargs={"org": organisation.uuid}))
    assert review.context["register_checks"][0][2].name == "NACRO"
    assert "Matches the register" in review.content.decode()


def test_a_number_not_on_the_loaded_register_is_marked_for_moderators(taxonomies, client):
    load("ccew", CCEW_TXT.name)
    organisation = OrganisationFactory(charity_number_ew="1199999")
    client.force_login(moderator_user())

    review = client.get(reverse("moderation:organisation", kwargs={"org": organisation.uuid}))

    assert "Not on the register" in review.content.decode()
