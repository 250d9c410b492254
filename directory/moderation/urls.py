from django.urls import path

from directory.moderation import views

app_name = "moderation"

urlpatterns = [
    path("", views.queue, name="queue"),
    path(
        "organisations/<uuid:org>/",
        views.decision,
        {"page": "organisation"},
        name="organisation",
    ),
    path("organisations/<uuid:org>/history/", views.organisation_history, name="history"),
    path("organisations/<uuid:org>/archive/", views.organisation_archive, name="archive"),
    path("organisations/<uuid:org>/restore/", views.organisation_restore, name="restore"),
    path("organisations/<uuid:org>/purge/", views.organisation_purge, name="purge"),
    path(
        "organisations/<uuid:org>/evidence/<uuid:item>/verify/",
        views.evidence_verify,
        name="evidence_verify",
    ),
    path(
        "organisations/<uuid:org>/evidence/<uuid:item>/document/",
        views.evidence_document,
        name="evidence_document",
    ),
    path("claims/<int:pk>/", views.decision, {"page": "claim"}, name="claim"),
    path("commissioners/<int:pk>/", views.decision, {"page": "commissioner"}, name="commissioner"),
    path("reports/<int:pk>/", views.decision, {"page": "report"}, name="report"),
]
