"""/moderation/import/: the bulk import in the moderators' workspace."""

from django.urls import path

from directory.moderation import import_views

urlpatterns = [
    path("", import_views.import_upload, name="import_upload"),
    path("confirm/", import_views.import_confirm, name="import_confirm"),
]
