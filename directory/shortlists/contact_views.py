"""Messages to organisations, from a profile or to everyone on a shortlist, and the
organisation admins' choice of who may send them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from accounts.models import Membership
from directory.organisations.models import Organisation
from directory.shortlists import contact_services as services
from directory.shortlists.forms import ContactForm, ContactPreferencesForm
from directory.shortlists.models import Shortlist


def _contact_page(request, *, organisations, shortlist=None, back_url):
    """Shared by both kinds of message: the form, then one email per organisation; for
    someone the directory does not vouch for, why not and what to do instead."""
    if reason := services.contact_refusal_reason(request.user):
        return render(
            request,
            "shortlists/contact_refused.html",
            {
                "reason": reason,
                "organisations": organisations,
                "shortlist": shortlist,
                "back_url": back_url,
            },
            status=403,
        )
    kind = services.contact_sender_kind(request.user)
    accepting = [
        o for o in organisations if services.contact_allowed(organisation=o, sender_kind=kind)
    ]
    refusing = [o for o in organisations if o not in accepting]
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and accepting:
        try:
            sent = services.contact_send(
                sender=request.user,
                organisations=accepting,
                shortlist=shortlist,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            names = ", ".join(message.organisation.name for message in sent)
            messages.success(request, f"Message sent to {names}")
            return redirect(back_url)
    return render(
        request,
        "shortlists/contact.html",
        {
            "form": form,
            "organisations": accepting,
            "refusing": refusing,
            "shortlist": shortlist,
            "organisation": organisations[0] if shortlist is None else None,
            "back_url": back_url,
            "messages_left": services.contact_messages_left_today(user=request.user),
        },
    )


@login_required
def contact_organisation(request, slug):
    organisation = get_object_or_404(Organisation.objects.published(), slug=slug)
    return _contact_page(
        request, organisations=[organisation], back_url=organisation.get_absolute_url()
    )


@login_required
def contact_shortlist(request, pk):
    shortlist = get_object_or_404(Shortlist.objects.viewable_by(request.user), pk=pk)
    organisations = list(
        Organisation.objects.published().filter(shortlist_items__shortlist=shortlist)
    )
    return _contact_page(
        request,
        organisations=organisations,
        shortlist=shortlist,
        back_url=shortlist.get_absolute_url(),
    )


@login_required
def contact_preferences(request, slug):
    """An organisation's admins (or a moderator) choose who may message it."""
    organisation = get_object_or_404(Organisation.objects.editable_by(request.user), slug=slug)
    is_admin = Membership.objects.admins().filter(organisation=organisation, user=request.user)
    if not (request.user.is_moderator or is_admin.exists()):
        raise Http404
    form = ContactPreferencesForm(request.POST or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        services.organisation_contact_preferences_update(
            organisation=organisation,
            from_commissioners=form.cleaned_data["accept_contact_from_commissioners"],
            from_providers=form.cleaned_data["accept_contact_from_providers"],
        )
        messages.success(request, "Contact preferences saved")
        return redirect("contact_preferences", slug=organisation.slug)
    return render(
        request, "shortlists/contact_preferences.html", {"form": form, "organisation": organisation}
    )
