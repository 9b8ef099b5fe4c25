"""The HTTP server: FastAPI app factory, routes and error mapping.

`create_app` is imported on first use, so that importing a module of this
package alone (the health engine's child process imports `health_worker`)
does not load FastAPI and every route.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lowtide.server.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from lowtide.server.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
