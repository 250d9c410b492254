"""The Django admin: every model is there, and every registered model's pages load for a
superuser (its list with and without a search, its add page, and the page of one of its rows),
with the world of tests/world.py in the database so that the lists have rows to show."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse

from tests.accounts.helpers import activate_totp
from tests.world import build_world

PROJECT_APPS = ("accounts", "directory", "consortia", "outbox")
REGISTERED = list(admin.site._registry.items())


@pytest.fixture(scope="module")
def superuser_client(django_db_setup, django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock(), transaction.atomic():
        build_world()
        user = get_user_model().objects.create_superuser(
            email="superuser@example.org", password="a-long-admin-password"
        )
        activate_totp(user)
        client = Client()
        client.force_login(user)
        yield client
        transaction.set_rollback(True)


def test_every_model_of_the_project_is_in_the_admin():
    """Registered, or edited inline on the page of the model it belongs to."""
    inlined = {
        inline.model
        for model_admin in admin.site._registry.values()
        for inline in model_admin.inlines
    }
    missing = [
        model._meta.label
        for app_label in PROJECT_APPS
        for model in apps.get_app_config(app_label).get_models()
        if not model._meta.label.split(".")[1].startswith("Historical")
        and model not in admin.site._registry
        and model not in inlined
    ]
    assert missing == []


@pytest.mark.parametrize(
    ("model", "model_admin"),
    [
        (model, model_admin)
        for model, model_admin in REGISTERED
        if model._meta.app_label in PROJECT_APPS
    ],
    ids=lambda value: value._meta.label if hasattr(value, "_meta") else "",
)
def test_project_admins_can_be_searched_and_filtered(model, model_admin):
    assert model_admin.search_fields, f"{model._meta.label} has no search"
    assert model_admin.list_display != ("__str__",), f"{model._meta.label} has no list columns"


@pytest.mark.parametrize(
    ("model", "model_admin"),
    REGISTERED,
    ids=lambda value: value._meta.label if hasattr(value, "_meta") else "",
)
def test_every_admin_page_loads_for_a_superuser(superuser_client, db, model, model_admin):
    prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    changelist = reverse(f"{prefix}_changelist")
    assert superuser_client.get(changelist, {"q": "x"}).status_code == 200
    response = superuser_client.get(changelist)
    assert response.status_code == 200
    add = superuser_client.get(reverse(f"{prefix}_add"))
    # Records written only by the service's workflow cannot be added by hand.
    assert add.status_code == (
        200 if model_admin.has_add_permission(response.wsgi_request) else 403
    )
    if row := model._default_manager.order_by("pk").first():
        change = superuser_client.get(reverse(f"{prefix}_change", args=[row.pk]))
        assert change.status_code == 200, change.content[:300]
