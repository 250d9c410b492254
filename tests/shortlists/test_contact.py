"""Messages to organisations: recipients, privacy, preferences, rate limit and the log."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.models import Membership
from directory.organisations.models import Organisation
from directory.shortlists.contact_services import contact_send
from directory.shortlists.models import ContactMessage
from tests.factories import (
    CommissionerProfileFactory,
    ContactMessageFactory,
    MembershipFactory,
    OrganisationFactory,
    ShortlistFactory,
    ShortlistItemFactory,
    ShortlistShareFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

MESSAGE = {"subject": "Accommodation contract", "body": "Would you bid with us?"}
SUBJECT_ON_ONE_LINE = "The subject must be on one line, without line breaks"


def commissioner(**kwargs):
    user = UserFactory(full_name="Sam Commissioner", **kwargs)
    CommissionerProfileFactory(
        user=user, verification_status="verified", verified_at=timezone.now()
    )
    return user


def provider():
    return MembershipFactory(role=Membership.Role.EDITOR).user


def organisation_with_admins(**kwargs):
    organisation = OrganisationFactory(email="hello@safehomes.example.org", **kwargs)
    MembershipFactory(organisation=organisation, user=UserFactory(email="admin@safehomes.org"))
    MembershipFactory(
        organisation=organisation,
        user=UserFactory(email="editor@safehomes.org"),
        role=Membership.Role.EDITOR,
    )
    return organisation


def _contact_url(organisation):
    return reverse("contact_organisation", kwargs={"slug": organisation.slug})


def test_a_message_goes_to_the_public_address_and_admins_with_reply_to_the_sender(client):
    organisation = organisation_with_admins()
    sender = commissioner(email="sam@probation.example.gov.uk")
    client.force_login(sender)
    response = client.post(_contact_url(organisation), MESSAGE, follow=True)
    content = response.content.decode()
    [email] = mail.outbox
    assert email.to == ["hello@safehomes.example.org", "admin@safehomes.org"]
    assert email.reply_to == ["sam@probation.example.gov.uk"]
    assert (
        email.from_email
        == "Rehabilitation Partners Directory <noreply@rehabilitation-partners.example.org>"
    )
    assert "Would you bid with us?" in email.body and "Sam Commissioner" in email.body
    assert "Accommodation contract" in email.subject
    # The sender never sees where it went.
    assert f"Message sent to {organisation.name}" in content
    assert "admin@safehomes.org" not in content
    log = ContactMessage.objects.get()
    assert (log.sender, log.organisation, log.subject) == (sender, organisation, MESSAGE["subject"])


def test_the_contact_page_shows_no_recipient_addresses(client):
    organisation = organisation_with_admins()
    client.force_login(commissioner())
    content = client.get(_contact_url(organisation)).content.decode()
    assert "admin@safehomes.org" not in content
    assert "hello@safehomes.example.org" not in content


def test_a_shortlist_message_is_one_email_per_organisation(client):
    shortlist = ShortlistFactory(owner=commissioner())
    first = ShortlistItemFactory(shortlist=shortlist, organisation=organisation_with_admins())
    second = ShortlistItemFactory(
        shortlist=shortlist, organisation=OrganisationFactory(email="team@other.example.org")
    )
    ShortlistItemFactory(
        shortlist=shortlist, organisation=OrganisationFactory(status=Organisation.Status.DRAFT)
    )
    client.force_login(shortlist.owner)
    client.post(reverse("shortlists:contact", kwargs={"pk": shortlist.pk}), MESSAGE)
    assert [email.to for email in mail.outbox] == [
        ["hello@safehomes.example.org", "admin@safehomes.org"],
        ["team@other.example.org"],
    ]
    logged = ContactMessage.objects.filter(shortlist=shortlist)
    assert {m.organisation_id for m in logged} == {first.organisation_id, second.organisation_id}


def test_a_shortlist_message_shows_no_recipient_addresses(client):
    shortlist = ShortlistFactory(owner=commissioner())
    ShortlistItemFactory(shortlist=shortlist, organisation=organisation_with_admins())
    client.force_login(shortlist.owner)
    url = reverse("shortlists:contact", kwargs={"pk": shortlist.pk})
    pages = [client.get(url), client.post(url, MESSAGE, follow=True)]
    assert len(mail.outbox) == 1
    for page in pages:
        content = page.content.decode()
        assert "admin@safehomes.org" not in content and "editor@safehomes.org" not in content


def test_shared_viewers_can_message_a_shortlist_and_strangers_cannot(client):
    shortlist = ShortlistFactory()
    ShortlistItemFactory(shortlist=shortlist)
    viewer = commissioner()
    ShortlistShareFactory(shortlist=shortlist, user=viewer)
    url = reverse("shortlists:contact", kwargs={"pk": shortlist.pk})
    client.force_login(commissioner())
    assert client.post(url, MESSAGE).status_code == 404
    client.force_login(viewer)
    assert client.post(url, MESSAGE).status_code == 302
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    "make_sender,accepts_commissioners,accepts_providers,sent",
    [
        (commissioner, True, True, True),
        (commissioner, False, True, False),
        (provider, True, True, True),
        (provider, True, False, False),
        (commissioner, True, False, True),
        (provider, False, True, True),
    ],
)
def test_organisations_choose_who_may_message_them(
    client, make_sender, accepts_commissioners, accepts_providers, sent
):
    organisation = organisation_with_admins(
        accept_contact_from_commissioners=accepts_commissioners,
        accept_contact_from_providers=accepts_providers,
    )
    client.force_login(make_sender())
    response = client.post(_contact_url(organisation), MESSAGE)
    assert (len(mail.outbox) == 1) is sent
    assert ContactMessage.objects.exists() is sent
    if not sent:
        assert "does not take messages from you" in response.content.decode()


def pending_commissioner():
    user = UserFactory()
    CommissionerProfileFactory(user=user, body_name="Kent County Council")
    return user


def rejected_commissioner():
    user = UserFactory()
    CommissionerProfileFactory(
        user=user, body_name="Kent County Council", verification_status="rejected"
    )
    return user


def member_of_a_draft():
    return MembershipFactory(organisation__status=Organisation.Status.DRAFT).user


@pytest.mark.parametrize(
    "make_sender,why",
    [
        (UserFactory, "Your account is not a commissioner’s and not a member of an organisation"),
        (pending_commissioner, "A moderator is checking that you work for Kent County Council"),
        (rejected_commissioner, "could not verify that you work for Kent County Council"),
        (member_of_a_draft, "Your organisation’s profile is not published yet"),
    ],
)
def test_people_the_directory_has_not_checked_are_told_why_they_cannot_send_and_what_to_do(
    client, make_sender, why
):
    """Only verified commissioners and members of a published organisation (and moderators):
    anyone can sign up and start a draft, so the directory would otherwise pass on anyone's
    mail in its own name (docs/contacting-organisations.md)."""
    organisation = organisation_with_admins()
    shortlist = ShortlistFactory(owner=make_sender())
    ShortlistItemFactory(shortlist=shortlist, organisation=organisation)
    client.force_login(shortlist.owner)
    for url in (
        _contact_url(organisation),
        reverse("shortlists:contact", kwargs={"pk": shortlist.pk}),
    ):
        for response in (client.get(url), client.post(url, MESSAGE)):
            content = response.content.decode()
            assert response.status_code == 403
            assert "passes them on only from people it has checked" in content
            assert why in content
            # The way to reach the organisation anyway, and no form.
            assert organisation.get_absolute_url() in content
            assert 'name="subject"' not in content
            assert "does not take messages from you" not in content
    assert mail.outbox == [] and not ContactMessage.objects.exists()


def test_the_email_names_a_commissioners_employer_only_once_verified(client):
    organisation = organisation_with_admins()
    # A member of a published organisation who has also asked to be a commissioner.
    sender = provider()
    CommissionerProfileFactory(user=sender, body_name="Unchecked Council")
    client.force_login(sender)
    client.post(_contact_url(organisation), MESSAGE)
    client.force_login(commissioner_of := commissioner())
    client.post(_contact_url(organisation), MESSAGE)

    unchecked, checked = mail.outbox
    assert "Unchecked Council" not in unchecked.body
    employer = commissioner_of.commissioner_profile.body_name
    assert f"They work for {employer} (checked by the directory's moderators)" in checked.body


@pytest.mark.parametrize(
    "data,error",
    [
        ({"subject": "", "body": "Hello"}, "Enter a subject"),
        ({"subject": "Hi", "body": ""}, "Enter your message"),
        ({"subject": "x" * 151, "body": "Hello"}, "The subject must be 150 characters or fewer"),
        ({"subject": "Hi", "body": "x" * 5001}, "The message must be 5000 characters or fewer"),
        # A line break would start a new email header: the email could never be sent.
        ({"subject": "Bid\r\nBcc: all@example.org", "body": "Hello"}, SUBJECT_ON_ONE_LINE),
        ({"subject": "Housing\nbid", "body": "Hello"}, SUBJECT_ON_ONE_LINE),
        ({"subject": "Housing\u2028bid", "body": "Hello"}, SUBJECT_ON_ONE_LINE),
    ],
)
def test_message_errors_keep_what_was_typed(client, data, error):
    organisation = organisation_with_admins()
    client.force_login(commissioner())
    content = client.post(_contact_url(organisation), data).content.decode()
    assert "govuk-error-summary" in content
    # Beside the field too, GOV.UK style.
    assert f'<span class="govuk-visually-hidden">Error:</span> {escape(error)}' in content
    kept = data["body"] if data["body"] and len(data["body"]) < 100 else data["subject"]
    assert kept in content
    assert mail.outbox == [] and not ContactMessage.objects.exists()


def test_a_subject_with_a_line_break_is_refused_by_the_service_and_the_database():
    organisation = organisation_with_admins()
    sender = commissioner()

    with pytest.raises(ValidationError) as refused:
        contact_send(
            sender=sender,
            organisations=[organisation],
            subject="Bid\nBcc: x@example.org",
            body="Hi",
        )
    assert refused.value.message_dict == {"subject": [SUBJECT_ON_ONE_LINE]}
    assert mail.outbox == [] and not ContactMessage.objects.exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        ContactMessageFactory(sender=sender, organisation=organisation, subject="Bid\r\nBcc: x")


def test_the_daily_limit_counts_organisations_and_resets_after_a_day(client, settings):
    settings.CONTACT_MESSAGES_PER_DAY = 3
    sender = commissioner()
    shortlist = ShortlistFactory(owner=sender)
    for _ in range(2):
        ShortlistItemFactory(shortlist=shortlist)
    client.force_login(sender)
    client.post(reverse("shortlists:contact", kwargs={"pk": shortlist.pk}), MESSAGE)
    assert len(mail.outbox) == 2
    # Two more would pass the limit of three: nothing is sent, nothing half-logged.
    response = client.post(reverse("shortlists:contact", kwargs={"pk": shortlist.pk}), MESSAGE)
    assert "You can message up to 3 organisations a day" in response.content.decode()
    assert len(mail.outbox) == 2 and ContactMessage.objects.count() == 2
    organisation = OrganisationFactory()
    client.post(_contact_url(organisation), MESSAGE)
    assert len(mail.outbox) == 3
    response = client.post(_contact_url(OrganisationFactory()), MESSAGE)
    assert "You can message up to 3" in response.content.decode()
    # A day later the limit starts again.
    ContactMessage.objects.update(sent_at=timezone.now() - timedelta(days=1, minutes=1))
    client.post(_contact_url(organisation), MESSAGE)
    assert len(mail.outbox) == 4


def test_unpublished_organisations_cannot_be_messaged(client):
    organisation = OrganisationFactory(status=Organisation.Status.DRAFT)
    client.force_login(commissioner())
    assert client.get(_contact_url(organisation)).status_code == 404


def test_anonymous_users_are_sent_to_sign_in(client):
    response = client.get(_contact_url(OrganisationFactory()))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


@pytest.mark.parametrize("role,status", [("admin", 302), ("editor", 404), (None, 404)])
def test_only_admins_change_contact_preferences(client, role, status):
    organisation = OrganisationFactory()
    user = UserFactory()
    if role:
        MembershipFactory(organisation=organisation, user=user, role=role)
    client.force_login(user)
    url = reverse("contact_preferences", kwargs={"slug": organisation.slug})
    response = client.post(url, {"accept_contact_from_providers": "on"})
    assert response.status_code == status
    organisation.refresh_from_db()
    assert organisation.accept_contact_from_commissioners is (status != 302)
    assert organisation.accept_contact_from_providers is True


def test_admins_find_the_contact_preferences_from_the_profile(client):
    organisation = OrganisationFactory()
    admin = MembershipFactory(organisation=organisation, role=Membership.Role.ADMIN).user
    url = reverse("contact_preferences", kwargs={"slug": organisation.slug})
    client.force_login(UserFactory())
    assert url not in client.get(organisation.get_absolute_url()).content.decode()
    client.force_login(admin)
    assert url in client.get(organisation.get_absolute_url()).content.decode()
