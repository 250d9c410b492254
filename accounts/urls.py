from django.urls import path

from . import views

urlpatterns = [
    path("", views.account, name="account"),
    path("details/", views.account_details, name="accounts_details"),
    path(
        "sessions/end-others/", views.account_end_other_sessions, name="accounts_end_other_sessions"
    ),
    path("download/", views.account_download, name="accounts_download"),
    path("delete/", views.account_delete, name="accounts_delete"),
    path("organisations/<slug:slug>/members/", views.members, name="accounts_members"),
    path(
        "organisations/<slug:slug>/members/invite/",
        views.member_invite,
        name="accounts_member_invite",
    ),
    path(
        "organisations/<slug:slug>/members/<int:pk>/role/",
        views.member_role,
        name="accounts_member_role",
    ),
    path(
        "organisations/<slug:slug>/members/<int:pk>/remove/",
        views.member_remove,
        name="accounts_member_remove",
    ),
    path(
        "organisations/<slug:slug>/invitations/<int:pk>/revoke/",
        views.invitation_revoke,
        name="accounts_invitation_revoke",
    ),
    path("invitations/<str:token>/", views.invitation_accept, name="accounts_invitation_accept"),
]
