"""/api/: the page describing the APIs, the Open Referral UK API and the JSON API."""

from django.urls import include, path

from .views import api_docs

urlpatterns = [
    path("", api_docs, name="api_docs"),
    path("oruk/", include("directory.api.oruk_urls")),
    path("v1/", include("directory.api.v1_urls")),
]
