"""Alembic environment: always run online, on the connection lowtide hands over."""

from __future__ import annotations

from alembic import context

from lowtide.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("lowtide runs its migrations through lowtide.store.migrate")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
