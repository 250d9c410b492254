"""Contract tests: schemathesis sends generated requests, valid and invalid, to both APIs and
checks every answer against the OpenAPI document that describes it:
- /api/v1/: the project's own schema, as /api/v1/schema/ serves it;
- /api/oruk/: the official Open Referral UK document (shared/standards), with only the
  corrections directory/api/oruk_openapi.py writes down.
Any 5xx, any status the document does not list, any body or content type that breaks it, and
any request the document calls invalid but the API accepts, fails the test.

Not checked: `positive_data_acceptance` (that every request the document allows succeeds).
Neither document can say which postcodes exist or which slugs are taxonomy terms, so a
well-formed but unknown postcode or slug is rightly a 400.
"""

import json

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from rest_framework.throttling import AnonRateThrottle
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import (
    ClientGroupFactory,
    DeliveryLocationFactory,
    EvidenceItemFactory,
    JusticeDataLabEvidenceFactory,
    OpportunityFactory,
    OrganisationFactory,
    PathwayFactory,
    RegionFactory,
    ServiceFactory,
)
from tests.opendata.oruk_standard import official_document

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
# Bounded: a few dozen requests for each operation keeps the whole run well under a minute.
EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    # The same requests every run, and no example database left in the working tree.
    database=None,
)


@pytest.fixture
def in_test_transaction():
    """Requests through the real WSGI handler keep the test's database connection, as Django's
    test client does: closing it at the end of a request would end the test's transaction."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def directory(monkeypatch, in_test_transaction):
    """A little of everything both APIs publish, and no throttle in the way."""
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "100000/minute"})
    cache.clear()
    bare = OrganisationFactory(website="", email="", phone="", summary="", description="")
    ServiceFactory(organisation=bare, pathways=[], regions=[])
    rich = OrganisationFactory(company_number="01234567")
    service = ServiceFactory(
        organisation=rich,
        pathways=[PathwayFactory()],
        client_groups=[ClientGroupFactory(slug="young-adults")],
        regions=[RegionFactory()],
    )
    DeliveryLocationFactory(service=service)
    EvidenceItemFactory(organisation=rich, url="")
    JusticeDataLabEvidenceFactory(organisation=rich, service=service)
    OpportunityFactory()
    yield
    cache.clear()


def v1_document() -> dict:
    """The project's schema, as /api/v1/schema/ serves it (generating it reads no data)."""
    return SchemaGenerator(patterns=None).get_schema(request=None, public=True)


def wsgi_schema(document: dict) -> schemathesis.schemas.BaseSchema:
    schema = schemathesis.openapi.from_dict(json.loads(json.dumps(document, default=str)))
    schema.app = get_wsgi_application()
    return schema


v1 = wsgi_schema(v1_document())
oruk = wsgi_schema({**official_document(), "servers": [{"url": "/api/oruk"}]})


@v1.parametrize()
@EXAMPLES
def test_the_json_api_keeps_its_schema(case, directory):
    case.call_and_validate(checks=CHECKS)


@oruk.parametrize()
@EXAMPLES
def test_the_oruk_api_keeps_the_official_document(case, directory):
    case.call_and_validate(checks=CHECKS)
