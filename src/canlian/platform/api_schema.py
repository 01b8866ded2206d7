"""The OpenAPI schema says what the API answers: every operation documents the one error shape
(``{"error": {"code", "message", "field"?, "details"?, "request_id"}}``) under each status an API
call can get (a drf-spectacular postprocessing hook, after its enum hook)."""

from __future__ import annotations

import copy
from typing import Any

from drf_spectacular.extensions import OpenApiSerializerFieldExtension

from canlian.platform.permissions import BLANK_ALLOWED

ERROR_COMPONENT = "Error"

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "A stable code: validation_failed, not_found, …"},
                "message": {"type": "string", "description": "In the caller's language"},
                "field": {"type": "string", "description": "The parameter or field at fault"},
                "details": {"description": "Per-field or per-row errors"},
                "request_id": {"type": "string", "nullable": True},
            },
        }
    },
}

#: Status → description, for every operation (a call may always be refused, malformed or limited).
ALWAYS = {
    "400": "Malformed: a parameter or field does not fit this schema (it is named)",
    "401": "Not signed in, or the token is not valid",
    "403": "The caller's roles do not allow this",
    "404": "Missing, or outside the caller's scope (the two look the same)",
    "422": "Well-formed but refused: a referenced object does not exist, or a rule of the domain says no",
    "405": "The method is not allowed here",
    "406": "The requested format cannot be produced",
    "429": "Too many requests",
}
#: … and for operations that change something.
WRITES = {
    "409": "Conflicts with the current state or with existing data",
    "415": "The body is not in a supported format",
}


def document_errors(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components[ERROR_COMPONENT] = ERROR_SCHEMA
    ref = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
    # Programs call the API with a token; the session cookie serves the browser (Swagger UI) and is
    # left out of the documented requirements (an either-or the generators cannot test).
    schemes = result["components"].get("securitySchemes", {})
    schemes.pop("cookieAuth", None)
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            if operation.get("security"):
                operation["security"] = [s for s in operation["security"] if "cookieAuth" not in s] or [
                    {"tokenAuth": []}
                ]
            statuses = dict(ALWAYS)
            if method != "get":
                statuses.update(WRITES)
            _declare_blank_refusal(operation)
            _document_body_formats(operation, components)
            responses = operation.setdefault("responses", {})
            for status, description in statuses.items():
                responses.setdefault(
                    status, {"description": description, "content": {"application/json": {"schema": ref}}}
                )
    return result


def _declare_blank_refusal(operation: dict[str, Any]) -> None:
    """A query parameter is left out or given a value (``platform/permissions.py`` refuses ``?x=``):
    every string parameter but the blank-allowed ones says so with ``minLength: 1``."""
    for parameter in operation.get("parameters", []):
        schema = parameter.get("schema", {})
        if parameter.get("in") == "query" and parameter.get("name") not in BLANK_ALLOWED:
            if schema.get("type") == "string" and not schema.get("minLength"):
                schema["minLength"] = 1


def _is_upload(schema: dict[str, Any]) -> bool:
    return any(p.get("format") in ("uri", "binary") for p in schema.get("properties", {}).values())


def _document_body_formats(operation: dict[str, Any], components: dict[str, Any]) -> None:
    """Bodies are JSON: a form cannot carry a null, a list of objects or a number's type, so the
    documented format of every body is ``application/json`` (DRF still parses forms for the
    browsable tools). A body with a file is ``multipart/form-data`` only: its files are binary
    parts, and its optional fields are left out rather than null (a form has no null)."""
    content = operation.get("requestBody", {}).get("content")
    if not content:
        return
    reference = next(iter(content.values())).get("schema", {})
    name = reference.get("$ref", "").rsplit("/", 1)[-1]
    schema = components.get(name, reference)
    if not _is_upload(schema):
        if "application/json" in content:
            for media in list(content):
                if media != "application/json":
                    del content[media]
        return
    form = copy.deepcopy(schema)
    for field in form.get("properties", {}).values():
        if field.get("format") == "uri":
            field["format"] = "binary"
        field.pop("nullable", None)
    for media in list(content):
        del content[media]
    content["multipart/form-data"] = {"schema": form}


class DecimalFieldExtension(OpenApiSerializerFieldExtension):
    """A decimal in a body is a string (COERCE_DECIMAL_TO_STRING); drf-spectacular's pattern
    ``^-?\\d{0,N}(?:\\.\\d{0,M})?$`` allows "", "-" and ".", which no DecimalField accepts, and a minus
    sign where the field has ``min_value >= 0``. The pattern here is what the field accepts; in a
    request body a whole number within the field's digits is accepted too."""

    target_class = "rest_framework.fields.DecimalField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> Any:
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        field = self.target
        if schema.get("type") != "string" or field.max_digits is None or field.decimal_places is None:
            return schema
        whole = max(field.max_digits - field.decimal_places, 1)
        sign = "" if field.min_value is not None and field.min_value >= 0 else "-?"
        fraction = rf"(?:\.\d{{1,{field.decimal_places}}})?" if field.decimal_places else ""
        schema["pattern"] = rf"^{sign}\d{{1,{whole}}}{fraction}$"
        if direction != "request":
            return schema
        # A body may also give a whole number (DRF accepts 12 as "12"): within the field's digits.
        largest = 10**whole - 1
        number = {"type": "integer", "maximum": largest, "minimum": 0 if not sign else -largest}
        return {"oneOf": [schema, number]}
