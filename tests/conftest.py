"""Shared fixtures: the repo's cases, indexes built with the fake and the real embedder."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from indexer.build import build_index  # noqa: E402
from indexer.embedders import HashEmbedder, load_embedder  # noqa: E402
from indexer.search import Searcher  # noqa: E402
from indexer.vectorcache import default_cache_dir, with_cache  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "cases"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def cases_dir() -> Path:
    return CASES


@pytest.fixture(scope="session")
def hash_embedder() -> HashEmbedder:
    return HashEmbedder()


@pytest.fixture()
def library(tmp_path) -> Path:
    """A writable copy of the shipped cases, for tests that edit, add or remove files."""
    lib = tmp_path / "cases"
    shutil.copytree(CASES, lib)
    return lib


@pytest.fixture()
def build(hash_embedder):
    """``build(cases, index_dir)``: build or update an index with the fake embedder, quietly."""

    def run(cases: Path, index_dir: Path, **kw):
        return build_index(cases, index_dir, embedder=hash_embedder, log=lambda m: None, **kw)

    return run


@pytest.fixture(scope="session")
def hash_index(tmp_path_factory, hash_embedder) -> Path:
    """The shipped cases indexed with the fast fake embedder (read-only: do not rebuild it in tests)."""
    index_dir = tmp_path_factory.mktemp("hash-index")
    build_index(CASES, index_dir, embedder=hash_embedder, log=lambda m: None)
    return index_dir


@pytest.fixture(scope="session")
def hash_searcher(hash_index, hash_embedder) -> Searcher:
    return Searcher.open(hash_index, embedder=hash_embedder)


@pytest.fixture(scope="session")
def real_embedder():
    """The default model (packaged multilingual-e5-small beside all-MiniLM-L6-v2), loaded once per session.

    Passages of the shipped cases come from ``embedding-cache/`` (indexer/vectorcache.py) when it
    holds them; ``test_search_model.py`` re-encodes a sample to prove the cache matches the models."""
    return with_cache(load_embedder(), default_cache_dir())


@pytest.fixture(scope="session")
def model_index(tmp_path_factory, real_embedder) -> Path:
    index_dir = tmp_path_factory.mktemp("model-index")
    build_index(CASES, index_dir, embedder=real_embedder, log=lambda m: None)
    return index_dir


@pytest.fixture(scope="session")
def model_searcher(model_index, real_embedder) -> Searcher:
    return Searcher.open(model_index, embedder=real_embedder)


@pytest.fixture(scope="module")
def app(hash_searcher, tmp_path_factory):
    """The web app over the shipped cases and collections (fake embedder); its portal database in a temporary folder."""
    from webapp import create_app

    portal_db = tmp_path_factory.mktemp("portal") / "portal.sqlite3"
    return create_app(
        {
            "SEARCHER": hash_searcher,
            "TESTING": True,
            "COLLECTIONS_DIR": str(ROOT / "collections"),
            "PORTAL_DATABASE_URL": f"sqlite:///{portal_db}",
        }
    )


@pytest.fixture()
def client(app):
    return app.test_client()


def originals(folder: Path) -> list[Path]:
    """The case files of a folder (translation files ``<id>.<lang>.md`` and README.md left out), sorted."""
    from indexer.translation import is_translation_file

    return sorted(f for f in folder.glob("*.md") if f.name.lower() != "readme.md" and not is_translation_file(f))
