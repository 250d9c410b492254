from django.urls import path

from . import appraisal_views

app_name = "consortia"

urlpatterns = [
    path("", appraisal_views.offer_appraisal, name="offer_appraisal"),
    path("saved/", appraisal_views.offer_appraisal_list, name="offer_appraisal_list"),
    path("saved/new/", appraisal_views.offer_appraisal_save, name="offer_appraisal_save"),
    path("saved/compare/", appraisal_views.offer_appraisal_compare, name="offer_appraisal_compare"),
    path("saved/<int:pk>/", appraisal_views.offer_appraisal_detail, name="offer_appraisal_detail"),
    path(
        "saved/<int:pk>/rename/",
        appraisal_views.offer_appraisal_rename,
        name="offer_appraisal_rename",
    ),
    path(
        "saved/<int:pk>/delete/",
        appraisal_views.offer_appraisal_delete,
        name="offer_appraisal_delete",
    ),
    path(
        "saved/<int:pk>/export.csv",
        appraisal_views.offer_appraisal_export,
        name="offer_appraisal_export",
    ),
]
