import pytest
from django.core.cache import cache
from django.core.management import call_command


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters live in the cache: each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def taxonomies(db):
    """The real taxonomies from fixtures/taxonomies.json."""
    call_command("load_taxonomies", verbosity=0)
