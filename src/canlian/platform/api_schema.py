"""The OpenAPI schema says what the API answers: every operation documents the one error shape
(``{"error": {"code", "message", "field"?, "details"?, "request_id"}}``) under each status an API
call can get (a drf-spectacular postprocessing hook, after its enum hook)."""

from __future__ import annotations

from typing import Any

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
    "400": "The input is not valid (the field is named)",
    "401": "Not signed in, or the token is not valid",
    "403": "The caller's roles do not allow this",
    "404": "Missing, or outside the caller's scope (the two look the same)",
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
            responses = operation.setdefault("responses", {})
            for status, description in statuses.items():
                responses.setdefault(
                    status, {"description": description, "content": {"application/json": {"schema": ref}}}
                )
    return result
