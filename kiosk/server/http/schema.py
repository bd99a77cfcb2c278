"""The OpenAPI schema as the server really answers: every status each route can give.

FastAPI documents 200 and its own 422; our errors leave in Nexudus's shapes with other
statuses (400 for any invalid request, 401 without the right token, 404 for an unknown id, …),
so `document` rewrites each operation's responses from what the handlers do. The check-in's
403 and 404 are refusals (a member may not come in; nobody holds the credential), 429 a
device or account that must wait.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

WORDS = {
    "400": "The request is invalid: Nexudus's validation shape names each field and why",
    "401": "No valid token: a paired device's for a check-in, the admin token for admin routes",
    "403": "Refused: the member may not come in now (ReasonCode says why), or a web page's origin",
    "404": "Not found: no such record, or (a check-in) nobody holds this credential",
    "405": "Method not allowed (the Allow header lists the methods)",
    "409": "A member already checked in: close that check-in first",
    "413": "The body is too large",
    "429": "Too many attempts from this device or for this account: wait Retry-After seconds",
    "503": "The database cannot take this request now (disk full, read-only, corrupt, locked)",
}
_ADMIN = ("/api/spaces/", "/api/token")
_EXTRA = {
    ("post", "/api/public/checkin"): ("401", "403", "404", "413", "429"),
    ("post", "/api/public/pair"): ("413",),
    ("post", "/api/spaces/checkins"): ("409", "413"),
    ("get", "/api/spaces/passes/qr"): ("404",),
}


def document(app: FastAPI) -> dict[str, Any]:
    """`app`'s OpenAPI schema with every status its routes answer (made once, then kept)."""
    if app.openapi_schema is not None:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, routes=app.routes)
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            responses: dict[str, Any] = operation.setdefault("responses", {})
            responses.pop("422", None)
            codes = {"400", "503", *_EXTRA.get((method, path), ())}
            if path.startswith(_ADMIN) and path != "/api/token":
                codes.add("401")
            if "{" in path:
                codes.add("404")
            for code in sorted(codes):
                responses.setdefault(code, {"description": WORDS[code]})
    schema.setdefault("components", {}).get("schemas", {}).pop("HTTPValidationError", None)
    schema["components"].get("schemas", {}).pop("ValidationError", None)
    app.openapi_schema = schema
    return schema
