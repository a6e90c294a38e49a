"""Checksums of a build: every file's size and SHA-256 hash, recorded in manifest.json and checked
before a build is searched (``Searcher`` open and refresh), reused by an incremental build, or on
``caselib index --verify``.

A build is written once and never changed, so any difference — a truncated, shuffled, flipped,
missing or extra file, or an edited manifest — means damage: the build is refused with a rebuild
hint instead of being served as wrong answers. The manifest carries a checksum of its own content.
Files are hashed through a read-only memory map (no copy); sizes are compared first, so a truncated
or grown file is found without reading it. SHA-256 rather than BLAKE2b: with the SHA instructions
of current x86 and ARM CPUs it hashed 3x faster here (~490 vs ~150 MB/s on a busy 2-core machine).
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
from pathlib import Path
from typing import Any

ALGORITHM = "sha256"
MANIFEST = "manifest.json"
_SKIPPED = ("_WRITELOCK",)  # Whoosh's lock files: empty, and not part of the data


def digest(path: Path) -> str:
    """SHA-256 of a file's bytes, read through a memory map."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        if os.fstat(fh.fileno()).st_size:
            with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
                h.update(mm)
    return h.hexdigest()


def _data_files(build: Path) -> list[str]:
    out = []
    for folder, dirs, names in os.walk(build):
        dirs.sort()
        for name in sorted(names):
            rel = os.path.relpath(os.path.join(folder, name), build).replace(os.sep, "/")
            if rel != MANIFEST and not name.endswith(_SKIPPED):
                out.append(rel)
    return out


def file_table(build: Path) -> dict[str, dict[str, Any]]:
    """``{relative path: {"size", "sha256"}}`` for every data file of a build (the manifest excluded)."""
    return {rel: {"size": (build / rel).stat().st_size, ALGORITHM: digest(build / rel)} for rel in _data_files(build)}


def _manifest_digest(manifest: dict[str, Any]) -> str:
    body = {k: v for k, v in manifest.items() if k != "checksum"}
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def seal(manifest: dict[str, Any], build: Path) -> dict[str, Any]:
    """The manifest with the build's file table and its own checksum (call after every file is written)."""
    sealed = dict(manifest, files=file_table(build))
    sealed["checksum"] = _manifest_digest(sealed)
    return sealed


def damage(build: Path, manifest: dict[str, Any] | None = None) -> str | None:
    """What is wrong with a build, in a few words, or None when every file matches its manifest."""
    if manifest is None:
        try:
            manifest = json.loads((build / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            return f"{MANIFEST} cannot be read ({exc.__class__.__name__})"
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        return f"{MANIFEST} has no file checksums (written by an older caselib, or damaged)"
    if manifest.get("checksum") != _manifest_digest(manifest):
        return f"{MANIFEST} does not match its checksum"
    files: dict[str, Any] = manifest["files"]
    try:
        present = _data_files(build)
    except OSError as exc:
        return f"the build folder cannot be listed ({exc.strerror or exc})"
    extra = sorted(set(present) - set(files))
    if extra:
        return f"{extra[0]} is not part of the build"
    for rel, want in files.items():  # sizes first: cheap, and they catch truncation and missing files
        try:
            size = (build / rel).stat().st_size
        except OSError:
            return f"{rel} is missing"
        if size != want.get("size"):
            return f"{rel} has {size:,} bytes, not {want.get('size'):,}"
    for rel, want in files.items():
        try:
            if digest(build / rel) != want.get(ALGORITHM):
                return f"{rel} does not match its checksum"
        except OSError as exc:
            return f"{rel} cannot be read ({exc.strerror or exc})"
    return None
