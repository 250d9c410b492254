from django.urls import path

from directory.shortlists import contact_views, views

app_name = "shortlists"

urlpatterns = [
    path("", views.shortlist_list, name="list"),
    path("new/", views.shortlist_create, name="create"),
    path("add/", views.shortlist_add, name="add"),
    path("record-search/", views.search_record_create, name="record_search"),
    path("<int:pk>/", views.shortlist_detail, name="detail"),
    path("<int:pk>/edit/", views.shortlist_edit, name="edit"),
    path("<int:pk>/delete/", views.shortlist_delete, name="delete"),
    path("<int:pk>/compare/", views.shortlist_compare, name="compare"),
    path("<int:pk>/export.csv", views.shortlist_export_csv, name="export_csv"),
    path("<int:pk>/print/", views.shortlist_print, name="print"),
    path("<int:pk>/contact/", contact_views.contact_shortlist, name="contact"),
    path("<int:pk>/share/", views.shortlist_share, name="share"),
    path("<int:pk>/share/<int:share>/revoke/", views.shortlist_share_revoke, name="share_revoke"),
    path(
        "<int:pk>/invitations/<int:invitation>/revoke/",
        views.shortlist_invitation_revoke,
        name="invitation_revoke",
    ),
    path("<int:pk>/items/<int:item>/remove/", views.shortlist_item_remove, name="item_remove"),
    path("<int:pk>/items/<int:item>/move/", views.shortlist_item_move, name="item_move"),
    path("<int:pk>/items/<int:item>/note/", views.shortlist_item_note, name="item_note"),
]
