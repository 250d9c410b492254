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

PROJECT_APPS = (
    "accounts",
    "directory",
    "moderation",
    "search",
    "shortlists",
    "opendata",
    "consortia",
    "outbox",
)
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


def _english_plural(singular: str) -> str:
    """The regular English plural of a model's name ("saved search" -> "saved searches")."""
    if singular.endswith(("s", "x", "ch", "sh")):
        return singular + "es"
    if singular.endswith("y") and singular[-2:-1] not in "aeiou":
        return singular[:-1] + "ies"
    return singular + "s"


def test_every_model_of_the_project_is_named_in_the_plural_correctly():
    """The admin's lists and the demo's summary say "saved searches", never "saved searchs"."""
    wrong = [
        (model._meta.label, str(model._meta.verbose_name_plural))
        for app_label in PROJECT_APPS
        for model in apps.get_app_config(app_label).get_models()
        if not model._meta.label.split(".")[1].startswith("Historical")
        and str(model._meta.verbose_name_plural).endswith(("chs", "shs", "xs", "ss"))
        and model._meta.verbose_name_plural != _english_plural(str(model._meta.verbose_name))
    ]
    assert wrong == []


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


def test_claims_are_decided_in_the_workspace_not_the_admin(superuser_client, db):
    """The admin lists requests to join or claim but has no actions deciding them: they would
    skip the moderation record and the reason a refusal needs, and end in a 403 for an
    organisation whose admins decide. It links to the workspace for those moderators decide."""
    from django.core import mail

    from directory.moderation.models import ClaimRequest
    from directory.organisations.models import AuditRecord
    from tests.factories import ClaimRequestFactory, MembershipFactory

    adminless = ClaimRequestFactory(kind="claim", organisation__name="Nobody's Trust")
    with_admins = ClaimRequestFactory(kind="join")
    MembershipFactory(organisation=with_admins.organisation, role="admin")
    changelist = reverse("admin:moderation_claimrequest_changelist")

    page = superuser_client.get(changelist, {"status__exact": "pending"})
    # No actions at all: nor deleting, which would drop a request without a decision.
    assert page.context["action_form"] is None
    body = page.content.decode()
    workspace = reverse("moderation:claim", kwargs={"pk": adminless.pk})
    assert workspace in body
    assert "The organisation&#x27;s admins" in body
    assert superuser_client.get(reverse("admin:moderation_claimrequest_add")).status_code == 403
    for action in ["approve", "decline"]:
        superuser_client.post(
            changelist, {"action": action, "_selected_action": [adminless.pk, with_admins.pk]}
        )
    assert set(ClaimRequest.objects.values_list("status", flat=True)) == {"pending"}
    assert not AuditRecord.objects.exists() and mail.outbox == []

    # Where the link goes, the decision has its rules, its record and its email.
    response = superuser_client.post(workspace, {"action": "reject", "reason": ""})
    assert response.context["form"].errors["reason"]
    superuser_client.post(workspace, {"action": "reject", "reason": "Use your work address"})
    adminless.refresh_from_db()
    assert adminless.status == "declined"
    decision = AuditRecord.objects.get()
    assert (decision.kind, decision.action, decision.subject_user) == (
        "claim",
        "reject",
        adminless.user,
    )
    [email] = mail.outbox
    assert email.to == [adminless.user.email] and "Use your work address" in email.body
    # The organisation with admins is theirs to decide: not in the workspace.
    other = reverse("moderation:claim", kwargs={"pk": with_admins.pk})
    assert superuser_client.get(other).status_code == 404
