"""JSON responses rendered with orjson, and the one shape of every error body."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response


class JSONBody(Response):
    """A JSON response rendered by orjson (fast, and exact for floats).

    Contiguous numpy arrays are written as JSON arrays directly, the way
    `tolist()` would write them but without building the Python lists.
    """

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_SERIALIZE_NUMPY)


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    """`{"error": {"code", "message", "field"}}`: what went wrong, and where in the input."""
    return {"error": {"code": code, "message": message, "field": field}}
