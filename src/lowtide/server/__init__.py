"""The HTTP server: FastAPI app factory, routes and error mapping."""

from lowtide.server.app import create_app

__all__ = ["create_app"]
