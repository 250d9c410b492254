from django.urls import path

from directory.moderation import views as moderation_views
from directory.organisations import evidence_views
from directory.search import views

app_name = "directory"

urlpatterns = [
    path("", views.organisation_list, name="organisation_list"),
    # Before <slug:slug>/ so that "export.csv" is never read as a profile's slug.
    path("export.csv", views.organisation_export_csv, name="organisation_export_csv"),
    path("export.json", views.organisation_export_json, name="organisation_export_json"),
    path(
        "<slug:slug>/evidence/<uuid:evidence>/document",
        evidence_views.evidence_document,
        name="evidence_document",
    ),
    path("<slug:slug>/report/", moderation_views.report_problem, name="report_problem"),
    path("<slug:slug>/report/sent/", moderation_views.report_sent, name="report_sent"),
    path("<slug:slug>/", views.organisation_detail, name="organisation_detail"),
]
