"""/api/oruk/: the Open Referral UK API (HSDS 3.0 UK profile)."""

from django.urls import path, re_path

from directory.opendata.api import oruk

app_name = "oruk"

urlpatterns = [
    path("", oruk.api_root, name="root"),
    path("openapi.json", oruk.openapi_document, name="openapi"),
    path("services", oruk.service_list, name="service_list"),
    path("services/<str:id>", oruk.service_detail, name="service_detail"),
    path("service_at_locations", oruk.service_at_location_list, name="service_at_location_list"),
    path(
        "service_at_locations/<str:id>",
        oruk.service_at_location_detail,
        name="service_at_location_detail",
    ),
    path("taxonomies", oruk.taxonomy_list, name="taxonomy_list"),
    path("taxonomies/<str:id>", oruk.taxonomy_detail, name="taxonomy_detail"),
    path("taxonomy_terms", oruk.taxonomy_term_list, name="taxonomy_term_list"),
    path("taxonomy_terms/<str:id>", oruk.taxonomy_term_detail, name="taxonomy_term_detail"),
    # Last: every other address here answers a JSON 404 with CORS, not the HTML page.
    re_path(r"^(?P<path>(?s:.*))$", oruk.not_found),
]
