"""Files that runs log (MLflow artifacts), in a folder of the data home.

Paths are relative and '/'-separated, like `1/<run id>/artifacts/model/model.pkl`;
one that could reach outside the folder (`..`, an absolute path, a backslash,
a symlink that leads out) is refused before anything is touched.
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from lowtide.errors import NotFoundError, ValidationError

#: Files being uploaded are named so, and left out of listings.
_PART_PREFIX = ".lowtide-upload-"


@dataclass(frozen=True)
class ArtifactEntry:
    """One entry of a listed folder: its name, and its size when it is a file."""

    name: str
    is_dir: bool
    size: int | None


class Upload:
    """A file being written next to its place, moved there only when complete."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self._part = target.with_name(f"{_PART_PREFIX}{target.name}.{uuid.uuid4().hex}")
        self._out = self._part.open("wb")

    def write(self, data: bytes) -> None:
        self._out.write(data)

    def commit(self) -> None:
        self._out.close()
        os.replace(self._part, self.target)

    def abort(self) -> None:
        self._out.close()
        self._part.unlink(missing_ok=True)


class ArtifactStore:
    """Reads and writes artifact files under one root folder."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def resolve(self, path: str) -> Path:
        """The file a relative artifact path names; ValidationError if it could escape."""
        if (
            "\\" in path
            or "\x00" in path
            or "#" in path
            or ".." in path.split("/")
            or PurePosixPath(path).is_absolute()
            or PureWindowsPath(path).is_absolute()
            or (len(path) >= 2 and path[1] == ":")
        ):
            raise ValidationError("Invalid path", field="path")
        root = self.root.resolve()
        target = (root / path.strip("/")).resolve()
        if target != root and not target.is_relative_to(root):
            raise ValidationError("Invalid path", field="path")
        return target

    def upload(self, path: str) -> Upload:
        """Start writing the file at `path`; it appears there on `commit()`, whole."""
        target = self.resolve(path)
        if target == self.root.resolve() or target.is_dir():
            raise ValidationError(f"{path!r} is a folder, not a file", field="path")
        target.parent.mkdir(parents=True, exist_ok=True)
        return Upload(target)

    def file(self, path: str) -> Path:
        """An existing file; NotFoundError for a folder or nothing."""
        target = self.resolve(path)
        if not target.is_file():
            raise NotFoundError(f"No artifact found at {path!r}")
        return target

    def listdir(self, path: str) -> list[ArtifactEntry]:
        """A folder's entries by name; empty for a file or nothing (as MLflow answers)."""
        target = self.resolve(path)
        if not target.is_dir():
            return []
        entries = []
        for child in sorted(target.iterdir(), key=lambda p: p.name):
            if child.name.startswith(_PART_PREFIX):
                continue
            is_dir = child.is_dir()
            entries.append(
                ArtifactEntry(child.name, is_dir, None if is_dir else child.stat().st_size)
            )
        return entries

    def delete(self, path: str) -> None:
        """Remove a file or a whole folder; nothing there is not an error."""
        target = self.resolve(path)
        if target == self.root.resolve():
            raise ValidationError("Invalid path", field="path")
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink(missing_ok=True)
