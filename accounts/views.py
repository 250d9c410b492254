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
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from . import selectors, services
from .forms import AccountDeleteForm, AccountDetailsForm
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
