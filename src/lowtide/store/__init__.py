"""Persistence: the SQLAlchemy schema, the one Store, and Alembic migrations."""

from lowtide.store.store import Store, open_store

__all__ = ["Store", "open_store"]
