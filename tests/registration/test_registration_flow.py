"""The registration flow: start, duplicate check, each section, task list, check answers, submit."""

import html
import uuid

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.models import Membership
from directory.organisations.models import (
    IncomeBand,
    LegalForm,
    Organisation,
    PartnershipRole,
    QualityMark,
)
from directory.registration import selectors as registration_selectors
from directory.registration.selectors import normalise_organisation_name
from tests.factories import (
    OrganisationFactory,
    ServiceFactory,
    UserFactory,
    VerifiedEmailAddressFactory,
)
from tests.registration.registration_helpers import (
    current_version,
    draft_with_admin,
    errors_of,
    step_url,
    url,
)

pytestmark = pytest.mark.django_db

STALE_MESSAGE = "Someone else saved changes to this organisation"


@pytest.fixture
def admin_client(client, taxonomies):
    organisation, user = draft_with_admin(name="Harbour Women's Centre")
    client.force_login(user)
    client.organisation, client.user = organisation, user
    return client


def start_data(**overrides):
    return {
        "name": "Brightside Recovery",
        "charity_number_ew": "",
        "company_number": "",
        "token": str(uuid.uuid4()),
        **overrides,
    }


# --- Start and duplicate check ---


def test_start_page_needs_sign_in(client):
    response = client.get(reverse("registration:start"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_start_page_lists_your_organisations(admin_client):
    OrganisationFactory(name="Somebody Else's Trust")
    response = admin_client.get(reverse("registration:start"))
    assert b"Harbour Women&#x27;s Centre" in response.content
    assert b"Somebody Else" not in response.content


def test_starting_creates_a_draft_with_you_as_admin(client, taxonomies):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("registration:new"), start_data(charity_number_ew="1 123 456"))
    organisation = Organisation.objects.get(name="Brightside Recovery")
    assert response.status_code == 302
    assert response["Location"] == url("task_list", organisation)
    assert organisation.status == Organisation.Status.DRAFT
    assert organisation.charity_number_ew == "1123456"
    assert Membership.objects.get(organisation=organisation).user == user
    assert Membership.objects.get(organisation=organisation).role == Membership.Role.ADMIN
    assert organisation.history.first().history_user == user


def test_name_step_puts_the_name_on_one_line(admin_client, mailoutbox):
    """A line break in a name made every email about the organisation unsendable."""
    organisation = admin_client.organisation
    admin_client.post(
        step_url(organisation, "name"),
        name_data(organisation, name="Harbour\r\nBcc: everyone@example.org\u2028Trust"),
    )
    organisation.refresh_from_db()
    assert organisation.name == "Harbour Bcc: everyone@example.org Trust"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": ""}, "name", "Enter the organisation's name"),
        ({"name": "   "}, "name", "Enter the organisation's name"),
        ({"name": "x" * 201}, "name", "Organisation name must be 200 characters or fewer"),
        ({"charity_number_ew": "12AB"}, "charity_number_ew", "Enter a charity number"),
        ({"company_number": "ZZ123456"}, "company_number", "Enter a company number"),
        ({"company_number": "1" * 13}, "company_number", "Company number must be 12 characters"),
    ],
)
def test_start_refuses_bad_input(client, overrides, field, message):
    client.force_login(UserFactory())
    data = start_data(**overrides)
    response = client.post(reverse("registration:new"), data)
    assert response.status_code == 200
    assert message in " ".join(errors_of(response)[field])
    assert b"govuk-error-summary" in response.content
    assert response.context["form"]["charity_number_ew"].value() == data["charity_number_ew"]
    assert not Organisation.objects.exists()


def test_start_posted_twice_creates_one_draft(client):
    client.force_login(UserFactory())
    data = start_data()
    first = client.post(reverse("registration:new"), data)
    second = client.post(reverse("registration:new"), data)
    assert Organisation.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_same_charity_number_offers_join_or_claim(client):
    listed = OrganisationFactory(name="Totally Different Name", charity_number_ew="1123456")
    client.force_login(UserFactory())
    response = client.post(reverse("registration:new"), start_data(charity_number_ew="1123456"))
    assert response.status_code == 200
    assert response.context["duplicates"] == [listed]
    content = response.content.decode()
    assert reverse("registration:claim", kwargs={"org": listed.uuid, "kind": "join"}) in content
    assert reverse("registration:claim", kwargs={"org": listed.uuid, "kind": "claim"}) in content
    assert Organisation.objects.count() == 1


def test_same_company_number_is_a_duplicate(client):
    listed = OrganisationFactory(name="Other", company_number="01234567")
    client.force_login(UserFactory())
    response = client.post(reverse("registration:new"), start_data(company_number="1234567"))
    assert response.context["duplicates"] == [listed]


@pytest.mark.parametrize(
    "name", ["The Brightside Recovery Ltd", "BRIGHTSIDE RECOVERY C.I.C.", "Brightside Recovry"]
)
def test_very_similar_name_is_a_duplicate(client, name):
    listed = OrganisationFactory(name="Brightside Recovery CIC")
    client.force_login(UserFactory())
    response = client.post(reverse("registration:new"), start_data(name=name))
    assert response.context["duplicates"] == [listed]


def test_a_similar_name_is_found_among_many_comparing_only_a_few(monkeypatch):
    for n in range(80):
        OrganisationFactory(name=f"Harbour Trust {n:02d}")
    listed = OrganisationFactory(name="The Harbour Light Ltd")
    compared = []

    def counting(name):
        compared.append(name)
        return normalise_organisation_name(name)

    monkeypatch.setattr(registration_selectors, "normalise_organisation_name", counting)
    duplicates = registration_selectors.organisation_duplicates(name="Harbor Light")
    assert duplicates == [listed]
    # The name asked about, then at most the bounded number of listed names.
    assert len(compared) <= 1 + registration_selectors.SIMILAR_NAME_CANDIDATES


def test_drafts_and_different_names_are_not_duplicates(client):
    OrganisationFactory(name="Brightside Recovery", status=Organisation.Status.DRAFT)
    OrganisationFactory(name="Harbour Women's Centre")
    client.force_login(UserFactory())
    response = client.post(reverse("registration:new"), start_data())
    assert response.status_code == 302


def test_confirming_not_a_duplicate_creates_the_draft(client):
    OrganisationFactory(name="Brightside Recovery")
    client.force_login(UserFactory())
    response = client.post(reverse("registration:new"), start_data(confirmed_not_duplicate="on"))
    assert response.status_code == 302
    assert Organisation.objects.filter(name="Brightside Recovery").count() == 2


@pytest.mark.parametrize(
    ("name", "normalised"),
    [
        ("The Harbour Trust Ltd.", "harbour trust"),
        ("Harbour  Trust Community Interest Company", "harbour trust"),
        ("St. Giles & Partners", "st giles partners"),
    ],
)
def test_names_are_normalised_for_comparison(name, normalised):
    assert normalise_organisation_name(name) == normalised


# --- Sections ---


def name_data(organisation, **overrides):
    return {
        "name": "Harbour Women's Centre",
        "legal_form": LegalForm.objects.first().pk,
        "year_founded": "1999",
        "version": organisation.version,
        **overrides,
    }


def test_name_step_saves_and_continues(admin_client):
    organisation = admin_client.organisation
    response = admin_client.post(
        step_url(organisation, "name"), name_data(organisation, name="Harbour")
    )
    assert response["Location"] == step_url(organisation, "registration-numbers")
    organisation.refresh_from_db()
    assert organisation.name == "Harbour"
    assert organisation.year_founded == 1999
    assert organisation.version == 2
    assert "about" not in organisation.completed_sections


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": ""}, "name", "Enter the organisation's name"),
        ({"name": "n" * 201}, "name", "Organisation name must be 200 characters or fewer"),
        ({"legal_form": ""}, "legal_form", "Select the organisation's legal form"),
        ({"legal_form": "999999"}, "legal_form", "Select legal form from the list"),
        ({"year_founded": "1700"}, "year_founded", "Year founded must be between 1800"),
        ({"year_founded": "3000"}, "year_founded", "Year founded must be between 1800"),
        ({"year_founded": "nineteen"}, "year_founded", "Year founded must be a whole number"),
    ],
)
def test_name_step_refuses_bad_input_and_keeps_what_was_saved(
    admin_client, overrides, field, message
):
    organisation = admin_client.organisation
    response = admin_client.post(
        step_url(organisation, "name"), name_data(organisation, **overrides)
    )
    assert response.status_code == 200
    assert message in " ".join(errors_of(response)[field])
    assert (
        response.context["form"]["year_founded"].value()
        == name_data(organisation, **overrides)["year_founded"]
    )
    assert b"<title>Error: " in response.content
    saved = Organisation.objects.get(pk=organisation.pk)
    assert (saved.name, saved.version) == ("Harbour Women's Centre", 1)


def numbers_data(organisation, **overrides):
    return {
        "charity_number_ew": "",
        "charity_number_scotland": "",
        "charity_number_ni": "",
        "company_number": "",
        "society_number": "",
        "version": organisation.version,
        **overrides,
    }


def test_registration_numbers_are_normalised(admin_client):
    organisation = admin_client.organisation
    response = admin_client.post(
        step_url(organisation, "registration-numbers"),
        numbers_data(
            organisation,
            charity_number_ew="1 123 456",
            charity_number_scotland="sc012345",
            company_number="1234567",
            society_number="31234r",
        ),
    )
    assert response["Location"] == step_url(organisation, "contact")
    organisation.refresh_from_db()
    assert organisation.charity_number_ew == "1123456"
    assert organisation.charity_number_scotland == "SC012345"
    assert organisation.company_number == "01234567"
    assert organisation.society_number == "31234R"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("charity_number_ew", "12345"),
        ("charity_number_ew", "ABC1234"),
        ("charity_number_scotland", "SC12"),
        ("charity_number_ni", "NI1001234"),
        ("company_number", "XX123456"),
        ("company_number", "123456789"),
        ("society_number", "ABCDEFG"),
    ],
)
def test_registration_numbers_refuse_bad_formats(admin_client, field, value):
    organisation = admin_client.organisation
    response = admin_client.post(
        step_url(organisation, "registration-numbers"), numbers_data(organisation, **{field: value})
    )
    assert response.status_code == 200
    assert "in the correct format" in " ".join(errors_of(response)[field])
    assert response.context["form"][field].value() == value


def contact_data(organisation, **overrides):
    return {
        "website": "https://harbour.example.org",
        "email": "hello@harbour.example.org",
        "phone": "0161 496 0000",
        "address_line_1": "1 Quay Street",
        "address_line_2": "",
        "town": "Manchester",
        "postcode": "m1 1ae",
        "version": organisation.version,
        **overrides,
    }


def test_contact_step_completes_the_about_section(admin_client):
    organisation = admin_client.organisation
    response = admin_client.post(step_url(organisation, "contact"), contact_data(organisation))
    assert response["Location"] == url("task_list", organisation)
    organisation.refresh_from_db()
    assert organisation.postcode == "M1 1AE"
    assert organisation.completed_sections == ["about"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("website", "not a website", "Enter website address in the correct format"),
        ("website", "javascript:alert(1)", "Enter website address in the correct format"),
        ("website", "https://example.org/" + "a" * 300, "must be 300 characters or fewer"),
        ("email", "hello@", "Enter an email address in the correct format"),
        ("email", "", "Enter a contact email address"),
        ("phone", "12345", "Enter a UK telephone number"),
        ("postcode", "NOTAPC", "Enter a real postcode"),
        ("postcode", "", "Enter the postcode"),
        ("town", "t" * 101, "must be 100 characters or fewer"),
        ("address_line_1", "", "Enter address line 1"),
    ],
)
def test_contact_step_refuses_bad_input(admin_client, field, value, message):
    organisation = admin_client.organisation
    response = admin_client.post(
        step_url(organisation, "contact"), contact_data(organisation, **{field: value})
    )
    assert response.status_code == 200
    assert message in " ".join(errors_of(response)[field])
    organisation.refresh_from_db()
    assert organisation.completed_sections == []
    assert organisation.email == "hello@second-chances.example.org"


def test_what_you_do_step(admin_client):
    organisation = admin_client.organisation
    data = {"summary": "Housing for women", "description": "Longer", "version": 1}
    assert admin_client.post(step_url(organisation, "what-you-do"), data).status_code == 302
    organisation.refresh_from_db()
    assert (organisation.summary, organisation.completed_sections) == (
        "Housing for women",
        ["what_you_do"],
    )


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"summary": ""}, "summary", "Enter a summary of what the organisation does"),
        ({"summary": "s" * 281}, "summary", "Summary must be 280 characters or fewer"),
        ({"description": "d" * 10001}, "description", "must be 10000 characters or fewer"),
    ],
)
def test_what_you_do_refuses_bad_input(admin_client, overrides, field, message):
    organisation = admin_client.organisation
    data = {"summary": "Housing", "description": "Longer", "version": 1, **overrides}
    response = admin_client.post(step_url(organisation, "what-you-do"), data)
    assert message in " ".join(errors_of(response)[field])


def test_the_summary_counts_its_characters_instead_of_stopping_at_280(admin_client):
    """GOV.UK's character count: no maxlength to cut the typing short silently; a summary too
    long comes back whole, with the count and an error beside it."""
    organisation = admin_client.organisation
    too_long = "Housing and support for women leaving prison. " * 7
    data = {"summary": too_long, "description": "Longer", "version": 1}
    page = admin_client.post(step_url(organisation, "what-you-do"), data).content.decode()
    count = page.index('<div class="govuk-character-count" data-module="govuk-character-count"')
    assert 'data-maxlength="280"' in page[count : count + 120]
    textarea = page[page.index('<textarea name="summary"') :]
    textarea = textarea[: textarea.index(">")]
    assert "maxlength" not in textarea
    assert "govuk-js-character-count" in textarea
    assert "id_summary-info" in textarea  # described by the count's message
    assert too_long.strip() in html.unescape(page)
    assert "You can enter up to 280 characters" in page
    assert "Summary must be 280 characters or fewer" in page


def size_data(**overrides):
    return {
        "income_band": IncomeBand.objects.first().pk,
        "staff_count": "12",
        "volunteer_count": "30",
        "people_supported_per_year": "400",
        "lived_experience_led": "True",
        "version": 1,
        **overrides,
    }


def test_size_step(admin_client):
    organisation = admin_client.organisation
    assert admin_client.post(step_url(organisation, "size"), size_data()).status_code == 302
    organisation.refresh_from_db()
    assert organisation.staff_count == 12
    assert organisation.lived_experience_led is True


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"staff_count": "-1"}, "staff_count", "Number of paid staff must be 0 or more"),
        ({"staff_count": "lots"}, "staff_count", "must be a whole number"),
        ({"volunteer_count": ""}, "volunteer_count", "Enter the number of volunteers"),
        ({"income_band": ""}, "income_band", "Select the organisation's annual income"),
        ({"lived_experience_led": ""}, "lived_experience_led", "Select yes if"),
    ],
)
def test_size_step_refuses_bad_input(admin_client, overrides, field, message):
    response = admin_client.post(
        step_url(admin_client.organisation, "size"), size_data(**overrides)
    )
    assert message in " ".join(errors_of(response)[field])


@pytest.mark.parametrize(
    ("step", "section", "field"),
    [
        ("size", "size", "lived_experience_led"),
        ("partnership", "partnership", "open_to_partnership"),
    ],
)
def test_yes_no_questions_are_not_answered_for_the_organisation(admin_client, step, section, field):
    """Neither radio is selected until the section is saved; then the saved answer is."""
    organisation = admin_client.organisation
    response = admin_client.get(step_url(organisation, step))
    assert response.context["form"][field].value() is None
    assert "checked" not in str(response.context["form"][field])
    organisation.completed_sections = [section]
    organisation.save()
    response = admin_client.get(step_url(organisation, step))
    assert response.context["form"][field].value() is False
    assert str(response.context["form"][field]).count("checked") == 1


def test_quality_marks_are_set_and_recorded_in_history(admin_client):
    organisation = admin_client.organisation
    marks = list(QualityMark.objects.all()[:2])
    data = {"quality_marks": [mark.pk for mark in marks], "version": 1}
    assert admin_client.post(step_url(organisation, "quality-marks"), data).status_code == 302
    assert set(organisation.quality_marks.all()) == set(marks)
    record = organisation.history.latest()
    assert record.history_user == admin_client.user
    assert {row.qualitymark for row in record.quality_marks.all()} == set(marks)


def test_partnership_interest_needs_roles_when_interested(admin_client):
    organisation = admin_client.organisation
    data = {"open_to_partnership": "True", "partnership_notes": "", "version": 1}
    response = admin_client.post(step_url(organisation, "partnership"), data)
    assert "Select the roles" in " ".join(errors_of(response)["partnership_roles"])
    role = PartnershipRole.objects.first()
    response = admin_client.post(
        step_url(organisation, "partnership"), {**data, "partnership_roles": [role.pk]}
    )
    assert response.status_code == 302
    assert list(organisation.partnership_roles.all()) == [role]
    # Roles and wishes are answers beneath "Yes": after "No" they are not kept.
    response = admin_client.post(
        step_url(organisation, "partnership"),
        {
            "open_to_partnership": "False",
            "partnership_roles": [role.pk],
            "partnership_notes": "A lead partner",
            "version": current_version(organisation),
        },
    )
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert (organisation.open_to_partnership, organisation.partnership_notes) == (False, "")
    assert not organisation.partnership_roles.exists()


def test_partnership_roles_are_asked_only_of_a_charity_that_wants_partners(admin_client):
    page = admin_client.get(step_url(admin_client.organisation, "partnership")).content.decode()
    yes = page.index('data-aria-controls="conditional_open_to_partnership_0"')
    reveal = page.index('id="conditional_open_to_partnership_0"')
    no = page.index('id="id_open_to_partnership_1"')
    assert yes < reveal < page.index('name="partnership_roles"') < no
    assert reveal < page.index('name="partnership_notes"') < no
    assert page.count("data-aria-controls") == 1


def test_unknown_step_is_not_found(admin_client):
    assert admin_client.get(step_url(admin_client.organisation, "nope")).status_code == 404


def test_change_link_returns_to_check_answers(admin_client):
    organisation = admin_client.organisation
    response = admin_client.post(
        step_url(organisation, "name") + "?next=check", name_data(organisation)
    )
    assert response["Location"] == url("check", organisation)


# --- Concurrent edits and forms posted twice ---


def test_second_save_from_a_stale_page_is_refused(admin_client):
    organisation = admin_client.organisation
    colleague = UserFactory()
    Membership.objects.create(user=colleague, organisation=organisation, role="editor")
    other = admin_client.__class__()
    other.force_login(colleague)
    # Both open the page at version 1; the colleague saves first.
    other.post(
        step_url(organisation, "what-you-do"),
        {"summary": "Theirs", "description": "T", "version": 1},
    )
    response = admin_client.post(
        step_url(organisation, "what-you-do"), {"summary": "Mine", "description": "M", "version": 1}
    )
    assert response.status_code == 200
    assert STALE_MESSAGE in response.content.decode().replace("&#x27;", "'")
    assert response.context["form"]["summary"].value() == "Mine"
    organisation.refresh_from_db()
    assert (organisation.summary, organisation.version) == ("Theirs", 2)


def test_step_posted_twice_saves_once_and_the_second_time_is_harmless(admin_client):
    organisation = admin_client.organisation
    data = {"summary": "Once", "description": "D", "version": 1}
    first = admin_client.post(step_url(organisation, "what-you-do"), data)
    second = admin_client.post(step_url(organisation, "what-you-do"), data)
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]
    organisation.refresh_from_db()
    assert (organisation.summary, organisation.version) == ("Once", 2)
    assert organisation.history.count() == 2  # created, then saved once


def test_a_stale_form_that_changes_nothing_saved_is_harmless(admin_client):
    """Someone else saved another page since: posting what is already saved overwrites none of
    it, but anything different is still refused."""
    organisation = admin_client.organisation
    data = {"summary": organisation.summary, "description": organisation.description}
    assert admin_client.post(step_url(organisation, "size"), size_data()).status_code == 302
    organisation.refresh_from_db()
    assert organisation.version == 2
    unchanged = admin_client.post(step_url(organisation, "what-you-do"), {**data, "version": 1})
    assert unchanged.status_code == 302
    organisation.refresh_from_db()
    assert "what_you_do" in organisation.completed_sections
    assert organisation.staff_count == 12
    changed = admin_client.post(
        step_url(organisation, "what-you-do"), {**data, "summary": "New", "version": 1}
    )
    assert STALE_MESSAGE in " ".join(errors_of(changed)["__all__"]).replace("&#x27;", "'")


def test_a_published_profile_step_posted_twice_leaves_one_change_waiting(client, taxonomies):
    organisation = OrganisationFactory(name="Live Trust")
    user = VerifiedEmailAddressFactory().user
    Membership.objects.create(user=user, organisation=organisation, role="editor")
    client.force_login(user)
    data = {"summary": "Proposed", "description": "New", "version": organisation.version}
    for _ in range(2):
        assert client.post(step_url(organisation, "what-you-do"), data).status_code == 302
    revision = organisation.revisions.pending().get()
    assert revision.proposed["summary"] == "Proposed"
    organisation.refresh_from_db()
    assert organisation.version == data["version"] + 1


# --- Task list, check answers, submit ---


def complete_everything(organisation):
    ServiceFactory(organisation=organisation)
    organisation.completed_sections = ["about", "what_you_do", "services", "size", "partnership"]
    organisation.save()


def test_task_list_shows_which_sections_are_complete(admin_client):
    organisation = admin_client.organisation
    organisation.completed_sections = ["about", "size"]
    organisation.save()
    response = admin_client.get(url("task_list", organisation))
    statuses = {s["key"]: s["complete"] for s in response.context["sections"]}
    assert statuses == {
        "about": True,
        "what_you_do": False,
        "services": False,
        "size": True,
        "evidence": False,
        "quality_marks": False,
        "partnership": False,
    }
    assert response.content.count(b"Incomplete") == 5
    assert b"You have completed 2 of 7 sections" in response.content


def test_check_answers_shows_answers_with_change_links(admin_client):
    organisation = admin_client.organisation
    ServiceFactory(organisation=organisation, name="Women's housing")
    response = admin_client.get(url("check", organisation))
    content = response.content.decode()
    assert "Women&#x27;s housing" in content
    assert "hello@second-chances.example.org" in content
    assert step_url(organisation, "contact") + "?next=check" in content


def test_submit_sends_a_complete_profile_for_review(admin_client, mailoutbox):
    organisation = admin_client.organisation
    complete_everything(organisation)
    response = admin_client.post(url("check", organisation), {"version": organisation.version})
    assert response["Location"] == url("submitted", organisation)
    organisation.refresh_from_db()
    assert organisation.status == Organisation.Status.SUBMITTED
    confirmation = admin_client.get(response["Location"]).content.decode()
    assert "We have sent you an email to confirm that your profile has arrived" in confirmation
    assert "A moderator will check your profile within 5 working days" in confirmation
    [email] = mailoutbox
    assert email.to == [admin_client.user.email]
    assert email.subject == f"{organisation.name} is waiting for review"
    assert "A moderator will review it within 5 working days" in email.body
    assert f"{settings.SITE_URL}{url('task_list', organisation)}" in email.body


def test_submit_is_refused_while_sections_are_incomplete(admin_client):
    organisation = admin_client.organisation
    organisation.completed_sections = ["about"]
    organisation.save()
    response = admin_client.post(url("check", organisation), {"version": organisation.version})
    assert response.status_code == 200
    assert "Complete the section" in " ".join(errors_of(response)["__all__"])
    organisation.refresh_from_db()
    assert organisation.status == Organisation.Status.DRAFT


def test_submit_is_refused_until_the_email_is_verified(client, taxonomies):
    organisation, user = draft_with_admin()
    user.emailaddress_set.update(verified=False)
    complete_everything(organisation)
    client.force_login(user)
    response = client.post(url("check", organisation), {"version": organisation.version})
    assert "Confirm your email address" in " ".join(errors_of(response)["__all__"])
    # The error summary links to the part of the page about sending, not the optional message.
    page = response.content.decode()
    assert '<a href="#submit">Confirm your email address' in page and 'id="submit"' in page
    organisation.refresh_from_db()
    assert organisation.status == Organisation.Status.DRAFT


def test_submit_posted_twice_is_refused_the_second_time(admin_client):
    organisation = admin_client.organisation
    complete_everything(organisation)
    data = {"version": organisation.version}
    admin_client.post(url("check", organisation), data)
    response = admin_client.post(url("check", organisation), data)
    assert response.status_code == 200
    assert "already been submitted" in " ".join(errors_of(response)["__all__"])


def test_published_profile_is_edited_through_the_same_pages(client, taxonomies):
    organisation = OrganisationFactory(name="Live Trust")
    user = VerifiedEmailAddressFactory().user
    Membership.objects.create(user=user, organisation=organisation, role="editor")
    client.force_login(user)
    data = {"summary": "New summary", "description": "New", "version": organisation.version}
    assert client.post(step_url(organisation, "what-you-do"), data).status_code == 302
    organisation.refresh_from_db()
    # The edit waits for a moderator (tests/moderation/test_moderation.py); the live row stays.
    assert organisation.summary != "New summary"
    assert organisation.revisions.pending().get().proposed["summary"] == "New summary"
    assert organisation.status == Organisation.Status.PUBLISHED
    assert b"Submit for review" not in client.get(url("check", organisation)).content


def test_draft_persists_across_sessions(client, taxonomies):
    user = VerifiedEmailAddressFactory().user
    client.force_login(user)
    client.post(reverse("registration:new"), start_data(name="Slow Builders"))
    organisation = Organisation.objects.get(name="Slow Builders")
    client.post(
        step_url(organisation, "what-you-do"),
        {"summary": "Started on Monday", "description": "D", "version": 1},
    )
    client.logout()
    assert client.get(url("task_list", organisation)).status_code == 302

    client.force_login(user)
    response = client.get(step_url(organisation, "what-you-do"))
    assert response.context["form"]["summary"].value() == "Started on Monday"
    task_list = client.get(url("task_list", organisation))
    assert {s["key"] for s in task_list.context["sections"] if s["complete"]} == {"what_you_do"}
