import pytest
from django.core.management import call_command


@pytest.fixture
def taxonomies(db):
    """The real taxonomies from fixtures/taxonomies.json."""
    call_command("load_taxonomies", verbosity=0)
