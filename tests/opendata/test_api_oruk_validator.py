"""The official Open Referral UK validator's checks, reproduced against the live API.

The validator (OpenReferralUK/oruk-validator, OpenReferralApi.Core/Services/) does this with a
feed's base URL, and so does `validate_feed` below:
- OpenApiDiscoveryService.DiscoverOpenApiUrlAsync: GET the base URL; its `version` ("3.0",
  "HSDS-UK-3.0", "V3"...) picks the profile's openapi.json, else its `openapi_url` is read.
- OpenApiValidationService.ValidateOpenApiSpecObjectAsync: the document has `openapi`,
  `info` with a title and a version, and a non-empty `paths`.
- GroupEndpointsByDependencies / TestEndpointsAsync: endpoints grouped by root path (the
  segments before the first `{`); the collection GETs first, then the `{id}` ones.
- TestPaginatedEndpointAsync: an endpoint with a `page` query parameter is requested at page
  1, at page total_pages / 2 when there are more than 2 pages, and at the last page; every
  response is validated against the document's 200 schema, and a first page with no items is
  the EMPTY_FEED_WARNING.
- TestSingleEndpointAsync: any other status than 2xx is REQUIRED_ENDPOINT_FAILED.
- ExtractIdsFromResponse / TestSingleEndpointWithIdSubstitutionAsync: the `id`s of a
  collection's `contents` are substituted into its `{id}` endpoints, up to 10 of them, and each
  response is validated against that endpoint's 200 schema.
The schemas are the official ones (tests/opendata/oruk_standard.py); on top of them, the
profile's rule that no property is an empty string or null.
"""

import re
from dataclasses import dataclass, field

import pytest

from directory.opendata.api import oruk
from tests.factories import (
    ClientGroupFactory,
    DeliveryLocationFactory,
    OrganisationFactory,
    PathwayFactory,
    QualityMarkFactory,
    RegionFactory,
    ServiceFactory,
)
from tests.opendata.oruk_standard import (
    empty_values,
    official_document,
    response_schema,
    schema_errors,
)
from tests.opendata.test_api_oruk import fresh_throttle, minimal_service  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_throttle")]

BASE = "/api/oruk"
MAX_IDS = 10


@dataclass
class Report:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


def root_path(path: str) -> str:
    segments = []
    for segment in path.strip("/").split("/"):
        if not segment or segment.startswith("{"):
            break
        segments.append(segment)
    return "/" + "/".join(segments)


def parameter_names(document: dict, path: str) -> set[str]:
    names = set()
    for parameter in document["paths"][path]["get"].get("parameters", []):
        if "$ref" in parameter:
            parameter = document["components"]["parameters"][parameter["$ref"].split("/")[-1]]
        names.add(parameter["name"])
    return names


def version_number(version: str) -> float | None:
    """OpenApiDiscoveryService.ExtractVersionNumber."""
    text = version.replace("HSDS-UK-", "").replace("V", "").replace("v", "").strip()
    try:
        return float(text)
    except ValueError:
        return None


def fetch(client, report: Report, path: str, schema_path: str, **params):
    report.requests.append(f"{path}?page={params['page']}" if params else path)
    response = client.get(BASE + path, params)
    if not 200 <= response.status_code < 300:
        report.errors.append(f"REQUIRED_ENDPOINT_FAILED {path} {params}: {response.status_code}")
        return None
    body = response.json()
    for error in schema_errors(response_schema(schema_path), body):
        report.errors.append(f"SCHEMA {path} {params} {error}")
    for where in empty_values(body):
        report.errors.append(f"EMPTY_VALUE {path} {params} at {where}")
    return body


def validate_feed(client) -> Report:
    report = Report()
    root = client.get(BASE + "/").json()
    if version_number(root.get("version", "")) != 3.0:
        report.errors.append(f"DISCOVERY: version {root.get('version')!r} is not 3.0")
    document = client.get(root["openapi_url"]).json()
    if not (document.get("openapi") and document.get("paths")):
        report.errors.append("MISSING_OPENAPI_VERSION or MISSING_PATHS in openapi_url")
    if not (document.get("info", {}).get("title") and document["info"].get("version")):
        report.errors.append("MISSING_TITLE or MISSING_VERSION in openapi_url")

    official = official_document()
    groups: dict[str, list[str]] = {}
    for path in official["paths"]:
        groups.setdefault(root_path(path), []).append(path)
    for paths in groups.values():
        ids = []
        for path in (p for p in paths if "{" not in p):
            ids += check_collection(client, report, official, path)
        for path in (p for p in paths if "{" in p):
            if not ids:
                report.warnings.append(f"NO_IDS_AVAILABLE {path}")
            for id in ids[:MAX_IDS]:
                fetch(client, report, re.sub(r"\{[^}]+\}", id, path), path)
    return report


def check_collection(client, report: Report, official: dict, path: str) -> list[str]:
    """The collection's first page (and middle and last pages); the ids it lists."""
    if "page" not in parameter_names(official, path):
        body = fetch(client, report, path, path)
        return [body["id"]] if body and body.get("id") else []
    first = fetch(client, report, path, path, page=1)
    if first is None:
        return []
    if not first["contents"]:
        report.warnings.append(f"EMPTY_FEED_WARNING {path}")
        return []
    total_pages = first["total_pages"]
    if total_pages > 2:
        fetch(client, report, path, path, page=total_pages // 2)
    if total_pages > 1:
        last = fetch(client, report, path, path, page=total_pages)
        if last is not None and not last["contents"]:
            report.errors.append(f"PAGINATION {path}: the last page, {total_pages}, is empty")
    return [item["id"] for item in first["contents"] if item.get("id")]


@pytest.fixture
def feed(monkeypatch, request):
    """Services of every kind the directory holds, from the barest to the fullest, two to a
    page so that the validator sees a first, a middle and a last page."""
    request.getfixturevalue("minimal_service")
    monkeypatch.setattr(oruk, "DEFAULT_PER_PAGE", 2)
    young = ClientGroupFactory(slug="young-adults", name="Young adults (18 to 25)")
    rich = OrganisationFactory(company_number="01234567", phone="0161 496 0000")
    rich.quality_marks.set([QualityMarkFactory()])
    for n, postcode in enumerate(["M1 1AE", "CF10 1EP", "SW1A 1AA", "EH1 1YZ"]):
        service = ServiceFactory(
            organisation=rich,
            position=n,
            pathways=[PathwayFactory()],
            client_groups=[young] if n % 2 else [ClientGroupFactory()],
            regions=[RegionFactory()],
            accepting_referrals=bool(n % 2),
        )
        DeliveryLocationFactory(service=service, postcode=postcode, address="")
        DeliveryLocationFactory(service=service, latitude=None, longitude=None)


def test_the_feed_passes_the_validators_checks(client, feed):
    report = validate_feed(client)
    assert report.errors == []
    assert report.warnings == []
    # 5 services, 4 taxonomies, 12 terms and 8 places, two a page, in the document's order:
    # the "middle" page is total_pages // 2, as the validator counts it.
    pages = [request for request in report.requests if "?page=" in request]
    assert pages == [
        "/services?page=1",
        "/services?page=1",
        "/services?page=3",
        "/taxonomies?page=1",
        "/taxonomies?page=2",
        "/taxonomy_terms?page=1",
        "/taxonomy_terms?page=3",
        "/taxonomy_terms?page=6",
        "/service_at_locations?page=1",
        "/service_at_locations?page=2",
        "/service_at_locations?page=4",
    ]
    # The root, and the records listed on each collection's first page.
    records = [request for request in report.requests if "?" not in request]
    assert len(records) == 1 + 4 * 2


def test_the_reproduction_fails_a_feed_that_breaks_the_schemas(client, feed, monkeypatch):
    """The checks can fail: a status outside the profile's list and an empty city."""
    original = oruk.Serialiser.service

    def broken(self, service, **kwargs):
        return {**original(self, service, **kwargs), "status": "open"}

    monkeypatch.setattr(oruk.Serialiser, "service", broken)
    monkeypatch.setattr(oruk, "postcode_area", lambda postcode: ("", "England"))
    monkeypatch.setattr(oruk, "_compact", lambda record: record)
    errors = validate_feed(client).errors
    assert any(e.startswith("SCHEMA /services/") and "'open'" in e for e in errors)
    assert any(e.startswith("SCHEMA /service_at_locations/") and "status" in e for e in errors)
    assert any(e.startswith("EMPTY_VALUE /service_at_locations/") for e in errors)


def test_an_empty_feed_only_warns_and_pages_consistently(client):
    report = validate_feed(client)
    assert report.errors == []
    assert "EMPTY_FEED_WARNING /services" in report.warnings
    body = client.get(BASE + "/services").json()
    assert (body["total_pages"], body["page_number"], body["first_page"], body["last_page"]) == (
        1,
        1,
        True,
        True,
    )
