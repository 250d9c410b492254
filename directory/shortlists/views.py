"""Shortlists: create, add to, note, move, share, compare, export, record the search, and
saved searches. A shortlist is seen by its owner and the people it is shared with; everyone
else gets 404. Viewers read, editors change the organisations and notes, only the owner
renames, shares or deletes it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from directory.organisations.csv_utils import csv_response
from directory.organisations.models import Organisation
from directory.search.exports import column_headings, yes_no
from directory.search.models import SavedSearch
from directory.shortlists import selectors, services
from directory.shortlists.forms import (
    NEW_SHORTLIST,
    SHORTLIST_CHANGE_SESSION_KEY,
    SavedSearchForm,
    ShortlistAddForm,
    ShortlistForm,
    ShortlistItemMoveForm,
    ShortlistItemNoteForm,
    ShortlistShareForm,
)
from directory.shortlists.models import Shortlist, ShortlistShare


def _viewable(request, pk: int) -> Shortlist:
    return get_object_or_404(
        Shortlist.objects.viewable_by(request.user).select_related("owner"), pk=pk
    )


def _editable(request, pk: int) -> Shortlist:
    return get_object_or_404(Shortlist.objects.editable_by(request.user), pk=pk)


def _owned(request, pk: int) -> Shortlist:
    return get_object_or_404(Shortlist, pk=pk, owner=request.user)


def _safe_next(request, default: str) -> str:
    url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(url, {request.get_host()}, request.is_secure()):
        return url
    return default


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@login_required
def shortlist_list(request):
    """The user's shortlists and the ones shared with them."""
    return render(
        request,
        "shortlists/list.html",
        {"shortlists": selectors.shortlist_list(user=request.user)},
    )


@login_required
def shortlist_create(request):
    """A new shortlist; when started from "Add to shortlist", the organisation goes on it."""
    slug = request.POST.get("organisation") or request.GET.get("organisation", "")
    organisation = Organisation.objects.published().filter(slug=slug).first() if slug else None
    form = ShortlistForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        shortlist = services.shortlist_create(
            owner=request.user,
            name=form.cleaned_data["name"],
            description=form.cleaned_data["description"],
        )
        if organisation:
            services.shortlist_add(shortlist=shortlist, organisation=organisation)
            messages.success(request, f"{organisation.name} added to “{shortlist.name}”")
        else:
            messages.success(request, f"Shortlist “{shortlist.name}” created")
        return redirect(shortlist)
    return render(request, "shortlists/form.html", {"form": form, "organisation": organisation})


@login_required
def shortlist_add(request):
    """Add an organisation to one of the user's shortlists, or to a new one named after the
    search it was found by (GET shows the choice)."""
    shortlists = list(Shortlist.objects.editable_by(request.user).order_by("name", "id"))
    data = request.POST if request.method == "POST" else None
    form = ShortlistAddForm(
        data, shortlists=shortlists, initial={"organisation": request.GET.get("organisation")}
    )
    if request.method == "POST" and form.is_valid():
        organisation = form.cleaned_data["organisation"]
        started = form.cleaned_data["shortlist"] == NEW_SHORTLIST
        if started:
            name = selectors.new_shortlist_name(
                request.POST.get("search"), today=timezone.localdate()
            )
            item = services.shortlist_start(
                owner=request.user, name=name, organisation=organisation
            )
            shortlist, created = item.shortlist, True
        else:
            shortlist = next(s for s in shortlists if str(s.pk) == form.cleaned_data["shortlist"])
            item, created = services.shortlist_add(shortlist=shortlist, organisation=organisation)
        text = (
            f"{organisation.name} added to “{shortlist.name}”"
            if created
            else f"{organisation.name} is already on “{shortlist.name}”"
        )
        return _shortlist_changed(
            request,
            organisation=organisation,
            shortlist=shortlist,
            text=text,
            undo=reverse("shortlists:item_remove", kwargs={"pk": shortlist.pk, "item": item.pk})
            if created
            else None,
            rename=reverse("shortlists:edit", kwargs={"pk": shortlist.pk}) if started else None,
        )
    if _wants_json(request) and request.method == "POST":
        return JsonResponse({"errors": form.errors}, status=400)
    return render(request, "shortlists/add.html", {"form": form})


def _shortlist_changed(
    request, *, organisation, shortlist, text: str, undo=None, rename=None
) -> HttpResponse:
    """Say what "Add to shortlist" (or its undo) did: as JSON for the page's script to show
    where the button was; without JavaScript, back at the same search result with a banner
    beside it (or a banner at the top of any other page)."""
    change = {
        "organisation": organisation.slug,
        "message": text,
        "shortlist": {"id": shortlist.pk, "name": shortlist.name},
        "url": shortlist.get_absolute_url(),
        "undo": undo,
        "rename": rename,
    }
    if _wants_json(request):
        return JsonResponse(change)
    next_url = _safe_next(request, shortlist.get_absolute_url())
    if "search" in request.POST and next_url == request.POST.get("next"):
        request.session[SHORTLIST_CHANGE_SESSION_KEY] = change
        return redirect(f"{next_url}#result-{organisation.slug}")
    messages.success(request, text)
    return redirect(next_url)


def _detail_page(request, shortlist: Shortlist, *, share_form=None, status=200):
    is_owner = shortlist.owner_id == request.user.pk
    can_edit = (
        is_owner or Shortlist.objects.editable_by(request.user).filter(pk=shortlist.pk).exists()
    )
    move_targets = (
        Shortlist.objects.editable_by(request.user).exclude(pk=shortlist.pk).order_by("name")
        if can_edit
        else Shortlist.objects.none()
    )
    return render(
        request,
        "shortlists/detail.html",
        {
            "shortlist": shortlist,
            "items": selectors.shortlist_items(shortlist=shortlist),
            "is_owner": is_owner,
            "can_edit": can_edit,
            "move_targets": list(move_targets),
            "shared_with": selectors.shortlist_shared_with(shortlist=shortlist) if is_owner else [],
            "share_form": share_form or (ShortlistShareForm() if is_owner else None),
            "search_records": selectors.shortlist_search_records(shortlist=shortlist),
        },
        status=status,
    )


@login_required
def shortlist_detail(request, pk):
    return _detail_page(request, _viewable(request, pk))


@login_required
def shortlist_edit(request, pk):
    """Rename a shortlist or change its description (owner only)."""
    shortlist = _owned(request, pk)
    form = ShortlistForm(request.POST or None, instance=shortlist)
    if request.method == "POST" and form.is_valid():
        services.shortlist_update(
            shortlist=shortlist,
            name=form.cleaned_data["name"],
            description=form.cleaned_data["description"],
        )
        messages.success(request, "Shortlist saved")
        return redirect(shortlist)
    return render(request, "shortlists/form.html", {"form": form, "shortlist": shortlist})


@login_required
def shortlist_delete(request, pk):
    """Confirm, then delete a shortlist (owner only)."""
    shortlist = _owned(request, pk)
    if request.method == "POST":
        services.shortlist_delete(shortlist=shortlist)
        messages.success(request, f"Shortlist “{shortlist.name}” deleted")
        return redirect("shortlists:list")
    return render(request, "shortlists/delete.html", {"shortlist": shortlist})


@require_POST
@login_required
def shortlist_item_remove(request, pk, item):
    """Take an organisation off a shortlist (also the "Undo" of "Add to shortlist")."""
    shortlist = _editable(request, pk)
    shortlist_item = get_object_or_404(shortlist.items.select_related("organisation"), pk=item)
    services.shortlist_item_remove(item=shortlist_item)
    organisation = shortlist_item.organisation
    return _shortlist_changed(
        request,
        organisation=organisation,
        shortlist=shortlist,
        text=f"{organisation.name} removed from “{shortlist.name}”",
    )


@require_POST
@login_required
def shortlist_item_move(request, pk, item):
    shortlist = _editable(request, pk)
    shortlist_item = get_object_or_404(shortlist.items.select_related("organisation"), pk=item)
    form = ShortlistItemMoveForm(
        request.POST,
        shortlists=Shortlist.objects.editable_by(request.user).exclude(pk=shortlist.pk),
    )
    if form.is_valid():
        target = form.cleaned_data["target"]
        try:
            services.shortlist_item_move(item=shortlist_item, target=target)
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(
                request, f"{shortlist_item.organisation.name} moved to “{target.name}”"
            )
    else:
        messages.error(request, form.errors["target"][0])
    return redirect(shortlist)


NOTE_CHANGED_MEANWHILE = (
    "Someone else saved this note after you opened it. Your note has not been saved: it is "
    "still in the box. Their note is shown above it. Combine the two and save again"
)


@login_required
def shortlist_item_note(request, pk, item):
    shortlist = _editable(request, pk)
    shortlist_item = get_object_or_404(shortlist.items.select_related("organisation"), pk=item)
    form = ShortlistItemNoteForm(request.POST or None, instance=shortlist_item)
    their_note = None
    if request.method == "POST" and form.is_valid():
        try:
            services.shortlist_item_note_update(
                item=shortlist_item,
                note=form.cleaned_data["note"],
                expected_version=form.cleaned_data["version"],
            )
        except services.StaleNoteError as stale:
            # Both versions on the page: theirs to read, this editor's kept in the box.
            their_note = stale.current.note
            data = {"note": form.cleaned_data["note"], "version": stale.current.note_version}
            form = ShortlistItemNoteForm(data, instance=stale.current)
            form.add_error("note", NOTE_CHANGED_MEANWHILE)
        else:
            messages.success(request, f"Note about {shortlist_item.organisation.name} saved")
            return redirect(shortlist)
    return render(
        request,
        "shortlists/note.html",
        {"form": form, "shortlist": shortlist, "item": shortlist_item, "their_note": their_note},
    )


@require_POST
@login_required
def shortlist_share(request, pk):
    """Share a shortlist with an email address (owner only), saying the same whether or not
    the address has an account."""
    shortlist = _owned(request, pk)
    form = ShortlistShareForm(request.POST)
    if form.is_valid():
        email = form.cleaned_data["email"].strip().lower()
        try:
            services.shortlist_share(
                shortlist=shortlist, email=email, role=form.cleaned_data["role"]
            )
        except ValidationError as error:
            form.add_error("email", error.message_dict.get("email", error.messages))
        else:
            messages.success(
                request,
                f"Shared with {email}. They see it on their shortlists page when they sign in "
                "with that address, or once they create an account with it.",
            )
            return redirect(shortlist)
    return _detail_page(request, shortlist, share_form=form)


def _revoke(request, shortlist: Shortlist, share) -> HttpResponse:
    services.shortlist_share_revoke(share=share)
    email = share.user.email if isinstance(share, ShortlistShare) else share.email
    messages.success(request, f"{email} no longer has access")
    return redirect(shortlist)


@require_POST
@login_required
def shortlist_share_revoke(request, pk, share):
    """Stop sharing with an account (owner only)."""
    shortlist = _owned(request, pk)
    return _revoke(
        request, shortlist, get_object_or_404(shortlist.shares.select_related("user"), pk=share)
    )


@require_POST
@login_required
def shortlist_invitation_revoke(request, pk, invitation):
    """Stop sharing with an address that has no account (owner only)."""
    shortlist = _owned(request, pk)
    return _revoke(request, shortlist, get_object_or_404(shortlist.invitations, pk=invitation))


@login_required
def shortlist_compare(request, pk):
    """Up to six organisations side by side (the ticked ones, or the first six)."""
    shortlist = _viewable(request, pk)
    pairs = selectors.shortlist_compare_organisations(
        shortlist=shortlist, slugs=request.GET.getlist("organisation")
    )
    organisations = [organisation for organisation, _ in pairs]
    notes = [item.note for _, item in pairs]
    rows = selectors.compare_rows(organisations)
    return render(
        request,
        "shortlists/compare.html",
        {
            "shortlist": shortlist,
            "organisations": organisations,
            "notes": notes,
            "rows": rows,
            "stacked": selectors.compare_stacked(rows, organisations, notes),
            "compare_max": selectors.COMPARE_MAX,
            "item_count": shortlist.items.count(),
        },
    )


@login_required
def shortlist_export_csv(request, pk):
    shortlist = _viewable(request, pk)
    columns = selectors.SHORTLIST_EXPORT_COLUMNS
    rows = selectors.shortlist_export_rows(shortlist=shortlist)
    return csv_response(
        filename=f"shortlist-{shortlist.pk}-{timezone.now():%Y-%m-%d}.csv",
        header=column_headings(columns),
        rows=([yes_no(row[column]) for column in columns] for row in rows),
    )


@login_required
def shortlist_print(request, pk):
    """The shortlist, its notes and how the market was tested, laid out for printing."""
    shortlist = _viewable(request, pk)
    return render(
        request,
        "shortlists/print.html",
        {
            "shortlist": shortlist,
            "items": selectors.shortlist_items(shortlist=shortlist),
            "search_records": selectors.shortlist_search_records(shortlist=shortlist),
            "printed_at": timezone.now(),
        },
    )


@require_POST
@login_required
def search_record_create(request):
    """Record the current search (what, when, how many found) against a shortlist."""
    shortlist_id = request.POST.get("shortlist", "")
    if not shortlist_id.isdecimal():
        raise Http404("No shortlist was chosen")
    shortlist = get_object_or_404(Shortlist.objects.editable_by(request.user), pk=shortlist_id)
    record = services.search_record_create(
        shortlist=shortlist, query_string=request.POST.get("query_string", ""), user=request.user
    )
    messages.success(
        request,
        f"Search recorded on “{shortlist.name}”: {record.result_count} "
        f"organisation{pluralize(record.result_count)} found",
    )
    return redirect(shortlist)


# --- Saved searches ---


@login_required
def saved_search_list(request):
    return render(
        request,
        "shortlists/saved_search_list.html",
        {"saved_searches": selectors.saved_search_list(user=request.user)},
    )


@login_required
def saved_search_create(request, kind=SavedSearch.Kind.ORGANISATIONS):
    """Name and save the search in the query string (GET from the search page of organisations
    or of opportunities, by `kind`, then POST)."""
    query_string = services.search_clean_query_string(
        request.POST.get("query_string", "")
        if request.method == "POST"
        else request.GET.urlencode()
    )
    form = SavedSearchForm(
        request.POST or None,
        instance=SavedSearch(kind=kind),
        initial={"alert_frequency": SavedSearch.AlertFrequency.WEEKLY},
    )
    if request.method == "POST" and form.is_valid():
        saved_search = services.saved_search_create(
            owner=request.user,
            kind=kind,
            name=form.cleaned_data["name"],
            query_string=query_string,
            alert_frequency=form.cleaned_data["alert_frequency"],
        )
        messages.success(request, f"Search “{saved_search.name}” saved")
        return redirect("saved_searches:list")
    return render(
        request,
        "shortlists/saved_search_form.html",
        {
            "form": form,
            "query_string": query_string,
            "search_url": SavedSearch(kind=kind, query_string=query_string).get_search_url(),
        },
    )


@login_required
def saved_search_edit(request, pk):
    saved_search = get_object_or_404(SavedSearch, pk=pk, owner=request.user)
    form = SavedSearchForm(request.POST or None, instance=saved_search)
    if request.method == "POST" and form.is_valid():
        services.saved_search_update(
            saved_search=saved_search,
            name=form.cleaned_data["name"],
            alert_frequency=form.cleaned_data["alert_frequency"],
        )
        messages.success(request, "Saved search updated")
        return redirect("saved_searches:list")
    return render(
        request,
        "shortlists/saved_search_form.html",
        {"form": form, "saved_search": saved_search},
    )


@login_required
def saved_search_delete(request, pk):
    saved_search = get_object_or_404(SavedSearch, pk=pk, owner=request.user)
    if request.method == "POST":
        services.saved_search_delete(saved_search=saved_search)
        messages.success(request, f"Saved search “{saved_search.name}” deleted")
        return redirect("saved_searches:list")
    return render(request, "shortlists/saved_search_delete.html", {"saved_search": saved_search})
