from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import redirect
from django.template import loader
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request):
    """Answers 200 when the database is reachable, 503 when it is not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure means unhealthy
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def server_error(request):
    """A 500 page rendered without context processors: they may be what failed."""
    return HttpResponseServerError(loader.get_template("500.html").render())


def admin_login(request):
    """The admin's sign-in is the site's: the same rate limits, lockout and second factor.
    Someone signed in without access to the admin is told so (the sign-in page would send them
    back to the admin, and the admin back here)."""
    if request.user.is_authenticated and not admin.site.has_permission(request):
        raise PermissionDenied("Your account cannot use the admin")
    next_url = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
    return redirect(f"{reverse('account_login')}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")


def admin_password_change(request):
    """The admin's password change is the site's: a wrong current password counts towards the
    sign-in cool-off, and a change ends the person's other sessions."""
    return redirect("account_change_password")
