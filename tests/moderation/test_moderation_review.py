"""The moderators' review page (what will be published, registers, warnings, documents), the
comparisons and thread, four eyes, the queue's filters and header count, and the digests."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from directory.moderation import review as moderation_review
from directory.moderation import revision_lists
from directory.moderation import selectors as moderation_selectors
from directory.moderation import services as moderation
from directory.moderation.models import OrganisationRevision, RegisterEntry
from directory.organisations.models import AuditRecord, EvidenceItem, Organisation
from directory.registration import services as registration
from tests.factories import (
    ClaimRequestFactory,
    EvidenceItemFactory,
    MembershipFactory,
    OrganisationFactory,
    ProblemReportFactory,
    ServiceFactory,
    moderator_user,
    verified_user,
)
from tests.moderation.moderation_helpers import PDF_BYTES, full_submission

pytestmark = pytest.mark.django_db
Status = Organisation.Status


@pytest.fixture
def submission(taxonomies):
    return full_submission()


def review_url(organisation) -> str:
    return reverse("moderation:organisation", kwargs={"org": organisation.uuid})


def review(moderator_client, organisation):
    response = moderator_client.get(review_url(organisation))
    assert response.status_code == 200
    return response


def version(organisation) -> int:
    organisation.refresh_from_db()
    return organisation.version


def save_fields(organisation, user, **fields) -> Organisation:
    """`user` saves the profile fields as the owners' pages do; the organisation as saved."""
    organisation = Organisation.objects.get(pk=organisation.pk)
    for name, value in fields.items():
        setattr(organisation, name, value)
    registration.organisation_section_save(
        organisation=organisation, expected_version=organisation.version, user=user
    )
    return organisation


# --- What will be published, and what only moderators see ---


def test_the_review_page_shows_every_field_that_will_be_published(moderator_client, submission):
    organisation, charity = submission
    page = review(moderator_client, organisation).content.decode()
    service = organisation.services.get()
    published_values = [
        organisation.summary,
        organisation.description,
        organisation.phone,
        "12 Dock Road",
        "L3 4AA",
        "31",  # volunteers
        "140",  # people supported a year
        service.name,
        service.description,
        service.eligibility,
        service.spare_capacity,
        "£250,000",
        "Dock Road hub",
        *(term.name for term in service.pathways.all()),
        *(term.name for term in service.client_groups.all()),
        *(term.name for term in service.settings.all()),
        *(term.name for term in service.regions.all()),
        organisation.legal_form.name,
        "Independent evaluation 2024",
    ]
    for value in published_values:
        assert value in page, value
    # Moderators only: the sender and their email domain, the people, the PDF.
    assert "Kim Harbour (kim@harbour-light.example.org)" in page
    assert "<strong>harbour-light.example.org</strong>" in page
    assert "admin: <a" in page
    evidence = organisation.evidence_items.get()
    document = reverse(
        "moderation:evidence_document", kwargs={"org": organisation.uuid, "item": evidence.uuid}
    )
    assert document in page
    assert "Mark as verified" in page
    # The decision form follows the content.
    assert page.index("As it will be published") < page.index("Record decision")


def test_a_change_to_a_published_entry_shows_it_as_it_will_be_published(moderator_client):
    organisation = OrganisationFactory(summary="The published summary")
    ServiceFactory(organisation=organisation, name="Move-on homes")
    editor = verified_user()
    MembershipFactory(user=editor, organisation=organisation)
    organisation = save_fields(organisation, editor, summary="The proposed summary")
    preview = review(moderator_client, organisation).context["preview"]
    assert preview.summary == "The proposed summary"
    assert [service.name for service in preview.services.all()] == ["Move-on homes"]
    organisation.refresh_from_db()
    assert organisation.summary == "The published summary"


REGISTERS = [
    (
        "charity_number_ew",
        "1187654",
        "https://register-of-charities.charitycommission.gov.uk/charity-search/-/charity-details/1187654",
    ),
    (
        "charity_number_scotland",
        "SC012345",
        "https://www.oscr.org.uk/about-charities/search-the-register/charity-details?number=SC012345",
    ),
    (
        "charity_number_ni",
        "NIC100123",
        "https://www.charitycommissionni.org.uk/charity-details/?regId=100123",
    ),
    (
        "company_number",
        "SC123456",
        "https://find-and-update.company-information.service.gov.uk/company/SC123456",
    ),
    ("society_number", "31234R", "https://mutuals.fca.org.uk/Search/Society/31234R"),
]


@pytest.mark.parametrize(("field", "number", "link"), REGISTERS)
def test_each_registration_number_links_to_its_official_register(
    moderator_client, field, number, link
):
    organisation = OrganisationFactory(
        status=Status.SUBMITTED, **({"charity_number_ew": ""} | {field: number})
    )
    facts = review(moderator_client, organisation).content.decode().split('id="moderator-facts"')[1]
    registers = facts.split("</dd>")[0]
    assert registers.count('href="https://') == 1
    assert f'href="{link}"' in registers


def test_no_registration_number_is_said(moderator_client):
    organisation = OrganisationFactory(status=Status.SUBMITTED, charity_number_ew="")
    assert "No registration number given" in review(moderator_client, organisation).content.decode()


def test_evidence_documents_are_served_to_moderators_only(client, moderator_client, submission):
    organisation, charity = submission
    evidence = organisation.evidence_items.get()
    document = reverse(
        "moderation:evidence_document", kwargs={"org": organisation.uuid, "item": evidence.uuid}
    )
    response = moderator_client.get(document)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert client.get(document).status_code == 302  # asked to sign in
    client.force_login(charity)  # its own admin, but no moderator
    assert client.get(document).status_code == 404
    client.force_login(verified_user())
    assert client.get(document).status_code == 404


def test_a_document_waiting_in_a_revision_opens_for_moderators(moderator_client):
    organisation = OrganisationFactory()
    storage = EvidenceItem._meta.get_field("document").storage
    name = storage.save("evidence/pending-test.pdf", ContentFile(PDF_BYTES))
    item = EvidenceItemFactory.build(organisation=organisation, document=name)
    moderation.revision_record_list(
        organisation=organisation,
        key=revision_lists.EVIDENCE,
        items=[revision_lists.evidence_data(item)],
    )
    document = reverse(
        "moderation:evidence_document", kwargs={"org": organisation.uuid, "item": item.uuid}
    )
    try:
        response = moderator_client.get(document)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF_BYTES
        other = reverse(
            "moderation:evidence_document",
            kwargs={"org": OrganisationFactory().uuid, "item": item.uuid},
        )
        assert moderator_client.get(other).status_code == 404
    finally:
        storage.delete(name)


# --- Warnings ---


def warning_texts(moderator_client, organisation) -> list[str]:
    return [w.text for w in review(moderator_client, organisation).context["warnings"]]


def test_no_warnings_for_a_submission_that_raises_none(moderator_client, submission):
    organisation, _ = submission
    assert warning_texts(moderator_client, organisation) == []


def test_a_registration_number_used_by_another_entry_is_warned(moderator_client, submission):
    organisation, _ = submission
    OrganisationFactory(name="Mersey Aftercare", company_number="11223344")
    [warning] = review(moderator_client, organisation).context["warnings"]
    assert warning.text == ("Company number 11223344 is also given by Mersey Aftercare (published)")
    assert warning.url.startswith("/moderation/organisations/")


@pytest.mark.parametrize(
    ("other", "warned"),
    [
        ("Harbour Light Trust Ltd", True),
        ("The Harbour Lights Trust", True),
        ("Harbor Light Trust", True),
        ("Harbour Housing", False),
        ("Lighthouse Trust", False),
    ],
)
def test_a_name_very_like_an_existing_organisations_is_warned(
    moderator_client, submission, other, warned
):
    organisation, _ = submission
    OrganisationFactory(name=other)
    texts = warning_texts(moderator_client, organisation)
    assert (f"The name is very like that of {other} (published)" in texts) is warned


def test_email_domains_that_do_not_match_the_website_are_warned(moderator_client, taxonomies):
    organisation, _ = full_submission(email="kim.harbour@gmail.com")
    Organisation.objects.filter(pk=organisation.pk).update(email="info@harbourlight.org.uk")
    assert warning_texts(moderator_client, organisation) == [
        "The public contact email is at harbourlight.org.uk, which does not match the website "
        "(harbour-light.example.org)",
        "The sender’s email is at gmail.com, which does not match the website "
        "(harbour-light.example.org)",
    ]


def test_subdomains_of_the_website_match(moderator_client, submission):
    organisation, _ = submission
    Organisation.objects.filter(pk=organisation.pk).update(
        email="office@mail.harbour-light.example.org",
        website="https://www.harbour-light.example.org",
    )
    assert warning_texts(moderator_client, organisation) == []


def test_further_checks_add_their_warnings(moderator_client, submission, monkeypatch):
    organisation, _ = submission
    monkeypatch.setattr(moderation_review, "WARNING_CHECKS", [])

    @moderation_review.register_warning_check
    def removed_from_register(preview):
        return [moderation_review.ReviewWarning(f"{preview.charity_number_ew} was removed")]

    assert warning_texts(moderator_client, organisation) == ["1187654 was removed"]


@pytest.mark.parametrize(("is_removed", "warned"), [(True, True), (False, False)])
def test_a_number_the_register_says_was_removed_is_warned(
    moderator_client, submission, is_removed, warned
):
    organisation, _ = submission
    RegisterEntry.objects.create(
        register="ccew",
        number=organisation.charity_number_ew,
        name=organisation.name,
        is_removed=is_removed,
        removed_on=date(2025, 3, 1) if is_removed else None,
    )
    removed = (
        f"{organisation.charity_number_ew}: the Charity Commission for England and Wales says "
        "it was removed on 1 March 2025"
    )
    assert (removed in warning_texts(moderator_client, organisation)) is warned


# --- Comparing, and the thread of messages ---


def test_a_resubmission_shows_what_changed_since_it_was_sent_back_and_the_thread(
    client, moderator_client, moderator, submission
):
    organisation, charity = submission
    moderation.decision_record(
        kind="submission",
        action="request_changes",
        subject=organisation,
        actor=moderator,
        reason="Name the prison you work in.",
    )
    organisation = save_fields(
        organisation, charity, summary="Mentoring for men leaving HMP Altcourse"
    )
    ServiceFactory(organisation=organisation, name="Family days")
    registration.organisation_submit(
        organisation=organisation, user=charity, expected_version=version(organisation)
    )
    response = review(moderator_client, organisation)
    rows = {row["label"]: row for row in response.context["since_sent_back"]}
    assert rows["Summary"]["before"] == "Mentoring for men leaving HMP Liverpool"
    assert rows["Summary"]["after"] == "Mentoring for men leaving HMP Altcourse"
    assert any(label.startswith("Service “Family days” (new)") for label in rows)
    thread = [(entry.text, entry.who, entry.message) for entry in response.context["thread"]]
    assert thread == [
        ("Sent for review", "Kim Harbour", ""),
        ("Changes requested", "Mo Derator", "Name the prison you work in."),
        ("Sent for review again", "Kim Harbour", ""),
    ]
    page = response.content.decode()
    assert "Changes since it was sent back" in page
    assert "Name the prison you work in." in page
    # Within a long text, the words that changed are marked.
    assert "Mentoring for men leaving HMP <del>Liverpool</del>" in page
    assert "Mentoring for men leaving HMP <ins>Altcourse</ins>" in page


@pytest.mark.parametrize(
    ("before", "after", "marked_before", "marked_after"),
    [
        (
            "Mentors in HMP Styal",
            "Mentors in HMP Altcourse",
            "HMP <del>Styal</del>",
            "<ins>Altcourse</ins>",
        ),
        (
            "Advice & support",
            "Advice, support <b>",
            "<del>Advice &amp;</del> support",
            "<ins>Advice,</ins> support <ins>&lt;b&gt;</ins>",
        ),
        ("One\ntwo", "One\nthree", "One\n<del>two</del>", "One\n<ins>three</ins>"),
        ("Same words", "Same words", "Same words", "Same words"),
    ],
)
def test_changed_words_are_marked_and_everything_escaped(
    before, after, marked_before, marked_after
):
    old, new = moderation_review.marked_words(before, after)
    assert marked_before in old
    assert marked_after in new


def test_changes_to_a_published_entry_compare_with_it_and_with_what_was_sent_back(
    moderator_client, moderator
):
    organisation = OrganisationFactory(summary="Published summary")
    editor = verified_user(full_name="Ed Itor")
    MembershipFactory(user=editor, organisation=organisation)
    organisation = save_fields(organisation, editor, summary="First proposal")
    revision = organisation.revisions.get()
    moderation.decision_record(
        kind="revision",
        action="request_changes",
        subject=revision,
        actor=moderator,
        reason="Shorter",
    )
    organisation = save_fields(organisation, editor, summary="Second proposal")
    registration.organisation_submit(
        organisation=organisation, user=editor, expected_version=version(organisation)
    )
    context = review(moderator_client, organisation).context
    assert [(r["label"], r["before"], r["after"]) for r in context["diff"]] == [
        ("Summary", "Published summary", "Second proposal")
    ]
    assert [(r["label"], r["before"], r["after"]) for r in context["since_sent_back"]] == [
        ("Summary", "First proposal", "Second proposal")
    ]
    assert [entry.text for entry in context["thread"]] == [
        "Sent for review",
        "Changes requested",
        "Sent for review again",
    ]
    assert context["submitter"] == editor


def test_the_history_says_what_changes_were_proposed(moderator_client):
    organisation = OrganisationFactory(summary="Published summary")
    editor = verified_user(full_name="Ed Itor")
    MembershipFactory(user=editor, organisation=organisation)
    organisation = save_fields(organisation, editor, summary="First proposal")
    organisation = save_fields(
        organisation, editor, summary="First proposal", description="A longer description"
    )
    url = reverse("moderation:history", kwargs={"org": organisation.uuid})
    rows = [(row["who"], row["what"]) for row in moderator_client.get(url).context["rows"]]
    assert ("Ed Itor", "Changes to the published entry proposed: summary") in rows
    assert ("Ed Itor", "Proposed changes updated: description") in rows


# --- Four eyes ---


def edit_someone_elses_profile(moderator) -> OrganisationRevision:
    organisation = OrganisationFactory(summary="Published summary")
    MembershipFactory(organisation=organisation, role="admin")
    organisation = save_fields(organisation, moderator, summary="A moderator's summary")
    return organisation.revisions.pending().get()


def test_a_moderators_own_edit_to_someone_elses_profile_waits_for_another(moderator):
    revision = edit_someone_elses_profile(moderator)
    organisation = revision.organisation
    organisation.refresh_from_db()
    assert organisation.summary == "Published summary"
    with pytest.raises(moderation.OwnChangesError):
        moderation.decision_record(
            kind="revision",
            action="approve",
            subject=revision,
            actor=moderator,
            expected_version=organisation.version,
        )
    with pytest.raises(moderation.OwnChangesError):
        moderation.decision_record(
            kind="revision", action="reject", subject=revision, actor=moderator, reason="No"
        )
    other = moderator_user()
    moderation.decision_record(
        kind="revision",
        action="approve",
        subject=revision,
        actor=other,
        expected_version=organisation.version,
    )
    organisation.refresh_from_db()
    assert organisation.summary == "A moderator's summary"
    assert not AuditRecord.objects.get().self_decided


def test_a_moderator_who_changed_a_revision_later_cannot_decide_it(moderator):
    organisation = OrganisationFactory()
    editor = verified_user()
    MembershipFactory(user=editor, organisation=organisation)
    organisation = save_fields(organisation, editor, summary="By the editor")
    revision = organisation.revisions.get()
    assert not moderation.changes_authored_by(organisation, revision, moderator)
    organisation = save_fields(organisation, moderator, description="By the moderator")
    assert moderation.changes_authored_by(organisation, revision, moderator)


def test_the_review_page_says_another_moderator_must_decide(moderator, moderator_client):
    revision = edit_someone_elses_profile(moderator)
    organisation = revision.organisation
    page = review(moderator_client, organisation).content.decode()
    assert "You made some of these changes yourself, so another moderator must decide" in page
    assert "Record decision" not in page
    response = moderator_client.post(
        review_url(organisation), {"action": "approve", "version": version(organisation)}
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [moderation.OwnChangesError.message]
    revision.refresh_from_db()
    assert revision.status == OrganisationRevision.Status.PENDING


def test_self_approval_is_allowed_by_the_setting_and_marked(moderator, moderator_client, settings):
    settings.MODERATION_ALLOW_SELF_APPROVAL = True
    revision = edit_someone_elses_profile(moderator)
    organisation = revision.organisation
    page = review(moderator_client, organisation).content.decode()
    assert "Your decision will be recorded as deciding on your own changes" in page
    response = moderator_client.post(
        review_url(organisation), {"action": "approve", "version": version(organisation)}
    )
    assert response.status_code == 302
    decision = AuditRecord.objects.get()
    assert decision.self_decided
    history = moderation_selectors.organisation_history(organisation=organisation)
    assert any("who had made some of the changes" in row["what"] for row in history)


def test_the_admin_lists_decisions_on_ones_own_changes(client, moderator, settings):
    settings.MODERATION_ALLOW_SELF_APPROVAL = True
    revision = edit_someone_elses_profile(moderator)
    # One decision on their own changes, and one on nothing of theirs.
    for kind, action, subject in [
        ("revision", "reject", revision),
        ("archive", "done", revision.organisation),
    ]:
        moderation.decision_record(
            kind=kind, action=action, subject=subject, actor=moderator, reason="No"
        )
    client.force_login(moderator_user(is_staff=True, is_superuser=True))
    changelist = reverse("admin:directory_auditrecord_changelist")
    listing = client.get(changelist, {"self_decided__exact": "1"}).context["cl"]
    assert "self_decided" in listing.list_display
    assert "self_decided" in [spec.field_path for spec in listing.filter_specs]
    assert [(record.kind, record.action) for record in listing.result_list] == [
        ("revision", "reject")
    ]


def test_a_moderator_cannot_decide_a_submission_they_edited_or_sent(moderator, taxonomies):
    organisation, _ = full_submission()
    moderation.decision_record(
        kind="submission",
        action="request_changes",
        subject=organisation,
        actor=moderator,
        reason="Fix",
    )
    # Asking for changes is no authorship: the same moderator may decide the next sending.
    organisation = save_fields(organisation, moderator, description="Rewritten by the moderator")
    registration.organisation_submit(
        organisation=organisation, user=moderator, expected_version=version(organisation)
    )
    with pytest.raises(moderation.OwnChangesError):
        moderation.decision_record(
            kind="submission",
            action="approve",
            subject=organisation,
            actor=moderator,
            expected_version=version(organisation),
        )
    moderation.decision_record(
        kind="submission",
        action="approve",
        subject=organisation,
        actor=moderator_user(),
        expected_version=version(organisation),
    )


def test_a_moderator_may_decide_a_submission_after_only_deciding_on_it(moderator, submission):
    organisation, charity = submission
    moderation.decision_record(
        kind="submission",
        action="request_changes",
        subject=organisation,
        actor=moderator,
        reason="Fix",
    )
    registration.organisation_submit(
        organisation=organisation, user=charity, expected_version=version(organisation)
    )
    moderation.decision_record(
        kind="submission",
        action="approve",
        subject=organisation,
        actor=moderator,
        expected_version=version(organisation),
    )
    assert Organisation.objects.get(pk=organisation.pk).status == Status.PUBLISHED


def test_a_moderator_cannot_decide_a_claim_on_an_organisation_they_belong_to(moderator):
    organisation = OrganisationFactory()
    MembershipFactory(user=moderator, organisation=organisation, role="editor")
    claim = ClaimRequestFactory(organisation=organisation)
    with pytest.raises(PermissionDenied, match="an organisation you belong to"):
        moderation.decision_record(kind="claim", action="approve", subject=claim, actor=moderator)


# --- The queue, the header and the emails ---


def test_the_header_shows_moderators_how_many_items_wait(client, moderator_client, submission):
    ProblemReportFactory()
    page = moderator_client.get("/").content.decode()
    assert "Moderation (2 waiting)" in page
    client.force_login(verified_user())
    assert "Moderation (" not in client.get("/").content.decode()


def test_the_queue_filters_evidence_and_stale_entries(moderator_client):
    unverified = EvidenceItemFactory(organisation=OrganisationFactory(name="Unchecked Evidence"))
    OrganisationFactory(name="Old Entry", freshness_stage=Organisation.Freshness.STALE)
    OrganisationFactory(name="Hidden Entry", status=Status.DRAFT)
    everything = moderator_client.get(reverse("moderation:queue")).context["items"]
    assert everything == []
    evidence = moderator_client.get(reverse("moderation:queue"), {"kind": "evidence"})
    assert [item.detail for item in evidence.context["items"]] == [f"Evidence: {unverified.title}"]
    stale = moderator_client.get(reverse("moderation:queue"), {"kind": "stale"})
    assert [item.title for item in stale.context["items"]] == ["Old Entry"]


def test_the_queue_says_how_long_each_item_waited(moderator_client, submission):
    organisation, _ = submission
    Organisation.objects.filter(pk=organisation.pk).update(
        submitted_at=timezone.now() - timedelta(days=10)
    )
    page = moderator_client.get(reverse("moderation:queue")).content.decode()
    assert "1\xa0week, 3\xa0days" in page
    assert "Over 5 working days" in page
    # How long, then what kind of item (one, so in the singular).
    row = page.split("Harbour Light Trust</a>")[1].split("</tr>")[0]
    assert row.index("1\xa0week") < row.index(">New submission</td>")


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        (datetime(2026, 12, 4, 9, tzinfo=UTC), datetime(2026, 12, 7, 9, tzinfo=UTC), 1),  # Fri-Mon
        (datetime(2026, 12, 5, 9, tzinfo=UTC), datetime(2026, 12, 7, 9, tzinfo=UTC), 1),  # Sat-Mon
        (datetime(2026, 12, 1, 9, tzinfo=UTC), datetime(2026, 12, 8, 8, tzinfo=UTC), 5),
        (datetime(2026, 12, 1, 9, tzinfo=UTC), datetime(2026, 12, 9, 9, tzinfo=UTC), 6),
        (datetime(2026, 12, 9, 9, tzinfo=UTC), datetime(2026, 12, 9, 17, tzinfo=UTC), 0),
    ],
)
def test_working_days_leave_out_weekends(start, end, days):
    assert moderation_selectors.working_days_since(start, end) == days


def digest_emails() -> list:
    return [m for m in mail.outbox if "for the moderators" in m.subject]


def test_new_work_is_emailed_to_the_moderators_at_most_once_an_hour(moderator, taxonomies):
    full_submission()
    now = timezone.now()
    ProblemReportFactory(created_at=now - timedelta(minutes=5))
    assert moderation.moderation_digest_send(now=now) == 2
    [email] = digest_emails()
    assert email.to == [moderator.email]
    assert email.subject == "2 new items for the moderators"
    assert "New submission: Harbour Light Trust" in email.body
    assert "/moderation/" in email.body

    # More work within the hour waits for the next digest, which lists only what is new.
    ProblemReportFactory(organisation__name="Later Trust", created_at=now + timedelta(minutes=10))
    assert moderation.moderation_digest_send(now=now + timedelta(minutes=20)) == 0
    assert moderation.moderation_digest_send(now=now + timedelta(minutes=59)) == 0
    assert len(digest_emails()) == 1
    assert moderation.moderation_digest_send(now=now + timedelta(minutes=61)) == 1
    assert "Later Trust" in digest_emails()[-1].body
    assert "Harbour Light Trust" not in digest_emails()[-1].body
    # Nothing new: nothing sent.
    assert moderation.moderation_digest_send(now=now + timedelta(hours=3)) == 0
    assert len(digest_emails()) == 2


def test_the_digest_goes_through_the_outbox(moderator, settings, taxonomies):
    from outbox.models import OutgoingEmail

    settings.EMAIL_BACKEND = "outbox.backends.DurableEmailBackend"
    full_submission()
    moderation.moderation_digest_send()
    assert OutgoingEmail.objects.filter(subject="1 new item for the moderators").exists()


def test_long_waits_are_summarised_once_a_day(moderator, taxonomies):
    now = datetime(2026, 12, 9, 8, tzinfo=UTC)  # a Wednesday
    organisation, _ = full_submission()
    Organisation.objects.filter(pk=organisation.pk).update(submitted_at=now - timedelta(days=8))
    ProblemReportFactory(created_at=now - timedelta(days=1))
    assert moderation.moderation_summary_send(now=now) == 1
    email = mail.outbox[-1]
    assert email.subject == "1 item has waited more than 5 working days for a moderator"
    assert "Harbour Light Trust" in email.body
    sent = len(mail.outbox)
    assert moderation.moderation_summary_send(now=now + timedelta(hours=8)) == 0
    assert len(mail.outbox) == sent
    assert moderation.moderation_summary_send(now=now + timedelta(days=1)) == 1


def test_the_commands_send_the_digest_and_the_summary(moderator, taxonomies, capsys):
    full_submission()
    call_command("send_moderation_digest")
    call_command("send_moderation_summary")
    assert capsys.readouterr().out.splitlines() == [
        "New items emailed to the moderators: 1",
        "Long-waiting items emailed to the moderators: 0",
    ]
    assert len(digest_emails()) == 1
