from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def account(request):
    """The signed-in user's account: details and the organisations they belong to."""
    memberships = request.user.memberships.select_related("organisation").order_by("organisation__name")
    return render(request, "accounts/account.html", {"memberships": memberships})
