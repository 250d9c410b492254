"""/api/: the page describing the APIs, the JSON API's interactive reference, the Open Referral
UK API (the JSON API itself: config/api_v1_urls.py)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerSplitView

from directory.opendata.api.views import api_docs

urlpatterns = [
    path("", api_docs, name="api_docs"),
    path(
        "reference/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api_v1:schema",
            template_name="api/reference.html",
            title="JSON API reference - Rehabilitation Partners Directory",
        ),
        name="api_reference",
    ),
    path("oruk/", include("directory.opendata.api.oruk_urls")),
]
