"""The official Open Referral UK 3.0 files (shared/standards/oruk-3.0 beside the repository,
copied unchanged from OpenReferralUK/uk-profile) and JSON Schema validation against them."""

import json
from functools import cache
from pathlib import Path

from django.conf import settings
from jsonschema import Draft202012Validator

from directory.opendata.api.oruk_openapi import build_document

STANDARDS = Path(settings.BASE_DIR).parent / "shared" / "standards" / "oruk-3.0"


def load_official(name: str) -> dict:
    """A file of the official profile, e.g. "compiled/service.json"."""
    path = STANDARDS / name
    assert path.exists(), f"{path} is missing: the official standards sit beside the clone"
    return json.loads(path.read_text())


@cache
def official_document() -> dict:
    """The profile's openapi.json with only the written-down corrections (oruk_openapi)."""
    return build_document(STANDARDS)


def validator(schema: dict) -> Draft202012Validator:
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def response_schema(path: str, status: str = "200") -> dict:
    """The schema the official document gives a GET of `path`, its $refs resolvable."""
    document = official_document()
    operation = document["paths"][path]["get"]
    schema = operation["responses"][status]["content"]["application/json"]["schema"]
    return {"allOf": [schema], "components": document["components"]}


def schema_errors(schema: dict, instance) -> list[str]:
    errors = sorted(validator(schema).iter_errors(instance), key=lambda e: list(e.path))
    return [f"{list(error.path)}: {error.message}" for error in errors]


def empty_values(value, where: str = "") -> list[str]:
    """Where `value` holds an empty string or a null: Open Referral UK asks for neither (a
    property the publisher does not know is left out)."""
    if value is None or value == "":
        return [where or "/"]
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in empty_values(item, f"{where}/{key}")]
    if isinstance(value, list):
        return [p for n, item in enumerate(value) for p in empty_values(item, f"{where}/{n}")]
    return []
