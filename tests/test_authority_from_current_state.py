"""Authority comes from who someone is now, not from who they were when they made something.

A permission matrix of (who they were, who they are now) x action: each case signs the person
in, changes their membership, role, verification or share through the services (as an admin
or moderator would; a moderator's or staff member's powers in the Django admin), and then tries
each action on the very next request. A refused action answers 404 (or 403 where the page says
why), after any redirect.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts import services as account_services
from accounts.models import MODERATORS_GROUP
from consortia import services as consortia_services
from directory.shortlists import services as shortlist_services
from tests.accounts.helpers import activate_totp
from tests.factories import (
    CommissionerProfileFactory,
    ConsortiumFactory,
    EvidenceItemFactory,
    ExpressionOfInterestFactory,
    MembershipFactory,
    OpportunityFactory,
    OrganisationFactory,
    ShortlistFactory,
    ShortlistItemFactory,
    ShortlistShareFactory,
    moderator_user,
    verified_user,
)

REFUSED = {403, 404}


@dataclass
class Case:
    """What the person was given, how it changes, and what each action asks of the server."""

    build: Callable[[object], dict]  # the person -> the things involved
    change: Callable[[dict, str], None]  # (things, now) -> None
    actions: dict[str, Callable[[dict], tuple[str, str, dict]]]  # name -> (method, url, data)
    allowed: dict[str, set[str]]  # action -> the "now" states in which it is allowed


def _page(url_name: str, kwargs: Callable[[dict], dict] = lambda t: {}):
    """The action of opening a page, its URL's arguments taken from the things involved."""
    return lambda t: ("get", reverse(url_name, kwargs=kwargs(t)), {})


def _organisation_uuid(things: dict) -> dict:
    return {"org": things["organisation"].uuid}


def _organisation_with_two_admins(person, role: str) -> dict:
    organisation = OrganisationFactory()
    other_admin = MembershipFactory(organisation=organisation, role="admin").user
    membership = MembershipFactory(user=person, organisation=organisation, role=role)
    return {"organisation": organisation, "membership": membership, "other_admin": other_admin}


def _change_membership(things: dict, now: str) -> None:
    membership, other_admin = things["membership"], things["other_admin"]
    if now == "removed":
        account_services.membership_remove(membership=membership, removed_by=other_admin)
    elif now != membership.role:
        account_services.membership_change_role(
            membership=membership, role=now, changed_by=other_admin
        )


def _opportunity_for_organisation(person) -> dict:
    things = _organisation_with_two_admins(person, "admin")
    opportunity = OpportunityFactory(posted_by=person, organisation=things["organisation"])
    eoi = ExpressionOfInterestFactory(opportunity=opportunity)
    return {**things, "opportunity": opportunity, "eoi": eoi}


def _opportunity_for_public_body(person) -> dict:
    profile = CommissionerProfileFactory(user=person)
    account_services.commissioner_verify(profile=profile)
    opportunity = OpportunityFactory(posted_by=person, organisation=None)
    eoi = ExpressionOfInterestFactory(opportunity=opportunity)
    return {"profile": profile, "opportunity": opportunity, "eoi": eoi}


def _change_verification(things: dict, now: str) -> None:
    if now == "rejected":
        account_services.commissioner_reject(
            profile=things["profile"], rejected_by=moderator_user()
        )


OPPORTUNITY_ACTIONS = {
    "read responses": lambda t: (
        "get",
        reverse("opportunities:responses", kwargs={"opportunity": t["opportunity"].uuid}),
        {},
    ),
    "decide a response": lambda t: (
        "post",
        reverse(
            "opportunities:response_decide",
            kwargs={"opportunity": t["opportunity"].uuid, "pk": t["eoi"].pk},
        ),
        {"status": "declined"},
    ),
    "withdraw": lambda t: (
        "post",
        reverse("opportunities:withdraw", kwargs={"opportunity": t["opportunity"].uuid}),
        {},
    ),
}


def _consortium_url(name: str, things: dict) -> str:
    return reverse(f"partnerships:{name}", kwargs={"consortium": things["consortium"].uuid})


def _consortium_led(person) -> dict:
    things = _organisation_with_two_admins(person, "admin")
    consortium = ConsortiumFactory(lead_organisation=things["organisation"])
    return {**things, "consortium": consortium}


def _draft_evidence(person) -> dict:
    things = _organisation_with_two_admins(person, "editor")
    things["organisation"].status = "draft"
    things["organisation"].save(update_fields=["status"])
    document = SimpleUploadedFile("draft.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
    evidence = EvidenceItemFactory(organisation=things["organisation"], document=document)
    return {**things, "evidence": evidence}


def _moderator(person) -> dict:
    person.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    activate_totp(person)
    organisation = OrganisationFactory(status="submitted")
    return {"person": person, "organisation": organisation}


def _change_moderator(things: dict, now: str) -> None:
    if now == "removed":
        things["person"].groups.clear()


def _staff(person) -> dict:
    person.is_staff = person.is_superuser = True
    person.save(update_fields=["is_staff", "is_superuser"])
    activate_totp(person)
    return {"person": person}


def _change_staff(things: dict, now: str) -> None:
    if now == "not staff":
        things["person"].is_staff = things["person"].is_superuser = False
        things["person"].save(update_fields=["is_staff", "is_superuser"])


def _shared_shortlist(person) -> dict:
    shortlist = ShortlistFactory(owner=verified_user())
    item = ShortlistItemFactory(shortlist=shortlist)
    share = ShortlistShareFactory(shortlist=shortlist, user=person, role="editor")
    return {"shortlist": shortlist, "item": item, "share": share}


def _change_share(things: dict, now: str) -> None:
    if now == "unshared":
        shortlist_services.shortlist_share_revoke(share=things["share"])
    elif now == "viewer":
        shortlist_services.shortlist_share(
            shortlist=things["shortlist"], email=things["share"].user.email, role="viewer"
        )


CASES = {
    "opportunity posted for an organisation": Case(
        build=_opportunity_for_organisation,
        change=_change_membership,
        actions=OPPORTUNITY_ACTIONS,
        allowed={action: {"admin", "editor"} for action in OPPORTUNITY_ACTIONS},
    ),
    "opportunity posted for a public body": Case(
        build=_opportunity_for_public_body,
        change=_change_verification,
        actions={
            **OPPORTUNITY_ACTIONS,
            "post another": _page("opportunities:create"),
        },
        allowed={action: {"verified"} for action in [*OPPORTUNITY_ACTIONS, "post another"]},
    ),
    "organisation's members": Case(
        build=lambda person: _organisation_with_two_admins(person, "admin"),
        change=_change_membership,
        actions={
            "list members": lambda t: (
                "get",
                reverse("accounts_members", kwargs={"slug": t["organisation"].slug}),
                {},
            ),
            "invite": lambda t: (
                "post",
                reverse("accounts_member_invite", kwargs={"slug": t["organisation"].slug}),
                {"email": "new.colleague@example.org", "role": "editor"},
            ),
            "change a role": lambda t: (
                "get",
                reverse(
                    "accounts_member_role",
                    kwargs={
                        "slug": t["organisation"].slug,
                        "pk": t["organisation"].memberships.get(user=t["other_admin"]).pk,
                    },
                ),
                {},
            ),
        },
        allowed={name: {"admin"} for name in ("list members", "invite", "change a role")},
    ),
    "consortium led by their organisation": Case(
        build=_consortium_led,
        change=_change_membership,
        actions={
            "invite a partner": lambda t: (
                "get",
                reverse(
                    "partnerships:consortium_invite", kwargs={"consortium": t["consortium"].uuid}
                ),
                {},
            ),
            "change settings": lambda t: (
                "post",
                reverse(
                    "partnerships:consortium_settings", kwargs={"consortium": t["consortium"].uuid}
                ),
                {"status": "bidding", "visibility": "public"},
            ),
        },
        allowed={"invite a partner": {"admin"}, "change settings": {"admin"}},
    ),
    "evidence of a draft organisation": Case(
        build=_draft_evidence,
        change=_change_membership,
        actions={
            "download the document": lambda t: (
                "get",
                reverse(
                    "directory:evidence_document",
                    kwargs={"slug": t["organisation"].slug, "evidence": t["evidence"].uuid},
                ),
                {},
            ),
            "edit the evidence": _page("registration:evidence", _organisation_uuid),
        },
        allowed={"download the document": {"editor"}, "edit the evidence": {"editor"}},
    ),
    "shortlist shared with them": Case(
        build=_shared_shortlist,
        change=_change_share,
        actions={
            "read it": lambda t: (
                "get",
                reverse("shortlists:detail", kwargs={"pk": t["shortlist"].pk}),
                {},
            ),
            "write a note": lambda t: (
                "post",
                reverse(
                    "shortlists:item_note",
                    kwargs={"pk": t["shortlist"].pk, "item": t["item"].pk},
                ),
                {"note": "Spoke to their manager", "version": "1"},
            ),
            "export it": _page("shortlists:export_csv", lambda t: {"pk": t["shortlist"].pk}),
        },
        allowed={
            "read it": {"editor", "viewer"},
            "write a note": {"editor"},
            "export it": {"editor", "viewer"},
        },
    ),
    "moderator": Case(
        build=_moderator,
        change=_change_moderator,
        actions={
            "open the queue": _page("moderation:queue"),
            "review a submission": _page("moderation:organisation", _organisation_uuid),
        },
        allowed={"open the queue": {"moderator"}, "review a submission": {"moderator"}},
    ),
    "staff": Case(
        build=_staff,
        change=_change_staff,
        actions={"open the admin": _page("admin:index")},
        allowed={"open the admin": {"staff"}},
    ),
}

MATRIX = (
    [
        ("opportunity posted for an organisation", "admin", now)
        for now in ("admin", "editor", "removed")
    ]
    + [
        ("opportunity posted for a public body", "verified", now)
        for now in ("verified", "rejected")
    ]
    + [("organisation's members", "admin", now) for now in ("admin", "editor", "removed")]
    + [
        ("consortium led by their organisation", "admin", now)
        for now in ("admin", "editor", "removed")
    ]
    + [("evidence of a draft organisation", "editor", now) for now in ("editor", "removed")]
    + [("shortlist shared with them", "editor", now) for now in ("editor", "viewer", "unshared")]
    + [("moderator", "moderator", now) for now in ("moderator", "removed")]
    + [("staff", "staff", now) for now in ("staff", "not staff")]
)


@pytest.mark.django_db
@pytest.mark.parametrize(("case", "was", "now"), MATRIX)
def test_authority_follows_the_current_state(case, was, now, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    scenario = CASES[case]
    for action, make_request in scenario.actions.items():
        person = verified_user()
        things = scenario.build(person)
        client = Client()
        client.force_login(person)
        scenario.change(things, now)

        method, url, data = make_request(things)
        response = getattr(client, method)(url, data, follow=True)

        if now in scenario.allowed[action]:
            assert response.status_code not in REFUSED, (case, was, now, action)
        else:
            assert response.status_code in REFUSED, (case, was, now, action)


@pytest.mark.django_db
@pytest.mark.parametrize("now", ["admin", "removed"])
def test_only_a_poster_who_still_manages_it_is_told_of_new_responses(
    now, mailoutbox, django_capture_on_commit_callbacks
):
    person = verified_user()
    things = _opportunity_for_organisation(person)
    _change_membership(things, now)
    responder = MembershipFactory(role="admin")

    with django_capture_on_commit_callbacks(execute=True):
        consortia_services.expression_of_interest_submit(
            opportunity=things["opportunity"],
            organisation=responder.organisation,
            submitted_by=responder.user,
            message="We would like to talk.",
            services=[],
        )

    recipients = {address for email in mailoutbox for address in email.to}
    assert (person.email in recipients) == (now == "admin")
    assert things["other_admin"].email in recipients
