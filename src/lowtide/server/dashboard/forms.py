"""Forms posted by the dashboard's pages (URL-encoded, as a browser sends them), read
without a multipart parser."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request

from lowtide.errors import PayloadTooLargeError

#: Largest form body read, in bytes; the dashboard's forms are a few hundred.
MAX_FORM_BYTES = 64 * 1024


async def read_form(request: Request) -> list[tuple[str, str]]:
    """The posted fields in order, repeated ones kept; PayloadTooLargeError past the limit."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise PayloadTooLargeError(f"a form has at most {MAX_FORM_BYTES} bytes", field="body")
    return parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True)


def single(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """The first value of each field."""
    found: dict[str, str] = {}
    for name, value in pairs:
        found.setdefault(name, value)
    return found
