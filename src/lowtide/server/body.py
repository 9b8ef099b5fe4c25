"""Reading a JSON request body under a size limit, with orjson first."""

from __future__ import annotations

import json
from typing import Any

import orjson
from fastapi import Request

from lowtide.errors import PayloadTooLargeError
from lowtide.server.errors import MalformedJSONError


async def read_json(request: Request, limit: int) -> Any:
    """The decoded body; 413 past `limit` bytes, 400 when it is not JSON.

    Bare NaN and Infinity (as Python's json writes them) are accepted too.
    """
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(int(declared), limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(size, limit)
        chunks.append(chunk)
    raw = b"".join(chunks)
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise MalformedJSONError(f"the body is not valid JSON: {exc}", field="body") from None


def _too_large(size: int, limit: int) -> PayloadTooLargeError:
    return PayloadTooLargeError(
        f"the body is {size} bytes or more; the limit is {limit} bytes — send smaller batches",
        field="body",
    )
