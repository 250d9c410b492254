from django.urls import path

from directory.search.models import SavedSearch
from directory.shortlists import views

app_name = "saved_searches"

urlpatterns = [
    path("", views.saved_search_list, name="list"),
    path("new/", views.saved_search_create, name="create"),
    path(
        "new/opportunities/",
        views.saved_search_create,
        {"kind": SavedSearch.Kind.OPPORTUNITIES.value},
        name="create_opportunities",
    ),
    path("<int:pk>/edit/", views.saved_search_edit, name="edit"),
    path("<int:pk>/delete/", views.saved_search_delete, name="delete"),
]
