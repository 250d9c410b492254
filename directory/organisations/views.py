"""The pages where an organisation's admins (and moderators) manage its members and
invitations; everyone else gets 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import services as account_services

from . import selectors, services
from .forms import InvitationForm, MembershipRoleForm, add_validation_error


@login_required
def members(request, slug):
    organisation = selectors.organisation_managed_by(user=request.user, slug=slug)
    return render(
        request,
        "accounts/members.html",
        {
            "organisation": organisation,
            "memberships": selectors.organisation_members(organisation=organisation),
            "invitations": selectors.organisation_open_invitations(organisation=organisation),
            "now": timezone.now(),
            "nav_section": "account",
        },
    )


@login_required
def member_invite(request, slug):
    organisation = selectors.organisation_managed_by(user=request.user, slug=slug)
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_create(
                organisation=organisation,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                invited_by=request.user,
                site_url=request.build_absolute_uri("/"),
            )
        except ValidationError as error:
            add_validation_error(form, error)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}")
            return redirect("accounts_members", slug=organisation.slug)
    return render(
        request,
        "accounts/member_invite.html",
        {"organisation": organisation, "form": form, "nav_section": "account"},
    )


@login_required
def member_role(request, slug, pk):
    organisation = selectors.organisation_managed_by(user=request.user, slug=slug)
    membership = get_object_or_404(organisation.memberships.select_related("user"), pk=pk)
    form = MembershipRoleForm(request.POST or None, initial={"role": membership.role})
    if request.method == "POST" and form.is_valid():
        try:
            account_services.membership_change_role(
                membership=membership, role=form.cleaned_data["role"], changed_by=request.user
            )
        except ValidationError as error:
            add_validation_error(form, error, field="role")
        else:
            messages.success(request, f"{membership.user}'s role has been changed")
            return redirect("accounts_members", slug=organisation.slug)
    return render(
        request,
        "accounts/member_role.html",
        {
            "organisation": organisation,
            "membership": membership,
            "form": form,
            "nav_section": "account",
        },
    )


@login_required
def member_remove(request, slug, pk):
    organisation = selectors.organisation_managed_by(user=request.user, slug=slug)
    membership = get_object_or_404(organisation.memberships.select_related("user"), pk=pk)
    error = None
    if request.method == "POST":
        try:
            account_services.membership_remove(membership=membership, removed_by=request.user)
        except ValidationError as exc:
            error = exc.messages[0]
        else:
            messages.success(request, f"{membership.user} has been removed from {organisation}")
            if membership.user == request.user and not request.user.is_moderator:
                return redirect("account")
            return redirect("accounts_members", slug=organisation.slug)
    return render(
        request,
        "accounts/member_remove.html",
        {
            "organisation": organisation,
            "membership": membership,
            "error": error,
            "nav_section": "account",
        },
    )


@require_POST
@login_required
def invitation_revoke(request, slug, pk):
    organisation = selectors.organisation_managed_by(user=request.user, slug=slug)
    invitation = get_object_or_404(organisation.invitations.open(), pk=pk)
    account_services.invitation_revoke(invitation=invitation)
    messages.success(request, f"The invitation to {invitation.email} has been withdrawn")
    return redirect("accounts_members", slug=organisation.slug)
