from django.urls import path

from directory.moderation import views as moderation_views
from directory.registration import views

app_name = "registration"

urlpatterns = [
    path("", views.start, name="start"),
    path("new/", views.new, name="new"),
    path("join/<uuid:org>/<slug:kind>/", views.claim, name="claim"),
    path("<uuid:org>/", views.task_list, name="task_list"),
    path("<uuid:org>/section/<slug:step>/", views.step, name="step"),
    path("<uuid:org>/services/", views.service_list, name="services"),
    path("<uuid:org>/services/add/", views.service_edit, name="service_add"),
    path("<uuid:org>/services/<uuid:service>/", views.service_edit, name="service_edit"),
    path("<uuid:org>/services/<uuid:service>/remove/", views.service_remove, name="service_remove"),
    path(
        "<uuid:org>/services/<uuid:service>/locations/add/",
        views.location_edit,
        name="location_add",
    ),
    path("<uuid:org>/locations/<uuid:location>/", views.location_edit, name="location_edit"),
    path(
        "<uuid:org>/locations/<uuid:location>/remove/",
        views.location_remove,
        name="location_remove",
    ),
    path("<uuid:org>/evidence/", views.evidence_list, name="evidence"),
    path("<uuid:org>/evidence/add/", views.evidence_edit, name="evidence_add"),
    path("<uuid:org>/evidence/<uuid:item>/", views.evidence_edit, name="evidence_edit"),
    path("<uuid:org>/evidence/<uuid:item>/remove/", views.evidence_remove, name="evidence_remove"),
    path(
        "<uuid:org>/evidence/<uuid:item>/document/",
        views.evidence_document,
        name="evidence_document",
    ),
    path("<uuid:org>/check/", views.check_answers, name="check"),
    path("<uuid:org>/submitted/", views.submitted, name="submitted"),
    path(
        "<uuid:org>/still-correct/",
        moderation_views.confirm_still_correct,
        name="confirm_still_correct",
    ),
    path("<uuid:org>/requests/", views.claim_requests, name="claim_requests"),
    path("<uuid:org>/requests/<int:pk>/", views.claim_request_decide, name="claim_request_decide"),
]
