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
    path("invitations/<str:token>/", views.invitation_accept, name="accounts_invitation_accept"),
]
