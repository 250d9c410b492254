"""Shortlists: permissions, uniqueness, adding, moving, sharing, comparing, exporting and
recording the search."""

import csv
import io
from datetime import UTC, datetime

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from directory.organisations.models import (
    ClientGroup,
    DeliverySetting,
    IncomeBand,
    Organisation,
    PartnershipRole,
    Pathway,
    QualityMark,
    Region,
)
from directory.shortlists import selectors as shortlist_selectors
from directory.shortlists import services as shortlist_services
from directory.shortlists.models import (
    SearchRecord,
    Shortlist,
    ShortlistInvitation,
    ShortlistItem,
    ShortlistShare,
)
from outbox.models import OutgoingEmail
from tests.factories import (
    ContactMessageFactory,
    EvidenceItemFactory,
    JusticeDataLabEvidenceFactory,
    MembershipFactory,
    OrganisationFactory,
    SavedSearchFactory,
    SearchRecordFactory,
    ServiceFactory,
    ShortlistFactory,
    ShortlistInvitationFactory,
    ShortlistItemFactory,
    ShortlistShareFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

OWNER, EDITOR, VIEWER, STRANGER = "owner", "editor", "viewer", "stranger"


def provider():
    """A member of a published organisation (whose messages the directory passes on)."""
    return MembershipFactory().user


@pytest.fixture
def world():
    """A shortlist with one organisation, shared with an editor and a viewer."""
    shortlist = ShortlistFactory(owner=provider())
    item = ShortlistItemFactory(shortlist=shortlist, note="Strong on women's accommodation")
    editor = ShortlistShareFactory(
        shortlist=shortlist, user=provider(), role=ShortlistShare.Role.EDITOR
    ).user
    viewer_share = ShortlistShareFactory(
        shortlist=shortlist, user=provider(), role=ShortlistShare.Role.VIEWER
    )
    users = {
        OWNER: shortlist.owner,
        EDITOR: editor,
        VIEWER: viewer_share.user,
        STRANGER: provider(),
    }
    return {"shortlist": shortlist, "item": item, "share": viewer_share, "users": users}


def _url(name, world, **extra):
    kwargs = {"pk": world["shortlist"].pk, **extra}
    return reverse(f"shortlists:{name}", kwargs=kwargs)


READ_PAGES = ["detail", "compare", "export_csv", "print", "contact"]


@pytest.mark.parametrize("page", READ_PAGES)
@pytest.mark.parametrize(
    "role,status", [(OWNER, 200), (EDITOR, 200), (VIEWER, 200), (STRANGER, 404)]
)
def test_reading_a_shortlist_is_for_its_owner_and_the_people_it_is_shared_with(
    client, world, page, role, status
):
    client.force_login(world["users"][role])
    assert client.get(_url(page, world)).status_code == status


@pytest.mark.parametrize("page", ["edit", "delete"])
@pytest.mark.parametrize(
    "role,status", [(OWNER, 200), (EDITOR, 404), (VIEWER, 404), (STRANGER, 404)]
)
def test_only_the_owner_renames_or_deletes(client, world, page, role, status):
    client.force_login(world["users"][role])
    assert client.get(_url(page, world)).status_code == status


@pytest.mark.parametrize(
    "role,status", [(OWNER, 200), (EDITOR, 200), (VIEWER, 404), (STRANGER, 404)]
)
def test_editors_change_notes(client, world, role, status):
    client.force_login(world["users"][role])
    url = _url("item_note", world, item=world["item"].pk)
    assert client.get(url).status_code == status
    client.post(url, {"note": "Changed", "version": "1"})
    world["item"].refresh_from_db()
    assert world["item"].note == ("Changed" if status == 200 else "Strong on women's accommodation")


def test_two_editors_changing_a_note_at_once_both_see_both_versions(client, world):
    """The second to save is told, sees the first's note, and keeps their own to combine."""
    url = _url("item_note", world, item=world["item"].pk)
    first, second = Client(), client
    first.force_login(world["users"][OWNER])
    second.force_login(world["users"][EDITOR])
    opened_by_first = first.get(url).context["form"]["version"].value()
    opened_by_second = second.get(url).context["form"]["version"].value()

    assert (
        first.post(url, {"note": "Call Sam first", "version": opened_by_first}).status_code == 302
    )
    response = second.post(url, {"note": "Ask about capacity", "version": opened_by_second})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Someone else saved this note after you opened it" in page
    assert "Call Sam first" in page  # theirs
    assert response.context["form"]["note"].value() == "Ask about capacity"  # kept
    world["item"].refresh_from_db()
    assert world["item"].note == "Call Sam first"

    # Saving again from that page, with both combined, succeeds.
    combined = {"note": "Call Sam first. Ask about capacity"}
    version = response.context["form"]["version"].value()
    assert second.post(url, {**combined, "version": version}).status_code == 302
    world["item"].refresh_from_db()
    assert world["item"].note == combined["note"]


@pytest.mark.parametrize(
    "role,removed", [(OWNER, True), (EDITOR, True), (VIEWER, False), (STRANGER, False)]
)
def test_editors_remove_organisations(client, world, role, removed):
    client.force_login(world["users"][role])
    response = client.post(_url("item_remove", world, item=world["item"].pk))
    assert response.status_code == (302 if removed else 404)
    assert ShortlistItem.objects.filter(pk=world["item"].pk).exists() is not removed


@pytest.mark.parametrize(
    "role,moved", [(OWNER, True), (EDITOR, True), (VIEWER, False), (STRANGER, False)]
)
def test_editors_move_organisations_to_their_own_shortlists(client, world, role, moved):
    user = world["users"][role]
    target = ShortlistFactory(owner=user)
    client.force_login(user)
    response = client.post(_url("item_move", world, item=world["item"].pk), {"target": target.pk})
    assert response.status_code == (302 if moved else 404)
    world["item"].refresh_from_db()
    assert world["item"].shortlist_id == (target.pk if moved else world["shortlist"].pk)
    if moved:
        assert world["item"].note == "Strong on women's accommodation"


def test_moving_to_a_shortlist_of_someone_else_is_refused(client, world):
    client.force_login(world["users"][OWNER])
    someone_elses = ShortlistFactory()
    client.post(_url("item_move", world, item=world["item"].pk), {"target": someone_elses.pk})
    world["item"].refresh_from_db()
    assert world["item"].shortlist_id == world["shortlist"].pk


def test_moving_to_a_shortlist_that_already_has_the_organisation_keeps_both(client, world):
    owner = world["users"][OWNER]
    target = ShortlistFactory(owner=owner)
    ShortlistItemFactory(shortlist=target, organisation=world["item"].organisation)
    client.force_login(owner)
    response = client.post(
        _url("item_move", world, item=world["item"].pk), {"target": target.pk}, follow=True
    )
    assert "is already on" in response.content.decode()
    world["item"].refresh_from_db()
    assert world["item"].shortlist_id == world["shortlist"].pk


@pytest.mark.parametrize(
    "role,status", [(OWNER, 302), (EDITOR, 404), (VIEWER, 404), (STRANGER, 404)]
)
def test_only_the_owner_shares_and_revokes(client, world, role, status):
    colleague = UserFactory()
    client.force_login(world["users"][role])
    response = client.post(_url("share", world), {"email": colleague.email, "role": "viewer"})
    assert response.status_code == status
    assert ShortlistShare.objects.filter(user=colleague).exists() is (status == 302)
    revoke = _url("share_revoke", world, share=world["share"].pk)
    assert client.post(revoke).status_code == status
    assert ShortlistShare.objects.filter(pk=world["share"].pk).exists() is (status != 302)


def test_revoked_colleague_gets_404(client, world):
    viewer = world["users"][VIEWER]
    client.force_login(world["users"][OWNER])
    client.post(_url("share_revoke", world, share=world["share"].pk))
    client.force_login(viewer)
    assert client.get(_url("detail", world)).status_code == 404


def test_sharing_again_changes_the_role(client, world):
    client.force_login(world["users"][OWNER])
    viewer = world["users"][VIEWER]
    client.post(_url("share", world), {"email": viewer.email.upper(), "role": "editor"})
    assert ShortlistShare.objects.get(shortlist=world["shortlist"], user=viewer).role == "editor"


@pytest.mark.parametrize(
    "data,error",
    [
        ({"email": "", "role": "viewer"}, "Enter the email address of the person to share with"),
        ({"email": "not-an-email", "role": "viewer"}, "Enter an email address in the correct"),
        ({"email": "OWNER", "role": "viewer"}, "You cannot share a shortlist with yourself"),
        ({"email": "someone@example.org", "role": "admin"}, "Select a valid choice"),
    ],
)
def test_sharing_errors_are_shown_beside_the_field(client, world, data, error):
    UserFactory(email="someone@example.org")
    owner = world["users"][OWNER]
    if data["email"] == "OWNER":
        data = {**data, "email": owner.email}
    client.force_login(owner)
    response = client.post(_url("share", world), data)
    content = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in content and error in content
    assert ShortlistShare.objects.filter(shortlist=world["shortlist"]).count() == 2


@pytest.mark.parametrize(
    "name", ["item_remove", "item_move", "share", "share_revoke", "invitation_revoke"]
)
def test_state_changes_only_on_post(client, world, name):
    client.force_login(world["users"][OWNER])
    extra = {"item": world["item"].pk} if name.startswith("item") else {}
    if name == "share_revoke":
        extra = {"share": world["share"].pk}
    if name == "invitation_revoke":
        extra = {"invitation": ShortlistInvitationFactory(shortlist=world["shortlist"]).pk}
    assert client.get(_url(name, world, **extra)).status_code == 405


def _share(client, world, email: str, role: str = "viewer") -> str:
    response = client.post(_url("share", world), {"email": email, "role": role}, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def test_sharing_never_tells_whether_an_address_has_an_account(client, world):
    UserFactory(email="has.account@council.example.org")
    client.force_login(world["users"][OWNER])

    with_account = _share(client, world, "Has.Account@council.example.org")
    without = _share(client, world, "no.account@council.example.org")

    # The same answer, word for word but the address...
    def answer(content: str, email: str) -> str:
        start = content.index("govuk-notification-banner__heading")
        return content[start : content.index("</", start)].replace(email, "EMAIL")

    assert answer(with_account, "has.account@council.example.org") == answer(
        without, "no.account@council.example.org"
    )
    # ...and both listed alike, by address (names would tell who has an account).
    assert "has.account@council.example.org: can view" in without
    assert "no.account@council.example.org: can view" in without
    assert "There is no account" not in with_account + without


def test_sharing_emails_the_person_it_is_shared_with(
    client, world, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://directory.example.org"
    settings.EMAIL_BACKEND = "outbox.backends.DurableEmailBackend"  # kept, then delivered
    owner = world["users"][OWNER]
    owner.full_name = "Sam Okoro"
    owner.save()
    client.force_login(owner)
    with django_capture_on_commit_callbacks() as delivery:
        _share(client, world, "Colleague@Council.example.org", role="editor")
    [kept] = OutgoingEmail.objects.all()
    for deliver in delivery:
        deliver()

    [email] = mail.outbox
    shortlist = world["shortlist"]
    assert email.to == ["colleague@council.example.org"]
    assert email.subject == f"Sam Okoro shared the shortlist “{shortlist.name}” with you"
    assert "add and remove organisations" in email.body
    assert f"https://directory.example.org/shortlists/{shortlist.pk}/" in email.body
    assert kept.subject == email.subject and not OutgoingEmail.objects.exists()

    # The same role again is no news; a changed role is.
    _share(client, world, "colleague@council.example.org", role="editor")
    assert not OutgoingEmail.objects.exists()
    _share(client, world, "colleague@council.example.org", role="viewer")
    [changed] = OutgoingEmail.objects.all()
    assert "You can read it and the notes" in changed.message["body"]


def test_a_refused_share_sends_no_email(client, world):
    client.force_login(world["users"][OWNER])
    _share(client, world, world["users"][OWNER].email)
    assert mail.outbox == []


def test_an_address_shared_before_it_had_an_account_sees_the_shortlist_once_it_has_one(
    client, world
):
    client.force_login(world["users"][OWNER])
    _share(client, world, "Later@Council.example.org", role="editor")
    invitation = ShortlistInvitation.objects.get(shortlist=world["shortlist"])
    assert invitation.email == "later@council.example.org"

    later = UserFactory(email="later@council.example.org")
    client.force_login(later)
    assert client.get(_url("detail", world)).status_code == 200
    assert world["shortlist"].name in client.get(reverse("shortlists:list")).content.decode()
    # An editor: notes can be changed.
    note = _url("item_note", world, item=world["item"].pk)
    assert client.post(note, {"note": "Call them", "version": "1"}).status_code == 302

    # Sharing again once the account exists turns the invitation into a share.
    client.force_login(world["users"][OWNER])
    _share(client, world, "later@council.example.org", role="viewer")
    assert not ShortlistInvitation.objects.exists()
    assert ShortlistShare.objects.get(shortlist=world["shortlist"], user=later).role == "viewer"


def test_revoking_an_invitation_keeps_the_address_out(client, world):
    invitation = ShortlistInvitationFactory(shortlist=world["shortlist"])
    revoke = _url("invitation_revoke", world, invitation=invitation.pk)
    for role in (EDITOR, VIEWER, STRANGER):
        client.force_login(world["users"][role])
        assert client.post(revoke).status_code == 404
    client.force_login(world["users"][OWNER])
    assert client.post(revoke).status_code == 302
    assert not ShortlistInvitation.objects.exists()
    client.force_login(UserFactory(email=invitation.email))
    assert client.get(_url("detail", world)).status_code == 404


def test_anonymous_users_are_sent_to_sign_in(client, world):
    response = client.get(_url("detail", world))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_an_organisation_appears_once_on_a_shortlist_enforced_by_the_database():
    item = ShortlistItemFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ShortlistItem.objects.create(shortlist=item.shortlist, organisation=item.organisation)


def test_adding_twice_keeps_one_item():
    shortlist = ShortlistFactory()
    organisation = OrganisationFactory()
    _, created = shortlist_services.shortlist_add(shortlist=shortlist, organisation=organisation)
    _, again = shortlist_services.shortlist_add(shortlist=shortlist, organisation=organisation)
    assert (created, again) == (True, False)
    assert shortlist.items.count() == 1


def test_add_to_shortlist_without_javascript_redirects_back(client):
    shortlist = ShortlistFactory()
    organisation = OrganisationFactory()
    client.force_login(shortlist.owner)
    response = client.post(
        reverse("shortlists:add"),
        {"organisation": organisation.slug, "shortlist": shortlist.pk, "next": "/organisations/"},
    )
    assert response.status_code == 302 and response["Location"] == "/organisations/"
    assert shortlist.items.filter(organisation=organisation).exists()


def test_add_to_shortlist_with_javascript_answers_json(client):
    shortlist = ShortlistFactory()
    organisation = OrganisationFactory(name="Second Chances")
    client.force_login(shortlist.owner)
    response = client.post(
        reverse("shortlists:add"),
        {"organisation": organisation.slug, "shortlist": shortlist.pk},
        HTTP_ACCEPT="application/json",
    )
    assert response.json()["message"] == f"Second Chances added to “{shortlist.name}”"


def test_add_refuses_other_peoples_shortlists_and_unpublished_organisations(client, world):
    stranger = world["users"][STRANGER]
    draft = OrganisationFactory(status=Organisation.Status.DRAFT)
    client.force_login(stranger)
    response = client.post(
        reverse("shortlists:add"),
        {"organisation": draft.slug, "shortlist": world["shortlist"].pk},
    )
    assert response.status_code == 200
    assert world["shortlist"].items.count() == 1
    client.force_login(world["users"][VIEWER])
    client.post(
        reverse("shortlists:add"),
        {"organisation": OrganisationFactory().slug, "shortlist": world["shortlist"].pk},
    )
    assert world["shortlist"].items.count() == 1


def test_the_create_page_puts_the_organisation_on_the_new_shortlist(client):
    user = UserFactory()
    organisation = OrganisationFactory()
    client.force_login(user)
    response = client.post(
        reverse("shortlists:create") + f"?organisation={organisation.slug}",
        {"name": "Gate mentoring", "description": "", "organisation": organisation.slug},
    )
    shortlist = Shortlist.objects.get(owner=user)
    assert response["Location"] == shortlist.get_absolute_url()
    assert list(shortlist.items.values_list("organisation", flat=True)) == [organisation.pk]


def _add(client, organisation, shortlist="new", *, json=False, **extra):
    data = {"organisation": organisation.slug, "shortlist": shortlist, **extra}
    headers = {"HTTP_ACCEPT": "application/json"} if json else {}
    return client.post(reverse("shortlists:add"), data, **headers)


def test_a_first_add_from_the_results_starts_a_shortlist_named_after_the_search(client, taxonomies):
    user = UserFactory()
    organisation = OrganisationFactory(name="Second Chances")
    client.force_login(user)
    answer = _add(client, organisation, json=True, search="client_group=women&region=wales")
    shortlist = Shortlist.objects.get(owner=user)
    item = shortlist.items.get()
    assert shortlist.name == "Women, in Wales"
    assert answer.json() == {
        "organisation": organisation.slug,
        "message": "Second Chances added to “Women, in Wales”",
        "shortlist": {"id": shortlist.pk, "name": "Women, in Wales"},
        "url": shortlist.get_absolute_url(),
        "undo": reverse("shortlists:item_remove", kwargs={"pk": shortlist.pk, "item": item.pk}),
        "rename": reverse("shortlists:edit", kwargs={"pk": shortlist.pk}),
    }
    # Without any filters (or from a profile) it is named after the day.
    _add(client, OrganisationFactory(), search="")
    assert Shortlist.objects.filter(owner=user, name__startswith="Shortlist started ").exists()


def test_adding_without_javascript_returns_to_the_result_with_a_banner_beside_it(client):
    shortlist = ShortlistFactory(name="Gate mentoring")
    organisation = OrganisationFactory(name="Second Chances", slug="second-chances")
    OrganisationFactory(name="Other Trust")
    client.force_login(shortlist.owner)
    back = reverse("directory:organisation_list") + "?sort=name"
    response = _add(client, organisation, shortlist.pk, next=back, search="sort=name")
    assert response["Location"] == back + "#result-second-chances"

    content = client.get(back).content.decode()
    result = content[content.index('id="result-second-chances"') :]
    result = result[: result.index("</li>")]
    assert "Second Chances added to “Gate mentoring” ✓" in result
    assert "govuk-notification-banner--success" in result
    item = shortlist.items.get()
    assert f'formaction="/shortlists/{shortlist.pk}/items/{item.pk}/remove/"' in result
    assert content.count("govuk-notification-banner__heading") == 1  # nowhere else
    # Said once: the next page shows no banner.
    assert "added to" not in client.get(back).content.decode()


def test_undo_takes_the_organisation_off_and_returns_to_the_result(client):
    item = ShortlistItemFactory(organisation__slug="second-chances")
    client.force_login(item.shortlist.owner)
    back = reverse("directory:organisation_list") + "?q=chances"
    remove = reverse("shortlists:item_remove", kwargs={"pk": item.shortlist.pk, "item": item.pk})
    response = client.post(remove, {"next": back, "search": "q=chances"})
    assert response["Location"] == back + "#result-second-chances"
    assert not item.shortlist.items.exists()
    ShortlistItemFactory(shortlist=item.shortlist, organisation=item.organisation)
    again = item.shortlist.items.get()
    remove = reverse("shortlists:item_remove", kwargs={"pk": item.shortlist.pk, "item": again.pk})
    answer = client.post(remove, HTTP_ACCEPT="application/json").json()
    assert answer["message"] == f"{item.organisation.name} removed from “{item.shortlist.name}”"
    assert answer["undo"] is None and not item.shortlist.items.exists()


def test_adding_again_offers_no_undo(client):
    item = ShortlistItemFactory()
    client.force_login(item.shortlist.owner)
    answer = _add(client, item.organisation, item.shortlist.pk, json=True).json()
    assert answer["message"].startswith(f"{item.organisation.name} is already on")
    assert answer["undo"] is None and item.shortlist.items.count() == 1


def test_a_next_address_elsewhere_is_not_followed(client):
    shortlist = ShortlistFactory()
    client.force_login(shortlist.owner)
    response = _add(
        client, OrganisationFactory(), shortlist.pk, next="https://evil.example/", search=""
    )
    assert response["Location"] == shortlist.get_absolute_url()


def test_creating_without_a_name_keeps_the_description(client):
    client.force_login(UserFactory())
    response = client.post(reverse("shortlists:create"), {"name": "", "description": "For 2027"})
    content = response.content.decode()
    assert "Enter a name for the shortlist" in content and "For 2027" in content
    assert not Shortlist.objects.exists()


def test_list_shows_own_and_shared_shortlists_only(client, world, django_assert_max_num_queries):
    ShortlistFactory(name="Somebody else's")
    for _ in range(5):
        ShortlistFactory(owner=world["users"][EDITOR])
    client.force_login(world["users"][EDITOR])
    with django_assert_max_num_queries(8):
        content = client.get(reverse("shortlists:list")).content.decode()
    assert world["shortlist"].name in content
    assert "Somebody else" not in content


def test_detail_page_query_count_does_not_grow_with_items(
    client, world, django_assert_max_num_queries
):
    for _ in range(15):
        ShortlistItemFactory(shortlist=world["shortlist"])
    client.force_login(world["users"][OWNER])
    with django_assert_max_num_queries(12):
        response = client.get(_url("detail", world))
    assert response.content.decode().count('class="app-result"') == 16


@pytest.fixture
def compared(taxonomies):
    shortlist = ShortlistFactory()
    north_west = Region.objects.get(slug="north-west")
    accommodation = Pathway.objects.get(slug="accommodation")
    organisation = OrganisationFactory(
        name="Safe Homes CIC",
        staff_count=12,
        income_band=IncomeBand.objects.get(slug="100k-500k"),
        last_verified_at=datetime(2026, 3, 14, 10, 0, tzinfo=UTC),
    )
    organisation.quality_marks.add(QualityMark.objects.get(slug="trusted-charity"))
    organisation.partnership_roles.add(
        *terms(PartnershipRole, "subcontractor", "consortium-member")
    )
    ServiceFactory(
        organisation=organisation,
        name="Move-on housing",
        regions=[north_west],
        pathways=[accommodation],
        client_groups=terms(ClientGroup, "women", "care-leavers"),
        settings=terms(DeliverySetting, "through-the-gate", "community"),
        spare_capacity="10 places from April",
        largest_contract_value=250000,
    )
    JusticeDataLabEvidenceFactory(organisation=organisation, title="JDL 2024", nesta_level=3)
    ShortlistItemFactory(shortlist=shortlist, organisation=organisation, note="Call in May")
    return shortlist, organisation


def terms(model, *slugs: str) -> list:
    return list(model.objects.filter(slug__in=slugs))


def names(model, *slugs: str) -> str:
    """The terms' names one to a line, A to Z, as a comparison cell has them."""
    return "\n".join(sorted(term.name for term in terms(model, *slugs)))


def test_compare_shows_each_aspect(client, compared):
    shortlist, organisation = compared
    client.force_login(shortlist.owner)
    response = client.get(reverse("shortlists:compare", kwargs={"pk": shortlist.pk}))

    # Each value in its own row: the one organisation's cell, its lines joined.
    rows = {row.label: row.cells for row in response.context["rows"]}
    cells = {label: "\n".join(lines) for label, [lines] in rows.items()}
    assert cells["Services by pathway"] == "Accommodation: Move-on housing"
    assert cells["Regions"] == "North West"
    assert cells["People supported"] == names(ClientGroup, "women", "care-leavers")
    assert cells["Delivery settings"] == names(DeliverySetting, "through-the-gate", "community")
    assert cells["Capacity"] == (
        "Accepting referrals: Yes\nMove-on housing: 10 places from April\n"
        "Largest contract it could take: £250,000"
    )
    assert cells["Size"].startswith(f"Annual income: {organisation.income_band.name}\nStaff: 12")
    for part in [
        "JDL 2024 (Justice Data Lab report",
        "Nesta level 3",
        "reoffended at 27.4% against 33.9% for the comparison group (significant)",
    ]:
        assert part in cells["Evidence of impact"]
    assert cells["Quality marks"] == names(QualityMark, "trusted-charity")
    assert cells["Partnership roles sought"] == names(
        PartnershipRole, "subcontractor", "consortium-member"
    )
    assert cells["Last verified"] == "14 March 2026"
    # ...and on the page, beside its row's heading.
    content = response.content.decode()
    for label, [lines] in rows.items():
        row_start = content.index(f'<th scope="row" class="govuk-table__header">{label}</th>')
        row = content[row_start : content.index("</tr>", row_start)]
        for line in lines:
            assert escape(line) in row, (label, line)
    assert "Call in May" in content


def test_compare_takes_at_most_six_in_bounded_queries(
    client, compared, django_assert_max_num_queries
):
    shortlist, _ = compared
    for _ in range(7):
        organisation = OrganisationFactory()
        ServiceFactory(organisation=organisation)
        EvidenceItemFactory(organisation=organisation)
        ShortlistItemFactory(shortlist=shortlist, organisation=organisation)
    client.force_login(shortlist.owner)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("shortlists:compare", kwargs={"pk": shortlist.pk}))
    assert len(response.context["organisations"]) == 6


def test_compare_chosen_organisations_only(client, compared):
    shortlist, organisation = compared
    other = ShortlistItemFactory(shortlist=shortlist).organisation
    client.force_login(shortlist.owner)
    response = client.get(
        reverse("shortlists:compare", kwargs={"pk": shortlist.pk}), {"organisation": other.slug}
    )
    assert response.context["organisations"] == [other]


def test_csv_export_has_notes_and_escapes_formulas(client, compared):
    shortlist, organisation = compared
    ShortlistItemFactory(
        shortlist=shortlist,
        organisation=OrganisationFactory(name="=HYPERLINK(1)"),
        note="@sum(A1)",
    )
    ShortlistItemFactory(organisation=OrganisationFactory(name="On another shortlist"))
    client.force_login(shortlist.owner)
    response = client.get(reverse("shortlists:export_csv", kwargs={"pk": shortlist.pk}))
    text = b"".join(response.streaming_content).decode().removeprefix("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["Name"] for row in rows] == ["Safe Homes CIC", "'=HYPERLINK(1)"]
    assert rows[0]["Shortlist note"] == "Call in May"
    assert rows[0]["Added to shortlist"]
    assert rows[0]["Justice Data Lab results"] == "1"
    assert rows[0]["Services"] == "Move-on housing"
    assert rows[1]["Shortlist note"] == "'@sum(A1)"


def test_printable_page_has_notes_and_recorded_searches(client, compared):
    shortlist, _ = compared
    SearchRecord.objects.create(
        shortlist=shortlist,
        query_string="region=north-west",
        result_count=2,
        results=[{"id": 1, "name": "Hope Homes"}, {"id": 2, "name": "Harbour Trust"}],
    )
    client.force_login(shortlist.owner)
    content = client.get(reverse("shortlists:print", kwargs={"pk": shortlist.pk})).content.decode()
    assert "Call in May" in content and "In North West" in content and ">2<" in content
    assert "<li>Hope Homes</li><li>Harbour Trust</li>" in content


@pytest.mark.parametrize("role,recorded", [(OWNER, True), (EDITOR, True), (VIEWER, False)])
def test_record_the_search(client, world, taxonomies, role, recorded):
    wales = Region.objects.get(slug="wales")
    ServiceFactory(regions=[wales])
    ServiceFactory(regions=[wales])
    ServiceFactory(regions=[Region.objects.get(slug="london")])
    client.force_login(world["users"][role])
    response = client.post(
        reverse("shortlists:record_search"),
        {"shortlist": world["shortlist"].pk, "query_string": "region=wales&page=2"},
    )
    assert response.status_code == (302 if recorded else 404)
    record = SearchRecord.objects.filter(shortlist=world["shortlist"]).first()
    if recorded:
        assert (record.query_string, record.result_count) == ("region=wales", 2)
        assert record.recorded_by == world["users"][role]
        assert [found["name"] for found in record.results] == sorted(
            Organisation.objects.filter(services__regions=wales).values_list("name", flat=True)
        )
    else:
        assert record is None


def test_a_recorded_search_keeps_what_was_found_then(client, taxonomies):
    wales = Region.objects.get(slug="wales")
    found = [
        ServiceFactory(organisation=OrganisationFactory(name=name), regions=[wales]).organisation
        for name in ("Cymru Homes", "Bridge to Work")
    ]
    shortlist = ShortlistFactory()
    client.force_login(shortlist.owner)
    client.post(
        reverse("shortlists:record_search"),
        {"shortlist": shortlist.pk, "query_string": "region=wales&sort=name"},
    )
    # The directory changes afterwards: one renamed, one gone, one new.
    Organisation.objects.filter(pk=found[0].pk).update(name="Renamed Since")
    Organisation.objects.filter(pk=found[1].pk).update(status=Organisation.Status.ARCHIVED)
    ServiceFactory(organisation=OrganisationFactory(name="Arrived Later"), regions=[wales])

    record = SearchRecord.objects.get()
    assert record.result_count == 2
    assert record.results == [
        {"id": found[1].pk, "name": "Bridge to Work"},
        {"id": found[0].pk, "name": "Cymru Homes"},
    ]
    for page in ("detail", "print"):
        content = client.get(
            reverse(f"shortlists:{page}", kwargs={"pk": shortlist.pk})
        ).content.decode()
        assert "<li>Bridge to Work</li><li>Cymru Homes</li>" in content, page
        assert "Renamed Since" not in content and "Arrived Later" not in content


@pytest.mark.parametrize(
    "query_string,sentence",
    [
        (
            "client_group=women&region=yorkshire-and-the-humber&postcode=ls7+3ab&within=25",
            "Women, in Yorkshire and the Humber, within 25 miles of LS7 3AB",
        ),
        (
            "q=mentoring&region=wales&region=london&accepting_referrals=on&sort=name",
            "“mentoring”, in London or Wales, accepting referrals now",
        ),
        (
            "min_evidence_level=3&has_evidence=on",
            "With evidence of impact, evidence at level 3 or higher",
        ),
        ("", "All organisations"),
        ("page=2&sort=name", "All organisations"),
    ],
)
def test_a_search_is_described_in_a_sentence(taxonomies, query_string, sentence):
    assert shortlist_selectors.search_description(query_string) == sentence


def test_a_recorded_search_reads_as_a_sentence_with_its_count_and_date(client, taxonomies):
    shortlist = ShortlistFactory()
    SearchRecordFactory(
        shortlist=shortlist,
        query_string="client_group=women&region=yorkshire-and-the-humber",
        result_count=1,
        recorded_at=datetime(2026, 12, 4, 10, 30, tzinfo=UTC),
    )
    client.force_login(shortlist.owner)
    content = client.get(shortlist.get_absolute_url()).content.decode()
    assert "Women, in Yorkshire and the Humber</a>: 1 organisation on 4 December 2026" in content
    assert "client_group=women&amp;region" in content  # the link runs the search again
    assert ">client_group=" not in content


def test_a_shortlist_without_a_note_offers_to_add_one(client, world):
    ShortlistItemFactory(shortlist=world["shortlist"], note="")
    client.force_login(world["users"][EDITOR])
    content = client.get(_url("detail", world)).content.decode()
    assert "None" not in content
    assert content.count("Add a note") == 1 and "Strong on women" in content
    client.force_login(world["users"][VIEWER])
    assert "Add a note" not in client.get(_url("detail", world)).content.decode()


def test_the_shortlist_worked_on_last_is_chosen_for_adding_and_recording(client, taxonomies):
    user = UserFactory()
    ShortlistFactory(owner=user, name="Alpha")
    working_on = ShortlistFactory(owner=user, name="Zulu")
    ShortlistFactory(owner=user, name="Middle")
    shortlist_services.shortlist_add(shortlist=working_on, organisation=OrganisationFactory())
    client.force_login(user)
    content = client.get(reverse("directory:organisation_list")).content.decode()
    selected = f'<option value="{working_on.pk}" selected>Zulu</option>'
    # "Add to shortlist" adds to it, and "Record this search" records on it.
    assert content.count(selected) == 2
    assert "selected>Alpha<" not in content and "selected>Middle<" not in content


def test_a_broad_search_is_counted_whole_and_keeps_its_first_results(
    client, taxonomies, monkeypatch
):
    monkeypatch.setattr(shortlist_services, "SEARCH_RECORD_KEPT_RESULTS", 2)
    for name in ("A Trust", "B Trust", "C Trust"):
        ServiceFactory(organisation=OrganisationFactory(name=name))
    shortlist = ShortlistFactory()

    record = shortlist_services.search_record_create(
        shortlist=shortlist, query_string="sort=name", user=shortlist.owner
    )

    assert record.result_count == 3
    assert [found["name"] for found in record.results] == ["A Trust", "B Trust"]
    client.force_login(shortlist.owner)
    content = client.get(reverse("shortlists:detail", kwargs={"pk": shortlist.pk})).content
    assert "The first 2 of 3, in the order the search listed them." in content.decode()


def test_search_results_offer_add_to_shortlist_to_signed_in_users(client):
    organisation = OrganisationFactory()
    ShortlistFactory(owner=(user := UserFactory()), name="My list")
    assert 'form="shortlist-add-form"' not in client.get("/organisations/").content.decode()
    client.force_login(user)
    content = client.get("/organisations/").content.decode()
    assert f'name="organisation" value="{organisation.slug}"' in content
    assert 'id="shortlist-add-form"' in content and "My list" in content


def test_profile_offers_add_to_shortlist(client):
    organisation = OrganisationFactory()
    client.force_login(UserFactory())
    content = client.get(organisation.get_absolute_url()).content.decode()
    assert reverse("shortlists:add") in content
    assert reverse("contact_organisation", kwargs={"slug": organisation.slug}) in content


@pytest.mark.parametrize(
    "model_name", ["shortlist", "savedsearch", "contactmessage"], ids=lambda name: name
)
def test_staff_find_shortlists_saved_searches_and_messages_in_the_admin(client, model_name):
    share = ShortlistShareFactory(shortlist__name="Accommodation in Kent")
    ShortlistItemFactory(shortlist=share.shortlist, note="Call them in May")
    SearchRecordFactory(shortlist=share.shortlist)
    saved = SavedSearchFactory(name="Wales housing")
    message = ContactMessageFactory(subject="Bid together?")
    objects = {"shortlist": share.shortlist, "savedsearch": saved, "contactmessage": message}
    staff = UserFactory(is_staff=True, is_superuser=True)
    TOTP.activate(staff, generate_totp_secret())
    client.force_login(staff)
    changelist = client.get(reverse(f"admin:directory_{model_name}_changelist"))
    assert changelist.status_code == 200
    assert str(objects[model_name]) in changelist.content.decode()
    change = client.get(
        reverse(f"admin:directory_{model_name}_change", args=[objects[model_name].pk])
    )
    assert change.status_code == 200
    if model_name == "shortlist":
        assert "Call them in May" in change.content.decode()
