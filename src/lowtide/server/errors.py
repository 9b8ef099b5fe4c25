"""One place that turns exceptions into HTTP answers."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from lowtide.errors import (
    ConflictError,
    LowtideError,
    NotFoundError,
    PayloadTooLargeError,
    StoreError,
    ValidationError,
)
from lowtide.server.responses import JSONBody, error_body

log = logging.getLogger(__name__)

_STATUS: list[tuple[type[LowtideError], int, str]] = [
    (PayloadTooLargeError, 413, "payload_too_large"),
    (ValidationError, 422, "invalid"),
    (NotFoundError, 404, "not_found"),
    (ConflictError, 409, "conflict"),
    (StoreError, 503, "store_unavailable"),
]


class MalformedJSONError(ValidationError):
    """The request body is not JSON at all (answered with 400)."""


def install_error_handlers(app: FastAPI) -> None:
    """Map lowtide's exceptions, FastAPI's validation and HTTP errors to one JSON shape."""

    @app.exception_handler(MalformedJSONError)
    async def _malformed(_: Request, exc: MalformedJSONError) -> JSONBody:
        return JSONBody(error_body("malformed_json", str(exc), exc.field), status_code=400)

    @app.exception_handler(LowtideError)
    async def _lowtide(_: Request, exc: LowtideError) -> JSONBody:
        for cls, status, code in _STATUS:
            if isinstance(exc, cls):
                field = exc.field if isinstance(exc, ValidationError) else None
                if status >= 500:
                    log.error("%s", exc)
                return JSONBody(error_body(code, str(exc), field), status_code=status)
        log.error("unmapped lowtide error: %s", exc)
        return JSONBody(error_body("error", str(exc)), status_code=500)

    @app.exception_handler(RequestValidationError)
    async def _request_validation(_: Request, exc: RequestValidationError) -> JSONBody:
        errors = [
            {"field": ".".join(str(p) for p in err.get("loc", ())), "message": err.get("msg", "")}
            for err in exc.errors()
        ]
        if any(err.get("type") == "json_invalid" for err in exc.errors()):
            return JSONBody(
                error_body("malformed_json", "the body is not valid JSON", "body"), status_code=400
            )
        first = errors[0] if errors else {"field": None, "message": "invalid request"}
        body = error_body("invalid", f"{first['field']}: {first['message']}", first["field"])
        body["errors"] = errors
        return JSONBody(body, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONBody:
        return JSONBody(
            error_body(f"http_{exc.status_code}", str(exc.detail)),
            status_code=exc.status_code,
            headers=exc.headers,
        )

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONBody:
        log.exception("unexpected error", exc_info=exc)
        return JSONBody(error_body("internal", "internal error; see the server log"), 500)
