"""The owners' message to the moderators with each sending for review: kept per sending, shown
in the review's thread, offered on Check your answers, in the sender's personal data, and
never published (profile, APIs, open data) or listed as a changed field."""

import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from accounts.services import user_delete
from directory.moderation import services as moderation
from directory.moderation.models import OrganisationRevision
from directory.organisations.models import SUBMISSION_MESSAGE_LENGTH, Organisation
from directory.registration import services as registration
from tests.factories import MembershipFactory, OrganisationFactory, moderator_user, verified_user
from tests.moderation.moderation_helpers import full_submission
from tests.moderation.test_moderation_review import review, save_fields, version

pytestmark = pytest.mark.django_db

FIRST = "We mentor men leaving HMP Liverpool; our evaluation is attached."
SECOND = "We named the prison in the summary, as you asked."
REQUEST = "Name the prison you work in."


def check_url(organisation) -> str:
    return reverse("registration:check", kwargs={"org": organisation.uuid})


def decide(organisation, moderator, reason: str = REQUEST, action: str = "request_changes"):
    """A moderator's decision (by default, sending it back with `reason`) on the submission,
    or on the changes to a published entry."""
    kind = "submission" if not organisation.is_published else "revision"
    subject = organisation if kind == "submission" else organisation.revisions.open().get()
    moderation.decision_record(
        kind=kind,
        action=action,
        subject=subject,
        actor=moderator,
        reason=reason,
        expected_version=version(organisation),
    )


def resubmit(organisation, user, message: str = "") -> Organisation:
    return registration.organisation_submit(
        organisation=Organisation.objects.get(pk=organisation.pk),
        user=user,
        expected_version=version(organisation),
        message=message,
    )


def thread_of(moderator_client, organisation) -> list[tuple[str, str, str]]:
    context = review(moderator_client, organisation).context
    return [(entry.text, entry.who, entry.message) for entry in context["thread"]]


# --- Kept with each sending, shown in the thread ---


def test_the_thread_shows_each_sendings_message_with_the_moderators_between(
    moderator_client, moderator, taxonomies
):
    organisation, charity = full_submission(message=FIRST)
    decide(organisation, moderator)
    organisation = save_fields(organisation, charity, summary="Mentoring leaving HMP Altcourse")
    resubmit(organisation, charity, SECOND)

    assert thread_of(moderator_client, organisation) == [
        ("Sent for review", "Kim Harbour", FIRST),
        ("Changes requested", "Mo Derator", REQUEST),
        ("Sent for review again", "Kim Harbour", SECOND),
    ]
    page = review(moderator_client, organisation).content.decode()
    assert page.index(FIRST) < page.index(REQUEST) < page.index(SECOND)


def test_a_sending_without_a_message_does_not_repeat_the_last_one(
    moderator_client, moderator, taxonomies
):
    organisation, charity = full_submission(message=FIRST)
    decide(organisation, moderator)
    resubmit(organisation, charity)

    organisation.refresh_from_db()
    assert organisation.submission_message == ""
    assert [message for *_, message in thread_of(moderator_client, organisation)] == [
        FIRST,
        REQUEST,
        "",
    ]


def test_changes_to_a_published_entry_carry_each_sendings_message(moderator_client, moderator):
    organisation = OrganisationFactory(summary="Published summary")
    editor = verified_user(full_name="Ed Itor")
    MembershipFactory(user=editor, organisation=organisation)
    organisation = save_fields(organisation, editor, summary="First proposal")
    decide(organisation, moderator, "Shorter")
    organisation = save_fields(organisation, editor, summary="Short")
    resubmit(organisation, editor, SECOND)
    assert organisation.revisions.get().submission_message == SECOND
    decide(organisation, moderator, "Shorter still")
    resubmit(organisation, editor)

    assert organisation.revisions.get().submission_message == ""
    assert thread_of(moderator_client, organisation) == [
        ("Sent for review", "Ed Itor", ""),
        ("Changes requested", "Mo Derator", "Shorter"),
        ("Sent for review again", "Ed Itor", SECOND),
        ("Changes requested", "Mo Derator", "Shorter still"),
        ("Sent for review again", "Ed Itor", ""),
    ]


def test_a_message_too_long_is_refused_and_nothing_is_sent(moderator, taxonomies):
    organisation, charity = full_submission()
    decide(organisation, moderator)
    with pytest.raises(ValidationError) as refused:
        resubmit(organisation, charity, "x" * (SUBMISSION_MESSAGE_LENGTH + 1))
    assert "submission_message" in refused.value.message_dict
    organisation.refresh_from_db()
    assert organisation.status == Organisation.Status.CHANGES_REQUESTED

    published = OrganisationFactory()
    editor = verified_user()
    MembershipFactory(user=editor, organisation=published)
    published = save_fields(published, editor, summary="Proposal")
    decide(published, moderator)
    with pytest.raises(ValidationError):
        moderation.revision_resubmit(
            organisation=published, user=editor, message="x" * (SUBMISSION_MESSAGE_LENGTH + 1)
        )
    assert published.revisions.get().status == OrganisationRevision.Status.CHANGES_REQUESTED


def test_control_characters_and_surrounding_space_are_taken_out(taxonomies):
    organisation, _ = full_submission(message="  Line one\r\nLine\x07 two\x00\n ")
    organisation.refresh_from_db()
    assert organisation.submission_message == "Line one\nLine two"


# --- Check your answers ---


@pytest.fixture
def sender_client(client, taxonomies):
    """The admin of a draft sent back by a moderator, signed in."""
    organisation, charity = full_submission()
    decide(organisation, moderator_user())
    client.force_login(charity)
    client.organisation = Organisation.objects.get(pk=organisation.pk)
    return client


def test_check_your_answers_offers_a_message_that_speaks_to_the_moderators_request(
    sender_client,
):
    page = sender_client.get(check_url(sender_client.organisation)).content.decode()
    assert "Message to the moderators (optional)" in page
    assert "what you changed after their message" in page
    assert REQUEST in page
    assert 'data-module="govuk-character-count"' in page
    assert f'data-maxlength="{SUBMISSION_MESSAGE_LENGTH}"' in page


def test_check_your_answers_for_a_first_submission_has_the_general_hint(client, taxonomies):
    organisation, charity = full_submission()
    Organisation.objects.filter(pk=organisation.pk).update(status=Organisation.Status.DRAFT)
    client.force_login(charity)
    page = client.get(check_url(organisation)).content.decode()
    assert "anything that helps them check your answers" in page
    assert "what you changed after their message" not in page


@pytest.mark.parametrize(("message", "passed_on"), [(f"{SECOND}\r\n", True), ("  ", False)])
def test_the_message_is_sent_with_the_profile(sender_client, mailoutbox, message, passed_on):
    organisation = sender_client.organisation
    mailoutbox.clear()
    response = sender_client.post(
        check_url(organisation),
        {"version": organisation.version, "submission_message": message},
    )
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.status == Organisation.Status.SUBMITTED
    assert organisation.submission_message == message.strip()
    [received] = mailoutbox
    assert ("Your message to the moderators was passed on" in received.body) is passed_on
    assert SECOND not in received.body


def test_a_message_too_long_is_kept_with_its_error_beside_the_field(sender_client):
    organisation = sender_client.organisation
    too_long = "Changed it. " * 200
    response = sender_client.post(
        check_url(organisation),
        {"version": organisation.version, "submission_message": too_long},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["submission_message"] == [
        f"Message to the moderators must be {SUBMISSION_MESSAGE_LENGTH} characters or fewer"
    ]
    page = response.content.decode()
    assert 'href="#id_submission_message"' in page
    assert 'aria-invalid="true" id="id_submission_message"' in page
    assert too_long.strip() in page
    organisation.refresh_from_db()
    assert organisation.status == Organisation.Status.CHANGES_REQUESTED


# --- Never published, never a changed field ---

MARKER = "PRIVATE-NOTE-4b7e for the moderators only"


@pytest.fixture
def published_with_marker(moderator, taxonomies, settings, tmp_path):
    settings.OPEN_DATA_ROOT = tmp_path / "open-data"
    organisation, _ = full_submission(message=MARKER)
    decide(organisation, moderator, reason="", action="approve")
    organisation.refresh_from_db()
    assert organisation.is_published and organisation.submission_message == MARKER
    return organisation


def test_the_message_is_in_no_public_page_api_or_open_data(client, published_with_marker):
    organisation = published_with_marker
    service = organisation.services.get()
    call_command("export_open_data", stdout=io.StringIO())
    responses = [
        client.get(organisation.get_absolute_url()),
        client.get(reverse("api_v1:organisation-list")),
        client.get(reverse("api_v1:organisation-detail", args=[organisation.slug])),
        client.get(reverse("oruk:service_list")),
        client.get(reverse("oruk:service_detail", args=[service.uuid])),
    ]
    for response in responses:
        assert response.status_code == 200
        assert organisation.name in response.content.decode()
        assert MARKER not in response.content.decode()
    for kind in ("csv", "json"):
        response = client.get(reverse("open_data_download", kwargs={"kind": kind}))
        exported = b"".join(response.streaming_content).decode("utf-8-sig")
        assert organisation.name in exported
        assert MARKER not in exported


def test_the_message_is_not_profile_content(moderator_client, published_with_marker):
    organisation = published_with_marker
    assert "submission_message" not in moderation.profile_snapshot(organisation)
    editor = verified_user()
    MembershipFactory(user=editor, organisation=organisation)
    save_fields(organisation, editor, summary="A proposal", submission_message="Typed in")
    assert "submission_message" not in organisation.revisions.get().proposed
    history = moderator_client.get(reverse("moderation:history", kwargs={"org": organisation.uuid}))
    sentences = [row["what"] for row in history.context["rows"]]
    assert not [sentence for sentence in sentences if "message" in sentence.lower()]


# --- The sender's personal data ---


def test_the_sender_downloads_the_messages_they_sent(client, moderator, taxonomies):
    organisation, charity = full_submission(message=FIRST)
    decide(organisation, moderator)
    colleague = verified_user()
    MembershipFactory(user=colleague, organisation=organisation)
    # The colleague's edit is recorded with the message still on the row: it is not theirs.
    save_fields(organisation, colleague, summary="Edited by a colleague")
    resubmit(organisation, charity, SECOND)

    client.force_login(charity)
    data = json.loads(client.get(reverse("accounts_download")).content)
    sent = data["messages_you_sent_to_the_moderators"]
    assert [(m["organisation"], m["message"]) for m in sent] == [
        ("Harbour Light Trust", FIRST),
        ("Harbour Light Trust", SECOND),
    ]
    client.force_login(colleague)
    data = json.loads(client.get(reverse("accounts_download")).content)
    assert data["messages_you_sent_to_the_moderators"] == []


def test_deleting_the_sender_keeps_the_message_without_them(moderator_client, taxonomies):
    organisation, charity = full_submission(message=FIRST)
    user_delete(user=charity)
    assert thread_of(moderator_client, organisation) == [("Sent for review", "A member", FIRST)]
