"""Development: a database behind the code's migrations answers every page with what to run,
not a server error on a missing column."""

import importlib

import pytest
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client

MIDDLEWARE = "config.middleware.UnappliedMigrationsMiddleware"


@pytest.fixture
def dev_middleware(settings):
    settings.MIDDLEWARE = importlib.import_module("config.settings.dev").MIDDLEWARE
    assert MIDDLEWARE in settings.MIDDLEWARE


@pytest.mark.django_db
def test_a_database_behind_the_code_says_what_to_run(dev_middleware):
    MigrationRecorder.Migration.objects.filter(
        app="directory", name="0003_submission_message"
    ).delete()

    for path in ["/", "/organisations/", "/account/"]:
        response = Client().get(path)
        assert response.status_code == 503, path
        page = response.content.decode()
        assert "The database needs migrating" in page
        assert "directory.0003_submission_message" in page and "make run" in page


@pytest.mark.django_db
def test_an_up_to_date_database_serves_pages(dev_middleware):
    client = Client()
    assert client.get("/organisations/").status_code == 200
    assert client.get("/organisations/").status_code == 200  # not checked again
