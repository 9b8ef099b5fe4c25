"""Where lowtide keeps its files and which address it listens on by default.

Standard library and platformdirs only: the SDK imports this.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import platformdirs

#: The server's default address; the README states it and the SDK looks there.
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7600
DEFAULT_URL = f"http://{DEFAULT_HOST}:{DEFAULT_PORT}"

#: File name of the embedded store inside the data folder.
SQLITE_FILE_NAME = "lowtide.db"
#: Folder inside the data folder where the SDK keeps batches the server has not taken yet.
SPOOL_DIR_NAME = "spool"


def data_home(environ: Mapping[str, str] | None = None) -> Path:
    """The data folder: `LOWTIDE_HOME` if set, else the user's data folder for lowtide."""
    env = os.environ if environ is None else environ
    override = env.get("LOWTIDE_HOME")
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_data_dir("lowtide", appauthor=False))


def default_database_url(home: Path) -> str:
    """The embedded store: a SQLite file in the data folder."""
    return f"sqlite:///{home / SQLITE_FILE_NAME}"


def spool_dir(home: Path) -> Path:
    """The SDK's on-disk spool inside the data folder."""
    return home / SPOOL_DIR_NAME
