"""The personal data download and account deletion, for a user with one of everything the
directory keeps about a person: the download holds each thing, and deletion leaves nothing of
them, in the live tables or in the audit history."""

import json
from dataclasses import dataclass

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.core import mail
from django.db import models
from django.urls import reverse
from django.utils import timezone

from accounts.models import CommissionerProfile, Invitation, User
from consortia.models import (
    ExpressionOfInterest,
    OfferAppraisal,
    Opportunity,
)
from directory.moderation import services as moderation_services
from directory.moderation.models import (
    ClaimRequest,
    OrganisationRevision,
    ProblemReport,
)
from directory.organisations import services as organisation_services
from directory.organisations.models import AuditRecord
from directory.search.models import SavedSearch, SavedSearchSeen
from directory.shortlists.models import ContactMessage, SearchRecord, Shortlist, ShortlistInvitation
from tests.accounts.helpers import PASSWORD, activate_totp
from tests.factories import (
    ClaimRequestFactory,
    CommissionerProfileFactory,
    ConsortiumFactory,
    ContactMessageFactory,
    EvidenceItemFactory,
    ExpressionOfInterestFactory,
    InvitationFactory,
    MembershipFactory,
    OfferAppraisalFactory,
    OpportunityFactory,
    OrganisationFactory,
    OrganisationRevisionFactory,
    ProblemReportFactory,
    SavedSearchFactory,
    SearchRecordFactory,
    ShortlistFactory,
    ShortlistInvitationFactory,
    ShortlistItemFactory,
    ShortlistShareFactory,
    VerifiedEmailAddressFactory,
    moderator_user,
    verified_user,
)

pytestmark = pytest.mark.django_db

EMAIL = "ada.okafor@probation.example.gov.uk"
OTHER_EMAIL = "ada@home.example.org"  # confirmed, not the account's
NAME = "Ada Okafor"


@dataclass
class Everything:
    user: User
    organisation: object
    own_shortlist: Shortlist
    colleagues_shortlist: Shortlist
    colleagues_record: SearchRecord
    opportunity_for_organisation: Opportunity
    opportunity_for_employer: Opportunity
    submitted_eoi: ExpressionOfInterest
    answered_eoi: ExpressionOfInterest
    report: ProblemReport
    report_from_other_address: ProblemReport
    unconfirmed_report: ProblemReport
    decision_made: AuditRecord
    event: AuditRecord


def one_of_everything() -> Everything:
    user = verified_user(email=EMAIL, full_name=NAME)
    moderator = moderator_user()
    user.groups.add(*moderator.groups.all())  # she moderates too
    activate_totp(user)
    VerifiedEmailAddressFactory(user=user, email=OTHER_EMAIL, primary=False)
    # An address she added but never confirmed may be anyone's.
    EmailAddress.objects.create(user=user, email="not-hers@example.org", verified=False)
    moderation_services.decision_record(
        kind="commissioner",
        action="approve",
        subject=CommissionerProfileFactory(user=user, body_name="Kent Probation"),
        actor=moderator,
        reason="Checked with the Kent office",
    )
    organisation = MembershipFactory(
        user=user, role="admin", organisation__name="Okafor Housing Trust"
    ).organisation
    MembershipFactory(organisation=organisation, role="admin")  # she is not its only admin
    organisation.summary = "Edited by Ada"
    organisation._history_user = user
    organisation.save()
    OrganisationRevisionFactory(organisation=organisation, created_by=user)
    InvitationFactory(email=EMAIL.upper(), organisation__name="Invited Org")
    InvitationFactory(email=OTHER_EMAIL, organisation__name="Invited At Home Org")
    InvitationFactory(organisation=organisation, email="new.colleague@example.org", invited_by=user)
    ClaimRequestFactory(user=user, message="I run the Kent project", organisation__name="Claimed")

    colleague = verified_user(email="colleague@probation.example.gov.uk")
    own_shortlist = ShortlistFactory(owner=user, name="Kent accommodation")
    ShortlistItemFactory(
        shortlist=own_shortlist,
        organisation=OrganisationFactory(name="Safe Homes"),
        note="Strong on women's housing",
    )
    ShortlistShareFactory(shortlist=own_shortlist, user=colleague, role="editor")
    ShortlistInvitationFactory(shortlist=own_shortlist, email="no.account@council.example.org")
    SearchRecordFactory(
        shortlist=own_shortlist,
        query_string="region=kent",
        result_count=2,
        results=[{"id": 1, "name": "Safe Homes"}, {"id": 2, "name": "Kent Futures"}],
    )
    colleagues_shortlist = ShortlistFactory(owner=colleague, name="Colleague's list")
    ShortlistInvitationFactory(shortlist=colleagues_shortlist, email=EMAIL, role="editor")
    colleagues_record = SearchRecordFactory(
        shortlist=colleagues_shortlist,
        recorded_by=user,
        query_string="region=wales",
        result_count=1,
        results=[{"id": 3, "name": "Cymru Futures"}],
    )
    saved = SavedSearchFactory(owner=user, name="Wales housing", query_string="region=wales")
    SavedSearchSeen.objects.create(
        saved_search=saved, organisation=OrganisationFactory(name="Alerted Org")
    )
    ContactMessageFactory(
        sender=user, organisation=OrganisationFactory(name="Cymru Futures"), body="Hello there"
    )
    report = ProblemReportFactory(email=EMAIL.upper(), description="Phone is wrong")
    report_from_other_address = ProblemReportFactory(email=OTHER_EMAIL)
    unconfirmed_report = ProblemReportFactory(email="not-hers@example.org")

    opportunity_for_organisation = OpportunityFactory(
        posted_by=user, organisation=organisation, title="Accommodation partner, Kent"
    )
    opportunity_for_employer = OpportunityFactory(
        posted_by=user, organisation=None, title="Kent Probation: mentoring"
    )
    waiting = MembershipFactory(
        role="admin", user__email="responder@example.org", organisation__name="Responder"
    ).organisation
    ExpressionOfInterestFactory(opportunity=opportunity_for_employer, organisation=waiting)
    submitted_eoi = ExpressionOfInterestFactory(
        organisation=organisation, submitted_by=user, message="We would like to bid with you"
    )
    answered_eoi = ExpressionOfInterestFactory(
        opportunity=opportunity_for_organisation,
        status="shortlisted",
        decided_by=user,
        decided_at=timezone.now(),
        decision_message="Let us meet in March",
    )
    OfferAppraisalFactory(owner=user, organisation=organisation, name="Kent subcontract")
    event = organisation_services.audit_record(
        actor=user,
        kind="consortium",
        action="done",
        subject=ConsortiumFactory(lead_organisation=organisation, name="Kent Alliance"),
        organisation=organisation,
        description="Okafor Housing Trust started the consortium",
    )
    reported = ProblemReportFactory(organisation=OrganisationFactory(name="Reported Org"))
    moderation_services.decision_record(
        kind="report", action="approve", subject=reported, actor=user, reason="Put right by phone"
    )
    decision_made = AuditRecord.objects.get(actor=user, kind="report")
    EvidenceItemFactory(
        organisation=reported.organisation,
        verified_by=user,
        verified_by_moderator=True,
        verified_at=timezone.now(),
    )
    mail.outbox.clear()
    return Everything(
        user=user,
        organisation=organisation,
        own_shortlist=own_shortlist,
        colleagues_shortlist=colleagues_shortlist,
        colleagues_record=colleagues_record,
        opportunity_for_organisation=opportunity_for_organisation,
        opportunity_for_employer=opportunity_for_employer,
        submitted_eoi=submitted_eoi,
        answered_eoi=answered_eoi,
        report=report,
        report_from_other_address=report_from_other_address,
        unconfirmed_report=unconfirmed_report,
        decision_made=decision_made,
        event=event,
    )


def test_the_download_holds_one_of_everything(client):
    everything = one_of_everything()
    client.force_login(everything.user)

    response = client.get(reverse("accounts_download"))

    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["account"]["email"] == EMAIL and data["account"]["is_moderator"]
    assert data["commissioner_profile"]["body_name"] == "Kent Probation"
    assert [m["organisation"] for m in data["memberships"]] == ["Okafor Housing Trust"]
    assert [i["organisation"] for i in data["invitations_received"]] == [
        "Invited Org",
        "Invited At Home Org",
    ]
    [sent] = data["invitations_you_sent"]
    assert (sent["email"], sent["organisation"]) == (
        "new.colleague@example.org",
        "Okafor Housing Trust",
    )
    [claim] = data["requests_to_join_or_claim"]
    assert (claim["organisation"], claim["message"]) == ("Claimed", "I run the Kent project")
    [proposed] = data["changes_you_proposed"]
    assert proposed["organisation"] == "Okafor Housing Trust"

    [own] = data["shortlists"]
    assert own["shared_with"] == [
        {"email": "colleague@probation.example.gov.uk", "role": "Can edit"},
        {"email": "no.account@council.example.org", "role": "Can view"},
    ]
    [record] = own["searches_recorded"]
    assert record["organisations_found"] == ["Safe Homes", "Kent Futures"]
    assert [(s["shortlist"], s["role"]) for s in data["shortlists_shared_with_you"]] == [
        ("Colleague's list", "Can edit")
    ]
    [others] = data["searches_you_recorded_on_others_shortlists"]
    assert (others["shortlist"], others["search"], others["organisations_found"]) == (
        "Colleague's list",
        "region=wales",
        ["Cymru Futures"],
    )
    [saved] = data["saved_searches"]
    assert saved["name"] == "Wales housing"
    assert [s["sent"] for s in saved["sent_in_alerts"]] == ["Alerted Org"]
    [message] = data["messages_sent"]
    assert (message["organisation"], message["message"]) == ("Cymru Futures", "Hello there")

    reports = data["reports_made_with_your_email"]
    assert sorted(r["email"].lower() for r in reports) == sorted([EMAIL, OTHER_EMAIL])
    assert "not-hers@example.org" not in json.dumps(reports)
    assert {o["title"]: o["organisation"] for o in data["opportunities_posted"]} == {
        "Accommodation partner, Kent": "Okafor Housing Trust",
        "Kent Probation: mentoring": None,
    }
    [eoi] = data["expressions_of_interest_sent"]
    assert (eoi["organisation"], eoi["message"]) == (
        "Okafor Housing Trust",
        "We would like to bid with you",
    )
    [answered] = data["expressions_of_interest_you_answered"]
    assert (answered["status"], answered["answer"]) == ("Shortlisted", "Let us meet in March")
    [appraisal] = data["offer_appraisals"]
    assert appraisal["name"] == "Kent subcontract" and appraisal["inputs"]["contract_months"]
    [event] = data["consortium_actions"]
    assert (event["consortium"], event["what"]) == (
        "Kent Alliance",
        "Okafor Housing Trust started the consortium",
    )
    [about] = data["moderation_decisions_about_you"]
    assert about["decision"] == "Commissioner verification: Approved"
    assert about["reason"] == "Checked with the Kent office"
    [made] = data["moderation_decisions_you_made"]
    assert (made["decision"], made["organisation"], made["reason"]) == (
        "Problem report: Approved",
        "Reported Org",
        "Put right by phone",
    )
    assert any(c["record"] == "organisation" for c in data["changes_you_made"])


def test_the_download_leaves_out_other_peoples_data(client):
    everything = one_of_everything()
    stranger = verified_user(email="stranger@example.org", full_name="Stranger Danger")
    ShortlistFactory(owner=stranger, name="Stranger's list")
    SavedSearchFactory(owner=stranger, name="Stranger's search")
    ContactMessageFactory(sender=stranger, body="Stranger's message")
    client.force_login(everything.user)

    content = client.get(reverse("accounts_download")).content.decode()

    for trace in ["stranger@example.org", "Stranger"]:
        assert trace not in content
    # The address she never confirmed is listed as hers, but not what was sent from it.
    assert content.count("not-hers@example.org") == 1
    # Her colleague's shortlist is named, but not what is on it.
    ShortlistItemFactory(
        shortlist=everything.colleagues_shortlist, organisation__name="Colleague's pick"
    )
    assert "Colleague's pick" not in client.get(reverse("accounts_download")).content.decode()


def _text_fields(model) -> list[str]:
    return [
        field.name
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField)
    ]


def _traces_left(traces: list[str]) -> list[str]:
    """Every row of every table (audit history included) holding one of `traces`."""
    found = []
    for model in apps.get_models():
        condition = models.Q(pk__in=[])
        for name in _text_fields(model):
            for trace in traces:
                condition |= models.Q(**{f"{name}__icontains": trace})
        for row in model._default_manager.filter(condition):
            found.append(f"{model._meta.label} {row.pk}")
    return found


def _links_left(user_pk: int) -> list[str]:
    """Every row of every table (audit history included) that links to the user."""
    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            links = field.is_relation and field.related_model is User
            if links and model._default_manager.filter(**{field.attname: user_pk}).exists():
                found.append(f"{model._meta.label}.{field.name}")
    return found


def test_deleting_the_account_leaves_nothing_of_them(client, django_capture_on_commit_callbacks):
    everything = one_of_everything()
    user_pk = everything.user.pk
    assert _links_left(user_pk) and _traces_left([EMAIL, OTHER_EMAIL, NAME])
    client.force_login(everything.user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts_delete"), {"password": PASSWORD})

    assert "Your account has been deleted" in response.content.decode()
    assert not User.objects.filter(pk=user_pk).exists()
    assert _links_left(user_pk) == []
    assert _traces_left([EMAIL, OTHER_EMAIL, NAME]) == []

    # What was hers alone is gone.
    assert not CommissionerProfile.objects.exists()
    assert not ClaimRequest.objects.exists()
    assert not OfferAppraisal.objects.exists()
    assert not SavedSearch.objects.exists()
    assert list(ContactMessage.objects.values_list("body", flat=True)) == []
    assert list(Shortlist.objects.all()) == [everything.colleagues_shortlist]
    assert not ShortlistInvitation.objects.exists()  # to her address, and on her own list
    assert not Invitation.objects.exclude(email="new.colleague@example.org").exists()
    # What belongs to others stays, without her.
    everything.colleagues_record.refresh_from_db()
    assert everything.colleagues_record.recorded_by is None
    assert everything.colleagues_record.results == [{"id": 3, "name": "Cymru Futures"}]
    assert Invitation.objects.get().invited_by is None
    for report in [everything.report, everything.report_from_other_address]:
        report.refresh_from_db()
        assert (report.email, report.description) == ("", report.description)
    everything.unconfirmed_report.refresh_from_db()
    assert everything.unconfirmed_report.email == "not-hers@example.org"
    everything.submitted_eoi.refresh_from_db()
    assert everything.submitted_eoi.submitted_by is None
    assert everything.submitted_eoi.message == "We would like to bid with you"
    everything.answered_eoi.refresh_from_db()
    assert everything.answered_eoi.decided_by is None
    assert everything.answered_eoi.decision_message == "Let us meet in March"
    everything.decision_made.refresh_from_db()
    assert everything.decision_made.actor is None
    assert everything.decision_made.reason == "Put right by phone"
    assert AuditRecord.objects.get(kind="commissioner").subject_user is None
    everything.event.refresh_from_db()
    assert everything.event.actor is None
    assert not OrganisationRevision.objects.filter(created_by__isnull=False).exists()

    # Her organisation's opportunity stays with it, open; her employer's is withdrawn, and
    # the organisation waiting on its response is told.
    for opportunity in [
        everything.opportunity_for_organisation,
        everything.opportunity_for_employer,
    ]:
        opportunity.refresh_from_db()
        assert opportunity.posted_by is None
    assert everything.opportunity_for_organisation.status == "published"
    assert everything.opportunity_for_organisation.poster_name == "Okafor Housing Trust"
    assert everything.opportunity_for_employer.status == "withdrawn"
    assert everything.opportunity_for_employer.poster_name == "Someone no longer in the directory"
    [withdrawn] = [email for email in mail.outbox if email.to == ["responder@example.org"]]
    assert "Kent Probation: mentoring" in withdrawn.subject + withdrawn.body
    client.force_login(everything.organisation.memberships.get().user)
    page = client.get(everything.opportunity_for_organisation.get_absolute_url())
    assert page.status_code == 200


# --- Nothing leaves the system about them afterwards ---


def test_emails_still_queued_for_a_deleted_account_are_not_sent():
    """Neither to them, nor on their behalf, nor about them."""
    from django.core.mail import EmailMessage

    from accounts.services import user_delete
    from outbox.models import OutgoingEmail
    from outbox.services import emails_deliver, emails_keep

    user = verified_user(email="Leaving.Person@example.org")
    colleague = "colleague@example.org"
    emails_keep(
        messages=[
            EmailMessage("Your weekly alert", "3 new organisations", to=[user.email]),
            EmailMessage(
                "A new response", "Someone responded", to=[f"Leaving <{user.email.lower()}>"]
            ),
            EmailMessage("To both", "Hello", to=[colleague], bcc=[user.email]),
            EmailMessage("Their message", "From them", to=[colleague], reply_to=[user.email]),
            EmailMessage(
                f"{user.email.lower()} has asked to join Harbour Trust", "Review it", to=[colleague]
            ),
            EmailMessage("A request to join", f"From {user.email}.", to=[colleague]),
        ]
    )

    user_delete(user=user)
    emails_deliver()

    assert [(email.subject, email.to, email.bcc) for email in mail.outbox] == [
        ("To both", [colleague], [])
    ]
    assert not OutgoingEmail.objects.exists()


def test_accepting_an_invitation_validates_what_it_saves(client):
    from django.core.exceptions import ValidationError

    from accounts.services import invitation_accept

    # An address from before addresses were checked: the membership is not created from it.
    user = verified_user(email="ada@example")
    invitation = InvitationFactory(email=user.email)
    with pytest.raises(ValidationError):
        invitation_accept(invitation=invitation, user=user)
    assert not user.memberships.exists()
