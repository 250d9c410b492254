from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from directory.opendata import insights_views
from directory.opendata import views as open_data_views
from directory.search import views as directory_views
from directory.shortlists import contact_views

from . import views

admin.site.site_header = settings.SERVICE_NAME
admin.site.site_title = settings.SERVICE_NAME

urlpatterns = [
    path("", directory_views.home, name="home"),
    path(
        "organisations/<slug:slug>/contact/",
        contact_views.contact_organisation,
        name="contact_organisation",
    ),
    path(
        "organisations/<slug:slug>/contact-preferences/",
        contact_views.contact_preferences,
        name="contact_preferences",
    ),
    path("organisations/", include("directory.urls")),
    path("shortlists/", include("directory.shortlists.urls")),
    path("saved-searches/", include("directory.shortlists.saved_search_urls")),
    path("accounts/", include("allauth.urls")),
    path("account/", include("accounts.urls")),
    path("account/", include("directory.organisations.urls")),
    path("register/", include("directory.registration.urls")),
    # Before the moderation include, whose patterns would otherwise see "import/" first.
    path("moderation/import/", include("directory.moderation.import_urls")),
    path("moderation/", include("directory.moderation.urls")),
    path("api/v1/", include("config.api_v1_urls")),
    path("api/", include("directory.opendata.api.urls")),
    path("tools/offer-appraisal/", include("consortia.urls")),
    path("opportunities/", include("consortia.opportunity_urls")),
    path("consortia/", include("consortia.partnership_urls")),
    path("insights/", insights_views.market_coverage, name="insights"),
    path("data/", open_data_views.open_data_page, name="open_data"),
    path(
        "data/organisations.<str:kind>",
        open_data_views.open_data_download,
        name="open_data_download",
    ),
    path(
        "accessibility/",
        TemplateView.as_view(template_name="pages/accessibility.html"),
        name="accessibility",
    ),
    path("privacy/", TemplateView.as_view(template_name="pages/privacy.html"), name="privacy"),
    path("cookies/", TemplateView.as_view(template_name="pages/cookies.html"), name="cookies"),
    path("healthz", views.healthz, name="healthz"),
    # Before the admin's own patterns: its sign-in page would skip the second factor.
    path("admin/login/", views.admin_login, name="admin_login"),
    path("admin/password_change/", views.admin_password_change, name="admin_password_change"),
    path("admin/", admin.site.urls),
]

handler500 = "config.views.server_error"
