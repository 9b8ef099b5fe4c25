"""The artifact folder: files in and out, listings, and paths that could escape it."""

from __future__ import annotations

from pathlib import Path

import pytest

from lowtide.errors import NotFoundError, ValidationError
from lowtide.store.artifacts import ArtifactEntry, ArtifactStore


def write(store: ArtifactStore, path: str, data: bytes) -> None:
    upload = store.upload(path)
    upload.write(data)
    upload.commit()


def test_files_in_and_out(tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path / "artifacts")
    write(store, "1/run/artifacts/model/weights.bin", b"\x00" * 10)
    write(store, "1/run/artifacts/notes.txt", b"hi")
    assert store.file("1/run/artifacts/notes.txt").read_bytes() == b"hi"
    assert store.listdir("1/run/artifacts") == [
        ArtifactEntry("model", True, None),
        ArtifactEntry("notes.txt", False, 2),
    ]
    assert store.listdir("1/run/artifacts/notes.txt") == []
    assert store.listdir("nowhere") == []
    with pytest.raises(NotFoundError):
        store.file("1/run/artifacts/model")
    store.delete("1/run/artifacts/model")
    assert [e.name for e in store.listdir("1/run/artifacts")] == ["notes.txt"]


def test_an_aborted_upload_leaves_nothing(tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path / "artifacts")
    write(store, "a/file.txt", b"old")
    upload = store.upload("a/file.txt")
    upload.write(b"half of the new")
    assert store.listdir("a") == [ArtifactEntry("file.txt", False, 3)]
    upload.abort()
    assert store.file("a/file.txt").read_bytes() == b"old"
    assert [p.name for p in (tmp_path / "artifacts" / "a").iterdir()] == ["file.txt"]


@pytest.mark.parametrize(
    "path",
    ["..", "../x", "a/../../x", "/etc/passwd", "a\\..\\x", "C:/x", "a/\x00", "a#b", "link/x"],
)
def test_paths_that_could_escape_are_refused(tmp_path: Path, path: str) -> None:
    root = tmp_path / "artifacts"
    root.mkdir()
    (root / "link").symlink_to(tmp_path)
    store = ArtifactStore(root)
    with pytest.raises(ValidationError, match="Invalid path"):
        store.upload(path)
    with pytest.raises(ValidationError):
        store.listdir(path)
    with pytest.raises(ValidationError):
        store.delete(path)
