"""Alembic, driven from code: upgrade a connection to head, or check that it is there."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from lowtide.errors import StoreError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(conn: Connection | None = None) -> Config:
    """An Alembic Config for lowtide's migrations, bound to `conn` when given."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if conn is not None:
        cfg.attributes["connection"] = conn
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def upgrade(conn: Connection) -> None:
    """Migrate the database behind `conn` to the newest revision."""
    command.upgrade(alembic_config(conn), "head")


def check(conn: Connection) -> None:
    """Raise StoreError unless the database is at the newest revision."""
    current = MigrationContext.configure(conn).get_current_revision()
    if current != head_revision():
        raise StoreError(
            f"the database is at schema revision {current or 'none'}, "
            f"lowtide needs {head_revision()}; run `lowtide db upgrade`"
        )
