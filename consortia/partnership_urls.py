from django.urls import path

from . import views

app_name = "partnerships"

urlpatterns = [
    path("", views.consortium_list, name="consortium_list"),
    path("new/", views.consortium_create, name="consortium_create"),
    path("<uuid:consortium>/", views.consortium_detail, name="consortium_detail"),
    path("<uuid:consortium>/settings/", views.consortium_settings, name="consortium_settings"),
    path("<uuid:consortium>/invite/", views.consortium_invite, name="consortium_invite"),
    path(
        "<uuid:consortium>/invite/organisations.json",
        views.consortium_invite_search,
        name="consortium_invite_search",
    ),
    path(
        "<uuid:consortium>/leadership/", views.consortium_leadership, name="consortium_leadership"
    ),
    path(
        "<uuid:consortium>/memberships/<int:pk>/respond/",
        views.consortium_membership_respond,
        name="consortium_membership_respond",
    ),
    path(
        "<uuid:consortium>/memberships/<int:pk>/leave/",
        views.consortium_leave,
        name="consortium_leave",
    ),
    path("organisation/<uuid:org>/partners/", views.find_partners, name="find_partners"),
    path("organisation/<uuid:org>/interest/", views.partnership_interest, name="interest"),
    path(
        "organisation/<uuid:org>/interest/<int:pk>/remove/",
        views.partnership_interest_remove,
        name="interest_remove",
    ),
]
