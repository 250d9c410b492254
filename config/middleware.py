"""Response headers Django does not set itself, and answers to input no view should see."""

from django.conf import settings
from django.utils.cache import add_never_cache_headers
from django.views.defaults import bad_request


class PrivacyHeadersMiddleware:
    """Deny browser features the site does not use, and keep signed-in pages out of caches."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # A shared computer's back button or a proxy must not show someone's notes.
            add_never_cache_headers(response)
        return response


class OversizedNumberMiddleware:
    """A number too large for the database (an id typed as 99999999999999999999) is bad input:
    400, not a server error. Django's choice fields turn other malformed ids into form errors,
    but let the database's OverflowError through."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OverflowError):
            return bad_request(request, exception)
        return None
