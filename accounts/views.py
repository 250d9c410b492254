import json

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from allauth.usersessions.internal.flows.sessions import end_other_sessions
from allauth.usersessions.models import UserSession
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from . import selectors, services
from .forms import AccountDeleteForm, AccountDetailsForm, InvitationForm, MembershipRoleForm
from .models import CommissionerProfile, Invitation


@login_required
def account(request):
    """The signed-in user's account: details, security and the organisations they belong to."""
    user = request.user
    memberships = user.memberships.select_related("organisation").order_by("organisation__name")
    return render(
        request,
        "accounts/account.html",
        {
            "memberships": memberships,
            "commissioner_profile": CommissionerProfile.objects.filter(user=user).first(),
            "totp_enabled": is_mfa_enabled(user, [Authenticator.Type.TOTP]),
            "session_count": len(UserSession.objects.purge_and_list(user)),
        },
    )


@login_required
def account_details(request):
    """Change the name shown to colleagues and moderators."""
    form = AccountDetailsForm(request.POST or None, initial={"full_name": request.user.full_name})
    if request.method == "POST" and form.is_valid():
        request.user.full_name = form.cleaned_data["full_name"].strip()
        request.user.save(update_fields=["full_name"])
        messages.success(request, "Your name has been updated")
        return redirect("account")
    return render(
        request, "accounts/account_details.html", {"form": form, "nav_section": "account"}
    )


@require_POST
@login_required
def account_end_other_sessions(request):
    """Sign out everywhere except this browser."""
    end_other_sessions(request, request.user)
    messages.success(request, "You have been signed out of all other sessions")
    return redirect("account")


@login_required
def account_download(request):
    """All the personal data held about the user, as a JSON file."""
    data = services.user_personal_data(user=request.user)
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    filename = f"your-data-{timezone.localdate().isoformat()}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def account_delete(request):
    """Confirm with the password, then delete the account and its personal data."""
    form = AccountDeleteForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.user_delete(user=request.user)
        logout(request)
        return render(request, "accounts/account_deleted.html")
    return render(request, "accounts/account_delete.html", {"form": form, "nav_section": "account"})


# --- An organisation's members: its admins and moderators only; everyone else gets 404. ---


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
            _add_errors(form, error)
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
            services.membership_change_role(
                membership=membership, role=form.cleaned_data["role"], changed_by=request.user
            )
        except ValidationError as error:
            _add_errors(form, error, field="role")
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
            services.membership_remove(membership=membership, removed_by=request.user)
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
    services.invitation_revoke(invitation=invitation)
    messages.success(request, f"The invitation to {invitation.email} has been withdrawn")
    return redirect("accounts_members", slug=organisation.slug)


def invitation_accept(request, token):
    """Someone follows the link in their invitation email."""
    invitation = Invitation.objects.select_related("organisation").filter(token=token).first()
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    if not request.user.is_authenticated:
        return render(request, "accounts/invitation_sign_in.html", {"invitation": invitation})
    if request.method == "POST":
        try:
            services.invitation_accept(invitation=invitation, user=request.user)
        except ValidationError as exc:
            error = exc.messages[0]
        else:
            messages.success(request, f"You are now a member of {invitation.organisation}")
            return redirect("account")
    else:
        error = selectors.invitation_refusal(invitation=invitation, user=request.user)
    return render(
        request, "accounts/invitation_accept.html", {"invitation": invitation, "error": error}
    )


def _add_errors(form, error: ValidationError, field: str | None = None) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            for message in errors:
                form.add_error(name if name in form.fields else None, message)
    else:
        for message in error.messages:
            form.add_error(field, message)
