"""The Open Referral UK API (the UK profile of HSDS 3.0), read-only, under /api/oruk/.

How the directory maps onto HSDS:
- an organisation is an `organization` (its registration numbers are `organization_identifiers`
  and the first register entry is its `uri`); only published organisations appear at all;
- a service is a `service`. Its `status` is "active" while it accepts referrals and
  "temporarily closed" (with an `alert` saying why) while it does not: the service still runs,
  but nobody new can be referred to it. `assured_date` is the date a moderator last verified
  the organisation, `accreditations` its quality marks, and `contacts` holds only the
  organisation's public contact details, never a person's;
- regions are `service_areas`, and pathways, client groups, delivery settings and regions are
  `attributes` linking the service to `taxonomy_term`s of four `taxonomy` records;
- a delivery location is a `service_at_location`, with a `location` and its postal address.

Every identifier is a stable UUID: the rows' own `uuid`, or one derived with uuid5 from them
for records the directory has no table for (taxonomies, addresses, service areas, attributes).
"""

import contextlib
import json
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from functools import wraps
from math import ceil

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model, Q, QuerySet
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.csrf import csrf_exempt
from rest_framework.throttling import AnonRateThrottle

from accounts.fields import one_line
from directory.opendata.api import oruk_openapi
from directory.organisations import geo
from directory.organisations.models import (
    ClientGroup,
    DeliveryLocation,
    DeliverySetting,
    Organisation,
    Pathway,
    Region,
    Service,
)
from directory.organisations.post_towns import postcode_area
from directory.search.definitions import REGION
from directory.search.filters import locations_within, text_condition

HSDS_VERSION = "3.0"
PROFILE_URL = "https://github.com/OpenReferralUK/uk-profile/blob/main/docs/index.md"
# Never change: every derived identifier depends on it.
ORUK_NAMESPACE = uuid.UUID("5b0e7f3c-2f6a-4a51-9d1e-6c7c1b2f9a40")
DEFAULT_PER_PAGE = 50
# Bounds the work and the response size of one request, whatever a client asks for.
MAX_PER_PAGE = 200
# `minimal` asks for every service in one call: id and date only, so a bigger page is cheap.
MAX_MINIMAL_PER_PAGE = 5000
# Public data that changes a few times a day: shared caches may keep it for five minutes.
CACHE_CONTROL = "public, max-age=300"
NDJSON_CHUNK = 500
ALLOWED_METHODS = "GET, HEAD, OPTIONS"
METRES_PER_MILE = 1609.344
MAX_PROXIMITY_METRES = 200_000
COUNTRY_CODE = "GB"
COUNTRY_NAMES = {"england": "England", "wales": "Wales"}
# Client groups that bound a service's ages: (youngest, oldest or None).
AGE_BANDS = {"young-adults": (18, 25), "older-people": (50, None)}
# The standard's schedule filters: the directory records no opening times.
SCHEDULE_PARAMETERS = ("day", "start_time", "end_time")
BOOLEAN_VALUES = {"true": True, "1": True, "false": False, "0": False}
NOT_ACCEPTING_ALERT = "This service is not accepting new referrals at the moment."


def derived_id(base: uuid.UUID, *parts: str) -> str:
    """A stable identifier for a record the directory keeps no table for."""
    return str(uuid.uuid5(base, ":".join(parts)))


@dataclass(frozen=True)
class Taxonomy:
    key: str
    name: str
    description: str
    model: type[Model]
    relation: str  # the Service many-to-many holding this taxonomy's terms
    search_param: str  # the HTML search's parameter for it

    @property
    def id(self) -> str:
        # From the key, not the display name, so that rewording the name keeps the identifier.
        return derived_id(ORUK_NAMESPACE, "taxonomy", self.key)


TAXONOMIES = (
    Taxonomy(
        "pathway",
        "Reducing reoffending pathways",
        "The seven reducing-reoffending pathways and the two further pathways for women.",
        Pathway,
        "pathways",
        "pathway",
    ),
    Taxonomy(
        "client_group",
        "Client groups",
        "The groups of people a service supports.",
        ClientGroup,
        "client_groups",
        "client_group",
    ),
    Taxonomy(
        "delivery_setting",
        "Delivery settings",
        "Where in the justice system a service is delivered: custody, through the gate, "
        "community and so on.",
        DeliverySetting,
        "settings",
        "setting",
    ),
    Taxonomy(
        "region",
        "Probation Service regions",
        "The 12 Probation Service regions of England and Wales, and National.",
        Region,
        "regions",
        "region",
    ),
)
TAXONOMIES_BY_ID = {taxonomy.id: taxonomy for taxonomy in TAXONOMIES}


class BadRequest(Exception):
    """A query parameter the API cannot use; the message tells the client which and why."""

    def __init__(self, parameter: str, message: str):
        super().__init__(message)
        self.parameter = parameter


class NotFound(Exception):
    pass


def _json_error(status: int, message: str, errors: dict | None = None) -> JsonResponse:
    body = {"status": status, "detail": message, "errors": errors or {}}
    return JsonResponse(body, status=status)


def oruk_endpoint(view: Callable) -> Callable:
    """Open to any origin, read-only (405 otherwise), throttled per IP address like the JSON
    API, with errors as JSON rather than pages."""

    # Nothing here changes state and no cookie is read, so a cross-origin client that sends
    # another method deserves a 405, not the CSRF failure page.
    @csrf_exempt
    @wraps(view)
    def endpoint(request, *args, **kwargs):
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = ALLOWED_METHODS
            response["Access-Control-Allow-Headers"] = "Accept, Content-Type"
            response["Access-Control-Max-Age"] = "86400"
        elif request.method not in ("GET", "HEAD"):
            response = _json_error(405, f"This API is read-only: use {ALLOWED_METHODS}")
        elif not (throttle := AnonRateThrottle()).allow_request(request, None):
            response = _json_error(429, "Too many requests: wait and try again")
            response["Retry-After"] = str(ceil(throttle.wait() or 1))
        else:
            try:
                response = view(request, *args, **kwargs)
                if isinstance(response, dict):
                    response = JsonResponse(response)
                response["Cache-Control"] = CACHE_CONTROL
            except BadRequest as error:
                response = _json_error(400, str(error), {error.parameter: [str(error)]})
            except NotFound:
                response = _json_error(404, "Not found")
        if request.method not in ("GET", "HEAD"):
            response["Allow"] = ALLOWED_METHODS
        response["Access-Control-Allow-Origin"] = "*"
        return response

    return endpoint


# --- Query parameters ------------------------------------------------------------------------

# A "+hh:mm" offset arrives as " hh:mm" when the client did not percent-encode the "+".
_UNENCODED_OFFSET = re.compile(r" (\d{2}(:?\d{2})?)$")


def _positive_int(request, name: str, default: int) -> int:
    if name not in request.GET:
        return default
    value = request.GET[name].strip()
    if not (value.isascii() and value.isdigit()) or int(value) < 1:
        raise BadRequest(name, f"{name} must be a whole number, 1 or more")
    return int(value)


def _boolean(request, name: str) -> bool:
    if name not in request.GET:
        return False
    value = request.GET[name].strip().lower()
    if value not in BOOLEAN_VALUES:
        raise BadRequest(name, f"{name} must be true or false")
    return BOOLEAN_VALUES[value]


def _age(request, name: str) -> float | None:
    if name not in request.GET:
        return None
    try:
        age = float(request.GET[name])
    except ValueError:
        age = -1
    if not 0 <= age <= 150:
        raise BadRequest(name, f"{name} must be a number of years, from 0 to 150")
    return age


def _uuid(value: str, name: str) -> uuid.UUID:
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        raise BadRequest(name, f"{name} must be a UUID") from None


def parse_modified_after(value: str) -> datetime:
    """An ISO 8601 date or date-time; a time without an offset is UK time."""
    value = _UNENCODED_OFFSET.sub(r"+\1", value.strip())
    try:
        moment = parse_datetime(value)
        if moment is None and (day := parse_date(value)) is not None:
            moment = datetime.combine(day, time.min)
    except ValueError:
        moment = None
    if moment is None:
        raise BadRequest(
            "modified_after",
            "modified_after must be an ISO 8601 date or date-time, like 2025-01-31T09:00:00Z",
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise BadRequest("modified_after", "modified_after is too far in the past") from None


def _search_text(request) -> str:
    # "search" is HSDS 3.0's name; "text" is the first Open Referral UK standard's.
    text = request.GET.get("search") or request.GET.get("text") or ""
    text = one_line(text)
    if len(text) > settings.SEARCH_MAX_QUERY_LENGTH:
        raise BadRequest(
            "search", f"search must be {settings.SEARCH_MAX_QUERY_LENGTH} characters or fewer"
        )
    return text


def age_range(client_group_slugs: set[str]) -> tuple[int | None, int | None]:
    """A service's (minimum, maximum) age, known only when every client group it supports has
    an age band (young adults, older people); a service for anyone else has no age limits."""
    if not client_group_slugs or not client_group_slugs <= AGE_BANDS.keys():
        return None, None
    bands = [AGE_BANDS[slug] for slug in client_group_slugs]
    oldest = [band[1] for band in bands]
    return min(band[0] for band in bands), None if None in oldest else max(oldest)


def _age_condition(minimum: float | None, maximum: float | None) -> Q:
    """The standard's age filters: a minimum age of at least `minimum`, a maximum age of at
    most `maximum`. Services whose ages are unknown match neither."""
    bounded = ClientGroup.objects.filter(slug__in=AGE_BANDS)
    unbounded = ClientGroup.objects.exclude(slug__in=AGE_BANDS)
    condition = Q(pk__in=[])
    slugs = sorted(AGE_BANDS)
    for mask in range(1, 2 ** len(slugs)):
        chosen = {slug for n, slug in enumerate(slugs) if mask >> n & 1}
        youngest, oldest = age_range(chosen)
        if minimum is not None and youngest < minimum:
            continue
        if maximum is not None and (oldest is None or oldest > maximum):
            continue
        exact = ~Q(pk__in=Service.objects.filter(client_groups__in=unbounded).values("pk"))
        for slug in slugs:
            having = Q(pk__in=Service.objects.filter(client_groups__slug=slug).values("pk"))
            exact &= having if slug in chosen else ~having
        condition |= exact & Q(pk__in=Service.objects.filter(client_groups__in=bounded))
    return condition


def _refuse_schedule_filters(request) -> None:
    for name in SCHEDULE_PARAMETERS:
        if name in request.GET:
            raise BadRequest(
                name, f"{name} cannot be used: this directory records no opening times"
            )


def filter_services(services: QuerySet[Service], request) -> QuerySet[Service]:
    """The standard's filters that apply to the directory: text, taxonomy, organisation,
    modification time and age. Schedule filters do not: the directory records no times."""
    params = request.GET
    _refuse_schedule_filters(request)
    minimum, maximum = _age(request, "minimum_age"), _age(request, "maximum_age")
    if minimum is not None or maximum is not None:
        services = services.filter(_age_condition(minimum, maximum))
    if text := _search_text(request):
        matching = Organisation.objects.filter(text_condition(text))
        services = services.filter(
            Q(organisation__in=matching) | Q(name__icontains=text) | Q(description__icontains=text)
        )
    if value := params.get("taxonomy_term_id"):
        term_uuid = _uuid(value, "taxonomy_term_id")
        linked = Q(pk__in=[])
        for taxonomy in TAXONOMIES:
            related = Service.objects.filter(**{f"{taxonomy.relation}__uuid": term_uuid})
            linked |= Q(pk__in=related.values("pk"))
        services = services.filter(linked)
    if value := params.get("taxonomy_id"):
        taxonomy = TAXONOMIES_BY_ID.get(str(_uuid(value, "taxonomy_id")))
        if taxonomy is None:
            services = services.none()
        else:
            related = Service.objects.filter(**{f"{taxonomy.relation}__isnull": False})
            services = services.filter(pk__in=related.values("pk"))
    if value := params.get("organization_id"):
        services = services.filter(organisation__uuid=_uuid(value, "organization_id"))
    if value := params.get("modified_after"):
        moment = parse_modified_after(value)
        services = services.filter(
            Q(updated_at__gte=moment) | Q(organisation__updated_at__gte=moment)
        )
    return services


def filter_by_postcode(
    locations: QuerySet[DeliveryLocation], request
) -> QuerySet[DeliveryLocation]:
    """With `proximity` (metres), places near the postcode; without, the places of services
    whose area (a region, or National) covers it."""
    postcode = request.GET.get("postcode", "").strip()
    proximity = request.GET.get("proximity", "").strip()
    if not postcode:
        if proximity:
            raise BadRequest("proximity", "proximity needs a postcode to measure from")
        return locations
    try:
        place = geo.lookup_postcode(postcode)
    except geo.PostcodeError as error:
        raise BadRequest("postcode", f"postcode: {error.message}") from None
    if proximity:
        try:
            metres = float(proximity)
        except ValueError:
            metres = 0
        if not 0 < metres <= MAX_PROXIMITY_METRES:
            raise BadRequest(
                "proximity",
                f"proximity must be a number of metres, more than 0 and at most "
                f"{MAX_PROXIMITY_METRES}",
            )
        nearby = locations_within(place, metres / METRES_PER_MILE)
        return locations.filter(pk__in=nearby.values("pk"))
    covering = Region.objects.filter(Q(slug=place.region_slug) | REGION.covering_every_term())
    return locations.filter(service__in=Service.objects.filter(regions__in=covering))


def paginate(
    request,
    items: QuerySet | Sequence,
    serialise: Callable[[object], dict],
    *,
    default_per_page: int | None = None,
    max_per_page: int | None = None,
) -> dict:
    """A page in the standard's envelope; pages past the end are empty, not errors, and an
    empty result is one empty page (page 1 of 1), as the first page always exists."""
    page_number = _positive_int(request, "page", 1)
    per_page = min(
        _positive_int(request, "per_page", default_per_page or DEFAULT_PER_PAGE),
        max_per_page or MAX_PER_PAGE,
    )
    total = items.count() if isinstance(items, QuerySet) else len(items)
    total_pages = max(1, ceil(total / per_page))
    start = (page_number - 1) * per_page
    # A page far past the end is answered without asking the database for a huge OFFSET.
    contents = (
        [serialise(item) for item in items[start : start + per_page]] if start < total else []
    )
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": page_number,
        "size": len(contents),
        "first_page": page_number == 1,
        "last_page": page_number >= total_pages,
        "empty": not contents,
        "contents": contents,
    }


def list_shape(request) -> str:
    """ "minimal" (id and last_modified), "full" (fully nested) or "standard" (one-to-one)."""
    minimal, full = _boolean(request, "minimal"), _boolean(request, "full")
    if minimal and full:
        raise BadRequest("minimal", "minimal and full cannot be used together")
    return "minimal" if minimal else "full" if full else "standard"


def _wants_ndjson(request) -> bool:
    value = request.GET.get("format", "").strip().lower() or "json"
    if value not in ("json", "ndjson"):
        raise BadRequest("format", "format must be json or ndjson")
    return value == "ndjson"


def list_response(request, items: QuerySet, shape: str, serialise: Callable[[object], dict]):
    """A page of `items`, or with format=ndjson all of them, streamed a record a line."""
    if _wants_ndjson(request):
        lines = (
            json.dumps(serialise(item), cls=DjangoJSONEncoder) + "\n"
            for item in items.iterator(chunk_size=NDJSON_CHUNK)
        )
        return StreamingHttpResponse(lines, content_type="application/x-ndjson")
    if shape == "minimal":
        limit = MAX_MINIMAL_PER_PAGE
        return paginate(request, items, serialise, default_per_page=limit, max_per_page=limit)
    return paginate(request, items, serialise)


# --- Reads -----------------------------------------------------------------------------------


def published_services() -> QuerySet[Service]:
    return (
        Service.objects.filter(organisation__in=Organisation.objects.published())
        .select_related("organisation")
        .prefetch_related("organisation__quality_marks", "client_groups")
        .order_by("organisation__name", "organisation_id", "position", "id")
    )


def fully_nested(services: QuerySet[Service]) -> QuerySet[Service]:
    return services.prefetch_related(*(taxonomy.relation for taxonomy in TAXONOMIES), "locations")


def published_locations() -> QuerySet[DeliveryLocation]:
    return (
        DeliveryLocation.objects.filter(service__organisation__in=Organisation.objects.published())
        .select_related("service__organisation")
        .prefetch_related("service__organisation__quality_marks", "service__client_groups")
        .order_by("service__organisation__name", "service__organisation_id", "service_id", "id")
    )


def _one(queryset: QuerySet, raw_id: str):
    try:
        return queryset.get(uuid=uuid.UUID(raw_id))
    except (ValueError, queryset.model.DoesNotExist):
        raise NotFound from None


def _term_and_taxonomy(raw_id: str):
    """(term, taxonomy) for a term of any of the four taxonomies."""
    try:
        term_uuid = uuid.UUID(raw_id)
    except ValueError:
        raise NotFound from None
    for taxonomy in TAXONOMIES:
        if term := taxonomy.model.objects.filter(uuid=term_uuid).first():
            return term, taxonomy
    raise NotFound


# --- Serialisation ---------------------------------------------------------------------------


def _compact(record: dict) -> dict:
    """Leave out what the directory does not know: the schemas allow absence, not null, and
    Open Referral UK asks for no empty values."""
    return {key: value for key, value in record.items() if value not in (None, "")}


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Serialiser:
    """Turns directory rows into HSDS records, with absolute URLs for the request's host."""

    def __init__(self, request):
        self.request = request

    def url(self, path: str) -> str:
        return self.request.build_absolute_uri(path)

    # Organisations
    def organization(self, organisation: Organisation, *, full: bool) -> dict:
        registers = organisation.register_links
        record = {
            "id": str(organisation.uuid),
            "name": organisation.name,
            # Required: an organisation that has written nothing yet is described by its name.
            "description": organisation.description or organisation.summary or organisation.name,
            "email": organisation.email or None,
            "website": organisation.website or None,
            "uri": registers[0][2] if registers else None,
        }
        if full:
            record["organization_identifiers"] = [
                self.identifier(organisation, scheme, label, number)
                for scheme, (label, number, _url) in zip(
                    _identifier_schemes(organisation), registers, strict=True
                )
            ]
        return _compact(record)

    def identifier(self, organisation: Organisation, scheme: str, label: str, number: str):
        return {
            "id": derived_id(organisation.uuid, "identifier", scheme),
            "organization_id": str(organisation.uuid),
            "identifier_scheme": scheme,
            "identifier_type": label,
            "identifier": number,
        }

    # Services
    def service(self, service: Service, *, full: bool, with_locations: bool = True) -> dict:
        organisation = service.organisation
        minimum_age, maximum_age = age_range({g.slug for g in service.client_groups.all()})
        record = {
            "id": str(service.uuid),
            "organization_id": str(organisation.uuid),
            "name": service.name,
            "description": service.description or None,
            "url": self.url(organisation.get_absolute_url()),
            "email": organisation.email or None,
            "status": "active" if service.accepting_referrals else "temporarily closed",
            "accreditations": "; ".join(m.name for m in organisation.quality_marks.all()) or None,
            "minimum_age": minimum_age,
            "maximum_age": maximum_age,
            "assured_date": timezone.localdate(organisation.last_verified_at).isoformat()
            if organisation.last_verified_at
            else None,
            "alert": None if service.accepting_referrals else NOT_ACCEPTING_ALERT,
            "last_modified": _timestamp(_modified(service)),
            "organization": self.organization(organisation, full=full),
        }
        if full:
            record["service_areas"] = [self.service_area(service, r) for r in service.regions.all()]
            if with_locations:
                record["service_at_locations"] = [
                    self.service_at_location(location, service=service, full=True)
                    for location in service.locations.all()
                ]
            record["contacts"] = self.contacts(service)
            record["attributes"] = [
                self.attribute(service, term, taxonomy)
                for taxonomy in TAXONOMIES
                for term in getattr(service, taxonomy.relation).all()
            ]
        return _compact(record)

    def service_area(self, service: Service, region: Region) -> dict:
        return {
            "id": derived_id(service.uuid, "service_area", str(region.uuid)),
            "service_id": str(service.uuid),
            "name": region.name,
            "service_area": region.name,
        }

    def contacts(self, service: Service) -> list[dict]:
        """The organisation's public contact details only: never a named person's."""
        organisation = service.organisation
        if not (organisation.email or organisation.phone):
            return []
        contact_id = derived_id(service.uuid, "contact")
        contact = {
            "id": contact_id,
            "service_id": str(service.uuid),
            "name": organisation.name,
            "title": "Public enquiries",
            "email": organisation.email or None,
            "phones": [
                {
                    "id": derived_id(service.uuid, "phone"),
                    "contact_id": contact_id,
                    "number": organisation.phone,
                }
            ]
            if organisation.phone
            else None,
        }
        return [_compact(contact)]

    def attribute(self, service: Service, term, taxonomy: Taxonomy) -> dict:
        return {
            "id": derived_id(service.uuid, "attribute", str(term.uuid)),
            "link_id": str(service.uuid),
            "link_type": taxonomy.key,
            "taxonomy_term_id": str(term.uuid),
            "taxonomy_term": self.taxonomy_term(term, taxonomy),
        }

    # Locations
    def service_at_location(
        self, location: DeliveryLocation, *, service: Service | None = None, full: bool
    ) -> dict:
        service = service or location.service
        record = {
            "id": str(location.uuid),
            "service_id": str(service.uuid),
            "location_id": _location_id(location),
            "location": self.location(location, full=full),
        }
        return record

    def service_at_location_detail(self, location: DeliveryLocation) -> dict:
        """A service at a location, fully nested. The profile's OpenAPI document gives this
        endpoint the service schema, so the service's own one-to-one fields (name, status...)
        are also at the top level, and the record satisfies both schemas."""
        service = location.service
        one_to_one = self.service(service, full=False)
        del one_to_one["id"], one_to_one["organization"]
        return {
            **one_to_one,
            **self.service_at_location(location, service=service, full=True),
            "service": self.service(service, full=True, with_locations=False),
        }

    def location(self, location: DeliveryLocation, *, full: bool) -> dict:
        location_id = _location_id(location)
        record = {
            "id": location_id,
            "location_type": "physical",
            "name": location.public_place if location.confidential else location.name,
            "latitude": location.latitude,
            "longitude": location.longitude,
        }
        if full:
            town, country = _town_and_country(location)
            record["addresses"] = [
                {
                    "id": derived_id(location.uuid, "address"),
                    "location_id": location_id,
                    "address_1": location.public_place
                    if location.confidential
                    else location.address or location.name,
                    "city": town,
                    "state_province": country,
                    "postal_code": location.postcode,
                    "country": COUNTRY_CODE,
                    "address_type": "physical",
                }
            ]
        return _compact(record)

    # Taxonomies
    def taxonomy(self, taxonomy: Taxonomy, terms=None) -> dict:
        record = {
            "id": taxonomy.id,
            "name": taxonomy.name,
            "description": taxonomy.description,
            "uri": self.url(reverse("oruk:taxonomy_detail", args=[taxonomy.id])),
        }
        if terms is not None:
            record["taxonomy_terms"] = [self.taxonomy_term(term, taxonomy) for term in terms]
        return record

    def taxonomy_term(self, term, taxonomy: Taxonomy) -> dict:
        search = reverse("directory:organisation_list") + f"?{taxonomy.search_param}={term.slug}"
        return {
            "id": str(term.uuid),
            "name": term.name,
            "description": term.description or term.name,
            "taxonomy": taxonomy.name,
            "taxonomy_id": taxonomy.id,
            "term_uri": self.url(search),
            "term": term.name,
            # HSDS 3.0's term code: the slug the directory's own search and JSON API filter by.
            "code": term.slug,
        }


def _town_and_country(location: DeliveryLocation) -> tuple[str, str]:
    """The directory records a street address and postcode, not the town: the town is the
    postcode area's, the country (England or Wales) the postcode table's where it knows it."""
    town, country = postcode_area(location.postcode) or (location.name, "United Kingdom")
    with contextlib.suppress(geo.PostcodeError):
        country = COUNTRY_NAMES[geo.lookup_postcode(location.postcode).country]
    return town, country


def _location_id(location: DeliveryLocation) -> str:
    return derived_id(location.uuid, "location")


# Org-id.guide list codes, in the order of Organisation.register_links.
def _identifier_schemes(organisation: Organisation) -> list[str]:
    schemes = [
        ("GB-CHC", organisation.charity_number_ew),
        ("GB-SC", organisation.charity_number_scotland),
        ("GB-NIC", organisation.charity_number_ni),
        ("GB-COH", organisation.company_number),
        ("GB-MPR", organisation.society_number),
    ]
    return [scheme for scheme, number in schemes if number]


# --- Views -----------------------------------------------------------------------------------


@oruk_endpoint
def api_root(request) -> dict:
    """What this API is and which standard it follows."""
    return {
        "version": HSDS_VERSION,
        "profile": PROFILE_URL,
        "openapi_url": request.build_absolute_uri(reverse("oruk:openapi")),
    }


@oruk_endpoint
def openapi_document(request) -> dict:
    """The profile's OpenAPI document, as this API implements it (see oruk_openapi)."""
    return oruk_openapi.served_document(request.build_absolute_uri(reverse("oruk:root")))


@oruk_endpoint
def not_found(request, path: str = "") -> dict:
    """Any other address under /api/oruk/: a JSON 404, open to every origin like the rest."""
    raise NotFound


def _minimal(service: Service) -> dict:
    return {"id": str(service.uuid), "last_modified": _timestamp(_modified(service))}


def _modified(service: Service) -> datetime:
    return max(service.updated_at, service.organisation.updated_at)


@oruk_endpoint
def service_list(request):
    serialiser = Serialiser(request)
    shape = list_shape(request)
    services = filter_services(published_services(), request)
    if shape == "full":
        services = fully_nested(services)
    serialise = {
        "minimal": _minimal,
        "full": lambda s: serialiser.service(s, full=True),
        "standard": lambda s: serialiser.service(s, full=False),
    }[shape]
    return list_response(request, services, shape, serialise)


@oruk_endpoint
def service_detail(request, id: str) -> dict:
    service = _one(fully_nested(published_services()), id)
    return Serialiser(request).service(service, full=True)


def _with_service_taxonomies(locations: QuerySet[DeliveryLocation]) -> QuerySet:
    return locations.prefetch_related(*(f"service__{taxonomy.relation}" for taxonomy in TAXONOMIES))


@oruk_endpoint
def service_at_location_list(request):
    serialiser = Serialiser(request)
    shape = list_shape(request)
    services = filter_services(Service.objects.all(), request)
    locations = filter_by_postcode(published_locations().filter(service__in=services), request)
    if shape == "full":
        locations = _with_service_taxonomies(locations)

    def standard(location: DeliveryLocation) -> dict:
        record = serialiser.service_at_location(location, full=False)
        record["service"] = serialiser.service(location.service, full=False)
        return record

    def minimal(location: DeliveryLocation) -> dict:
        return {**_minimal(location.service), "id": str(location.uuid)}

    serialise = {
        "minimal": minimal,
        "full": serialiser.service_at_location_detail,
        "standard": standard,
    }[shape]
    return list_response(request, locations, shape, serialise)


@oruk_endpoint
def service_at_location_detail(request, id: str) -> dict:
    location = _one(_with_service_taxonomies(published_locations()), id)
    return Serialiser(request).service_at_location_detail(location)


@oruk_endpoint
def taxonomy_list(request) -> dict:
    serialiser = Serialiser(request)
    return paginate(request, TAXONOMIES, serialiser.taxonomy)


@oruk_endpoint
def taxonomy_detail(request, id: str) -> dict:
    taxonomy = TAXONOMIES_BY_ID.get(id.lower())
    if taxonomy is None:
        raise NotFound
    return Serialiser(request).taxonomy(taxonomy, terms=taxonomy.model.objects.all())


@oruk_endpoint
def taxonomy_term_list(request) -> dict:
    """Every term of the four taxonomies (a few dozen rows: one query each)."""
    serialiser = Serialiser(request)
    taxonomies = TAXONOMIES
    if value := request.GET.get("taxonomy_id"):
        taxonomy = TAXONOMIES_BY_ID.get(str(_uuid(value, "taxonomy_id")))
        taxonomies = (taxonomy,) if taxonomy else ()
    terms = [(term, taxonomy) for taxonomy in taxonomies for term in taxonomy.model.objects.all()]
    return paginate(request, terms, lambda pair: serialiser.taxonomy_term(*pair))


@oruk_endpoint
def taxonomy_term_detail(request, id: str) -> dict:
    term, taxonomy = _term_and_taxonomy(id)
    return Serialiser(request).taxonomy_term(term, taxonomy)
