"""Writes to shortlists and saved searches."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.http import QueryDict
from django.utils import timezone

from directory.moderation.notifications import shortlist_shared_notify
from directory.organisations.models import Organisation
from directory.search.filters import OrganisationFilterSet
from directory.search.models import SavedSearch
from directory.search.selectors import search_queryset
from directory.shortlists.models import (
    SearchRecord,
    Shortlist,
    ShortlistInvitation,
    ShortlistItem,
    ShortlistShare,
)


@transaction.atomic
def shortlist_create(*, owner, name: str, description: str = "") -> Shortlist:
    """Create an empty shortlist."""
    shortlist = Shortlist(owner=owner, name=name, description=description)
    shortlist.full_clean()
    shortlist.save()
    return shortlist


@transaction.atomic
def shortlist_update(*, shortlist: Shortlist, name: str, description: str) -> Shortlist:
    """Rename a shortlist or change its description."""
    shortlist.name = name
    shortlist.description = description
    shortlist.full_clean()
    shortlist.save()
    return shortlist


@transaction.atomic
def shortlist_add(
    *, shortlist: Shortlist, organisation: Organisation
) -> tuple[ShortlistItem, bool]:
    """Add a published organisation to a shortlist; (item, created), never a duplicate."""
    if not organisation.is_published:
        raise ValidationError("Only published organisations can be shortlisted")
    item, created = ShortlistItem.objects.get_or_create(
        shortlist=shortlist, organisation=organisation
    )
    if created:
        shortlist.save(update_fields=["updated_at"])
    return item, created


@transaction.atomic
def shortlist_start(*, owner, name: str, organisation: Organisation) -> ShortlistItem:
    """A new shortlist with its first organisation (from "Add to shortlist"): the owner
    renames it later if they like."""
    shortlist = shortlist_create(
        owner=owner, name=name[: Shortlist._meta.get_field("name").max_length]
    )
    item, _ = shortlist_add(shortlist=shortlist, organisation=organisation)
    return item


@transaction.atomic
def shortlist_item_remove(*, item: ShortlistItem) -> None:
    """Take an organisation off a shortlist."""
    shortlist = item.shortlist
    item.delete()
    shortlist.save(update_fields=["updated_at"])


@transaction.atomic
def shortlist_item_move(*, item: ShortlistItem, target: Shortlist) -> ShortlistItem:
    """Move an organisation, with its note, to another shortlist."""
    if target.pk == item.shortlist_id:
        return item
    if target.items.filter(organisation_id=item.organisation_id).exists():
        raise ValidationError(f"{item.organisation} is already on {target}")
    source = item.shortlist
    item.shortlist = target
    item.full_clean()
    item.save()
    source.save(update_fields=["updated_at"])
    target.save(update_fields=["updated_at"])
    return item


class StaleNoteError(Exception):
    """Someone else saved the note after this editor opened it; `current` is theirs."""

    def __init__(self, current: ShortlistItem):
        self.current = current
        super().__init__(current.note)


@transaction.atomic
def shortlist_item_note_update(
    *, item: ShortlistItem, note: str, expected_version: int
) -> ShortlistItem:
    """Change the note kept about an organisation on a shortlist, unless it has been saved by
    someone else since the editor opened it at `expected_version`."""
    item.note = note
    item.full_clean()
    saved = ShortlistItem.objects.filter(pk=item.pk, note_version=expected_version).update(
        note=note, note_version=F("note_version") + 1
    )
    if not saved:
        raise StaleNoteError(ShortlistItem.objects.get(pk=item.pk))
    item.note_version = expected_version + 1
    return item


@transaction.atomic
def shortlist_share(*, shortlist: Shortlist, email: str, role: str) -> None:
    """Share a shortlist with an email address, or change the role it has: its account sees it
    now, or whoever makes an account with it later. The outcome reads the same either way, so
    that sharing never tells anyone whether an address has an account. The address is emailed
    about a new share or a changed role."""
    email = email.strip().lower()
    if email == shortlist.owner.email.lower():
        raise ValidationError({"email": "You cannot share a shortlist with yourself"})
    user = get_user_model().objects.filter(email__iexact=email).first()
    if user is None:
        access = ShortlistInvitation.objects.filter(shortlist=shortlist, email=email).first()
        access = access or ShortlistInvitation(shortlist=shortlist, email=email)
    else:
        access = ShortlistShare.objects.filter(shortlist=shortlist, user=user).first()
        access = access or ShortlistShare(shortlist=shortlist, user=user)
        # Shared before the account was made: the account's share replaces it.
        ShortlistInvitation.objects.filter(shortlist=shortlist, email=email).delete()
    unchanged = access.pk is not None and access.role == role
    access.role = role
    access.full_clean()
    access.save()
    if not unchanged:
        shortlist_shared_notify(shortlist=shortlist, email=email, role=role)


@transaction.atomic
def shortlist_share_revoke(*, share: ShortlistShare | ShortlistInvitation) -> None:
    """Stop sharing a shortlist with someone (an account, or an address without one)."""
    share.delete()


@transaction.atomic
def shortlist_delete(*, shortlist: Shortlist) -> None:
    """Delete a shortlist with its items, shares and search records."""
    shortlist.delete()


def search_clean_query_string(query_string: str) -> str:
    """The query string without its page number: a saved or recorded search is every page."""
    params = QueryDict(query_string, mutable=True)
    params.pop("page", None)
    return params.urlencode()


# The organisations a search record keeps, in the order the search listed them: enough to
# show how the market was tested, without writing a whole directory into one record.
SEARCH_RECORD_KEPT_RESULTS = 1000


@transaction.atomic
def search_record_create(*, shortlist: Shortlist, query_string: str, user) -> SearchRecord:
    """Record a search against a shortlist: what was searched, today's date, how many were
    found and which organisations (ids and names as they are now)."""
    query_string = search_clean_query_string(query_string)
    found = search_queryset(filterset=OrganisationFilterSet(QueryDict(query_string)))
    record = SearchRecord(
        shortlist=shortlist,
        query_string=query_string,
        result_count=found.count(),
        results=[
            {"id": pk, "name": name}
            for pk, name in found.values_list("pk", "name")[:SEARCH_RECORD_KEPT_RESULTS]
        ],
        recorded_by=user,
    )
    record.full_clean()
    record.save()
    return record


@transaction.atomic
def saved_search_create(
    *,
    owner,
    name: str,
    query_string: str,
    alert_frequency: str,
    kind: str = SavedSearch.Kind.ORGANISATIONS,
) -> SavedSearch:
    """Save a search of organisations or opportunities (its whole filter state) with a name
    and alert choice; alerts send only what is published or changed from now on."""
    saved_search = SavedSearch(
        owner=owner,
        kind=kind,
        name=name,
        query_string=search_clean_query_string(query_string),
        alert_frequency=alert_frequency,
        last_alerted_at=timezone.now(),
    )
    saved_search.full_clean()
    saved_search.save()
    return saved_search


@transaction.atomic
def saved_search_update(
    *, saved_search: SavedSearch, name: str, alert_frequency: str
) -> SavedSearch:
    """Rename a saved search or change its alerts."""
    # Read from the database: a bound ModelForm has already changed the instance.
    previous = SavedSearch.objects.values_list("alert_frequency", flat=True).get(pk=saved_search.pk)
    alerts_switched_on = (
        previous == SavedSearch.AlertFrequency.NONE
        and alert_frequency != SavedSearch.AlertFrequency.NONE
    )
    saved_search.name = name
    saved_search.alert_frequency = alert_frequency
    if alerts_switched_on:
        # What was published or changed while alerts were off is not news any more.
        saved_search.last_alerted_at = timezone.now()
    saved_search.full_clean()
    saved_search.save()
    return saved_search


@transaction.atomic
def saved_search_delete(*, saved_search: SavedSearch) -> None:
    """Delete a saved search and its alert history."""
    saved_search.delete()
