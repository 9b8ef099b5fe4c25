"""Server and CLI settings, read from `LOWTIDE_*` environment variables.

Build a `Settings` where it is needed (`Settings()`); nothing is read at import.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from lowtide import paths

#: A batch body larger than this is refused with 413; 4 MiB holds ~150,000 points as JSON.
DEFAULT_MAX_BATCH_BYTES = 4 * 1024 * 1024
#: Longest metric key accepted, in characters (MLflow's limit too).
DEFAULT_MAX_KEY_LENGTH = 250
#: Most points one batch may carry.
DEFAULT_MAX_BATCH_POINTS = 200_000
#: Seconds between two looks of the server into the local spool folder.
DEFAULT_SPOOL_SCAN_SECONDS = 5.0


class Settings(BaseSettings):
    """Everything the server and the CLI can be told through the environment."""

    model_config = SettingsConfigDict(env_prefix="LOWTIDE_", extra="ignore")

    home: Path = Field(default_factory=paths.data_home, description="Data folder.")
    database_url: str = Field(default="", description="SQLAlchemy URL; empty = embedded SQLite.")
    host: str = paths.DEFAULT_HOST
    port: int = Field(default=paths.DEFAULT_PORT, ge=0, le=65535)
    max_batch_bytes: int = Field(default=DEFAULT_MAX_BATCH_BYTES, gt=0)
    max_batch_points: int = Field(default=DEFAULT_MAX_BATCH_POINTS, gt=0)
    max_key_length: int = Field(default=DEFAULT_MAX_KEY_LENGTH, gt=0)
    spool_scan_seconds: float = Field(default=DEFAULT_SPOOL_SCAN_SECONDS, ge=0)
    health: bool = Field(
        default=True, description="Judge every batch with the health engine; `off` to skip it."
    )

    @model_validator(mode="after")
    def _fill_database_url(self) -> Settings:
        if not self.database_url:
            self.database_url = paths.default_database_url(self.home)
        return self

    @property
    def is_embedded(self) -> bool:
        """True when the store is a SQLite file (one machine, one writer)."""
        return self.database_url.startswith("sqlite")

    @property
    def spool_dir(self) -> Path:
        return paths.spool_dir(self.home)

    @property
    def artifacts_dir(self) -> Path:
        """Where files logged through the MLflow artifact proxy are kept."""
        return self.home / "artifacts"

    @property
    def writeups_dir(self) -> Path:
        """Where the dashboard's "Write it up" button keeps the drafts it makes."""
        return self.home / "writeups"
