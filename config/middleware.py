"""Response headers that depend on who is asking, or that Django does not set itself."""

from django.conf import settings
from django.utils.cache import add_never_cache_headers


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
