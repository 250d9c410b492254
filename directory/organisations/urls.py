"""The members pages, under /account/ beside the person's own account pages (config/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
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
]
