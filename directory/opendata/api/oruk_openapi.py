"""The OpenAPI document the Open Referral UK API publishes at /api/oruk/openapi.json.

It is the profile's own `openapi.json` (OpenReferralUK/uk-profile, schema/, as pinned in
shared/standards/oruk-3.0) with only these changes, made by `build_document`:

Corrections, where the official file cannot be used as it stands:
1. Its response schemas are `$ref`s to raw.githubusercontent.com/openreferral/uk-profile/main/
   schema/..., a moving branch on another host that a client cannot rely on (and that no
   offline tool can resolve). They are replaced by the same schemas from the pinned copy, put
   under `components/schemas`: `compiled/service.json`, `service_list.json` and
   `service_at_location_list.json`, and, for `schema/taxonomy.json` and
   `schema/taxonomy_term.json` (not in compiled/), the `taxonomy` and `taxonomy_term`
   definitions of `compiled/service_with_definitions.json` (its `#/definitions/` references
   pointed at the same names under `components/schemas`).
2. The `start_time` and `end_time` parameters have `"type": "time"`, which OpenAPI 3.0 does
   not have: they become `"type": "string", "format": "time"`.

Additions, which say what this instance does without changing any documented 200 response:
3. `servers`: where this instance is.
4. The error responses every operation can give (400 for a parameter it cannot use, 404 for
   an unknown record, 429 when throttled), all with this API's JSON error shape.
"""

import copy
import json
from functools import cache
from pathlib import Path

OFFICIAL_BASE = "https://raw.githubusercontent.com/openreferral/uk-profile/main/schema/"
# Official reference -> (file of the pinned copy, definition inside it or None, local name).
REPLACED_REFS = {
    "compiled/service.json": ("compiled/service.json", None, "service"),
    "compiled/service_list.json": ("compiled/service_list.json", None, "service_list"),
    "compiled/service_at_location_list.json": (
        "compiled/service_at_location_list.json",
        None,
        "service_at_location_list",
    ),
    "taxonomy.json": ("compiled/service_with_definitions.json", "taxonomy", "taxonomy"),
    "taxonomy_term.json": (
        "compiled/service_with_definitions.json",
        "taxonomy_term",
        "taxonomy_term",
    ),
}
DOCUMENT_PATH = Path(__file__).with_name("oruk_openapi.json")

ERROR_SCHEMA = {
    "type": "object",
    "required": ["status", "detail", "errors"],
    "properties": {
        "status": {"type": "integer", "description": "The HTTP status code."},
        "detail": {"type": "string", "description": "What went wrong, in words."},
        "errors": {
            "type": "object",
            "description": "For a 400: the query parameter(s) at fault, each with messages.",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
}
ERROR_RESPONSES = {
    "400": "A query parameter this API cannot use; `errors` names it.",
    "404": "No published record has this id.",
    "429": "Too many requests from this address; wait for Retry-After seconds.",
}


def _load(standards: Path, name: str) -> dict:
    return json.loads((standards / name).read_text())


def _replace_refs(node, replacements: dict[str, str]):
    """Every `$ref` to the official host, or to a definition, pointed at its local copy."""
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        if ref.startswith(OFFICIAL_BASE):
            return {"$ref": replacements[ref.removeprefix(OFFICIAL_BASE)]}
        if ref.startswith("#/definitions/"):
            return {"$ref": ref.replace("#/definitions/", "#/components/schemas/")}
        return {key: _replace_refs(value, replacements) for key, value in node.items()}
    if isinstance(node, list):
        return [_replace_refs(item, replacements) for item in node]
    return node


def build_document(standards: Path) -> dict:
    """The official document from `standards` (shared/standards/oruk-3.0), corrected."""
    document = _load(standards, "openapi.json")
    schemas = document["components"]["schemas"]
    replacements = {}
    for reference, (file_name, definition, local_name) in REPLACED_REFS.items():
        schema = _load(standards, file_name)
        schemas[local_name] = schema["definitions"][definition] if definition else schema
        replacements[reference] = f"#/components/schemas/{local_name}"
    document = _replace_refs(document, replacements)
    for name in ("start_time", "end_time"):
        document["components"]["parameters"][name]["schema"] = {"type": "string", "format": "time"}
    document["components"]["schemas"]["Error"] = ERROR_SCHEMA
    for path_item in document["paths"].values():
        operation = path_item["get"]
        for status, description in ERROR_RESPONSES.items():
            operation["responses"][status] = {
                "description": description,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
    return document


def served_document(base_url: str) -> dict:
    """The stored corrected document, with this instance as its server."""
    document = copy.deepcopy(_stored_document())
    document["servers"] = [{"url": base_url}]
    return document


@cache
def _stored_document() -> dict:
    return json.loads(DOCUMENT_PATH.read_text())
