"""What every endpoint of the read-only JSON API (/api/v1/) shares: one error shape, strict
paging, CORS, caching headers with conditional GET, and a schema that documents all of it."""

from datetime import datetime

import django_filters
from django.conf import settings
from django.http import JsonResponse
from django.utils.cache import get_conditional_response, set_response_etag
from django.utils.http import http_date
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.views import exception_handler

# Public data that changes a few times a day: shared caches may keep it for five minutes.
CACHE_CONTROL = "public, max-age=300"
ALLOWED_METHODS = "GET, HEAD, OPTIONS"
BOOLEAN_VALUES = ("true", "false")
INVALID_PARAMETERS = "Some query parameters cannot be used: see errors."


def not_found(request, path: str = ""):
    """Any other address under /api/v1/: the API's JSON 404, not the site's HTML page."""
    response = JsonResponse({"detail": "Not found.", "errors": {}}, status=404)
    response["Access-Control-Allow-Origin"] = "*"
    return response


class ErrorSerializer(serializers.Serializer):
    """Every error this API answers with."""

    detail = serializers.CharField(help_text="What went wrong, in words.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="For a 400: each query parameter at fault, with what it accepts. "
        "Empty otherwise.",
    )


def api_exception_handler(exc, context):
    """DRF's handling, with the body reshaped to {"detail": ..., "errors": {...}}."""
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"query": exc.detail}
        response.data = {"detail": INVALID_PARAMETERS, "errors": errors}
    else:
        response.data = {"detail": response.data.get("detail", ""), "errors": {}}
    return response


def _invalid(name: str, message: str) -> ValidationError:
    return ValidationError({name: [message]})


class StrictPageNumberPagination(PageNumberPagination):
    """A page or page size that is not a whole number in range is a 400 naming it; a page
    past the end is a 404."""

    page_size_query_param = "page_size"

    def _whole_number(self, request, name: str, default: int, maximum: int | None) -> int:
        value = request.query_params.get(name)
        if value is None:
            return default
        accepted = f"a whole number from 1 to {maximum}" if maximum else "a whole number, 1 or more"
        if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= (maximum or 10**9):
            raise _invalid(name, f"“{value[:20]}” is not {accepted}")
        return int(value)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            self.page_query_param: {"minimum": 1},
            self.page_size_query_param: {"minimum": 1, "maximum": self.max_page_size},
        }
        for parameter in parameters:
            parameter["schema"].update(bounds[parameter["name"]])
        return parameters

    def get_page_size(self, request):
        return self._whole_number(request, "page_size", self.page_size, self.max_page_size)

    def paginate_queryset(self, queryset, request, view=None):
        self._whole_number(request, self.page_query_param, 1, None)
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound:
            raise NotFound("There is no such page: page 1 says how many there are.") from None


def strict_booleans(params, filterset_class) -> None:
    """A yes/no filter takes `true` or `false` (the same as leaving it out), nothing else."""
    errors = {
        name: [f"“{params[name][:20]}” is not a boolean: use true or false"]
        for name, field in filterset_class.base_filters.items()
        if isinstance(field, django_filters.BooleanFilter)
        and name in params
        and params[name] not in BOOLEAN_VALUES
    }
    if errors:
        raise ValidationError(errors)


class PublicReadOnlyMixin:
    """Open to scripts on any site (CORS), cacheable, with an ETag for every answer and a
    Last-Modified for single records (set `self.last_modified` in the view), so that a
    conditional GET is answered 304 Not Modified."""

    last_modified: datetime | None = None

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method in ("GET", "HEAD") and response.status_code == 200:
            response["Cache-Control"] = CACHE_CONTROL
            response.render()
            set_response_etag(response)
            # Whole seconds, as HTTP dates have them, so that the date sent back matches.
            modified = int(self.last_modified.timestamp()) if self.last_modified else None
            if modified is not None:
                response["Last-Modified"] = http_date(modified)
            response = get_conditional_response(
                request, etag=response["ETag"], last_modified=modified, response=response
            )
        elif request.method == "OPTIONS":
            response["Access-Control-Allow-Methods"] = ALLOWED_METHODS
            response["Access-Control-Allow-Headers"] = "Accept, If-None-Match, If-Modified-Since"
            response["Access-Control-Max-Age"] = "86400"
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Expose-Headers"] = "ETag, Last-Modified, Retry-After"
        return response


ERROR_RESPONSES = {
    "400": "A query parameter that cannot be used: `errors` names it and what it accepts.",
    "404": "No published record here, or a page past the last.",
    "406": "The Accept header asks for something other than JSON.",
    "429": "Too many requests from this address: wait for Retry-After seconds.",
}


class PublicApiSchema(AutoSchema):
    """Documents the errors every operation can answer with, in the one error shape, and the
    304 a conditional GET gets."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for status, description in ERROR_RESPONSES.items():
            if status == "400" and not self._is_list_view():
                continue
            response = self._get_response_for_code(ErrorSerializer, status)
            response["description"] = description
            responses.setdefault(status, response)
        responses["304"] = {"description": "Not modified since the ETag or date sent."}
        return responses


def describe_api(result, generator, request, public):
    """drf-spectacular hook: the schema's description says how to use the API, with the
    throttle rate this site really has."""
    rate = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["anon"].replace("/", " a ")
    result["info"]["description"] = API_DESCRIPTION.format(rate=rate)
    return result


API_DESCRIPTION = """Read-only open data about the organisations and partnership opportunities \
published in the directory: the same search and filters as the site's search pages.

**Authentication**: none. No key, account or cookie; every endpoint is public.

**Rate limits**: {rate} per IP address. Past that, `429 Too Many Requests` with a \
`Retry-After` header (seconds).

**Errors** always have one shape: `{{"detail": "...", "errors": {{"parameter": ["..."]}}}}`. \
A parameter the API cannot use (an unknown slug, a bad boolean, page or page size) is a 400 \
whose `errors` names it and says what it accepts. Booleans take `true` or `false`.

**Caching**: answers carry `Cache-Control: public, max-age=300` and an `ETag`; a profile or an \
opportunity also has `Last-Modified`. Send `If-None-Match` or `If-Modified-Since` to get \
`304 Not Modified` when nothing changed. Any website may call the API (CORS `*`).

**Example**: `curl "https://HOST/api/v1/organisations/?pathway=accommodation&region=wales"`

**Licence**: terms modelled on the Open Government Licence v3.0 (attribution: "Contains \
information from the Rehabilitation Partners Directory"); see /data/ on this site. The guide \
at /api/ also covers the Open Referral UK API at /api/oruk/."""
