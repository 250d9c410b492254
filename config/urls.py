from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from directory import views as directory_views

from . import views

admin.site.site_header = settings.SERVICE_NAME
admin.site.site_title = settings.SERVICE_NAME

urlpatterns = [
    path("", directory_views.home, name="home"),
    path("organisations/", include("directory.urls")),
    path("accounts/", include("allauth.urls")),
    path("account/", include("accounts.urls")),
    path("register/", include("directory.registration_urls")),
    path("api/", include("directory.api.urls")),
    path("tools/offer-appraisal/", include("consortia.urls")),
    path(
        "accessibility/",
        TemplateView.as_view(template_name="pages/accessibility.html"),
        name="accessibility",
    ),
    path("privacy/", TemplateView.as_view(template_name="pages/privacy.html"), name="privacy"),
    path("cookies/", TemplateView.as_view(template_name="pages/cookies.html"), name="cookies"),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]

handler500 = "config.views.server_error"
