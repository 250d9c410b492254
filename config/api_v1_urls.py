"""/api/v1/: the directory's own read-only JSON API and its OpenAPI schema, composed here from
the apps' viewsets (organisations from opendata, opportunities from consortia, a higher
layer that opendata may not import)."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from consortia.api import OpportunityViewSet
from directory.opendata.api.public import not_found
from directory.opendata.api.views import OrganisationViewSet

app_name = "api_v1"

router = SimpleRouter()
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("opportunities", OpportunityViewSet, basename="opportunity")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    *router.urls,
    # Last: every other address here is a JSON 404 too.
    re_path(r"^(?P<path>(?s:.*))$", not_found),
]
