from django.urls import path

from . import views

app_name = "opportunities"

urlpatterns = [
    path("", views.opportunity_list, name="list"),
    path("new/", views.opportunity_create, name="create"),
    path("<uuid:opportunity>/", views.opportunity_detail, name="detail"),
    path("<uuid:opportunity>/withdraw/", views.opportunity_withdraw, name="withdraw"),
    path("<uuid:opportunity>/responses/", views.opportunity_responses, name="responses"),
    path(
        "<uuid:opportunity>/responses/<int:pk>/",
        views.opportunity_response_decide,
        name="response_decide",
    ),
]
