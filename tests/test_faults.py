"""Issue #9 (4): faults — a damaged index, a killed build, two builds at once, a rebuild under load,
debug off in `caselib serve`, and no route that writes to disk. Fake embedder, tmp folders, loopback only.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pytest

from indexer.build import build_index, current_build
from indexer.embedders import HashEmbedder
from indexer.errors import IndexFolderError
from indexer.search import Searcher
from webapp import create_app

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]
from browser_support import serving  # noqa: E402

from benchmarks.synth import generate  # noqa: E402

CASES = ROOT / "cases"
EMB = HashEmbedder()
BASE = [
    "buenos-aires-penitentiary-policy-reintegration",
    "penitentiary-prison-policy-meetings",
    "recidivism-research-prison-policy",
]
EXTRA = "panama-domestic-violence-complaints-system"
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "CASELIB_MODEL": "hash-test", "PYTHONPATH": str(ROOT)}


def quiet(msg: str) -> None:
    pass


def cli(*args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "caselib", *args],
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )


@pytest.fixture
def lib(tmp_path: Path) -> Path:
    d = tmp_path / "cases"
    d.mkdir()
    for cid in BASE:
        shutil.copy(CASES / f"{cid}.md", d)
    return d


@pytest.fixture
def ix(tmp_path: Path) -> Path:
    return tmp_path / "index"


# --- a damaged index: a message that says how to rebuild, 503 in the web app --------------------------------


def _delete_keyword(build: Path) -> None:
    shutil.rmtree(build / "keyword")


def _truncate_vectors(build: Path) -> None:
    path = build / "vectors" / "vectors.npy"
    path.write_bytes(path.read_bytes()[:100])


def _truncate_catalog(build: Path) -> None:
    path = build / "catalog.json"  # the columns
    path.write_bytes(path.read_bytes()[: max(1, path.stat().st_size // 2)])


def _empty_weights(build: Path) -> None:
    (build / "keyword" / "terms" / "weights.npy").write_bytes(b"")  # e.g. a power cut before the data hit the disk


def _empty_centroids(build: Path) -> None:
    (build / "vectors" / "centroids.npy").write_bytes(b"")


def _empty_manifest(build: Path) -> None:
    (build / "manifest.json").write_text("")


@pytest.mark.parametrize(
    "damage",
    [_delete_keyword, _truncate_vectors, _truncate_catalog, _empty_manifest, _empty_weights, _empty_centroids],
)
def test_damaged_index_is_refused_with_a_rebuild_hint_and_served_as_503(lib, ix, damage):
    build_index(lib, ix, embedder=EMB, log=quiet, progress=False)
    damage(current_build(ix))
    with pytest.raises(IndexFolderError) as exc:
        Searcher.open(ix, embedder=EMB)
    assert "caselib index" in str(exc.value)

    app = create_app({"INDEX_DIR": str(ix), "MODEL": "hash-test", "TESTING": True})
    client = app.test_client()
    for url in ["/api/search?q=prison", "/api/cases", f"/api/cases/{BASE[0]}"]:
        r = client.get(url)
        assert r.status_code == 503, url
        err = r.get_json()["error"]
        assert (err["status"], err["code"]) == (503, "index_unavailable")
        assert "caselib index" in err["message"]
    for url in ["/", "/search?q=prison", f"/cases/{BASE[0]}"]:
        r = client.get(url)
        assert r.status_code == 503, url
        assert r.mimetype == "text/html"
        assert "caselib index" in r.get_data(as_text=True)

    # rebuilding as told repairs it
    build_index(lib, ix, embedder=EMB, log=quiet, progress=False, full=True)
    assert client.get("/api/search?q=prison").status_code == 200
    assert client.get(f"/cases/{BASE[0]}").status_code == 200


# --- a build killed halfway ---------------------------------------------------------------------------------


def test_build_killed_with_sigkill_leaves_the_previous_index_serving(tmp_path, lib, ix):
    build_index(lib, ix, embedder=EMB, log=quiet, progress=False)
    before = current_build(ix)
    big = generate(tmp_path / "synth", 400)
    proc = cli("index", "--cases", str(big), "--index", str(ix))
    deadline = time.monotonic() + 60
    while not list((ix / "builds").glob("tmp-*")):
        assert proc.poll() is None, f"build ended before it was killed: {proc.communicate()}"
        assert time.monotonic() < deadline, "no tmp-* folder appeared"
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert list((ix / "builds").glob("tmp-*")), "the killed build left its tmp-* folder"

    assert current_build(ix) == before
    s = Searcher.open(ix, embedder=EMB)
    assert {r["id"] for r in s.records()} == set(BASE)
    client = create_app({"SEARCHER": s, "TESTING": True}).test_client()
    assert client.get("/api/search?q=prison").get_json()["total"] >= 1

    done = cli("index", "--cases", str(big), "--index", str(ix))
    out, err = done.communicate(timeout=300)
    assert done.returncode == 0, err
    assert not list((ix / "builds").glob("tmp-*"))
    assert current_build(ix) != before
    assert len(Searcher.open(ix, embedder=EMB).records()) == 400


# --- two builds at once -------------------------------------------------------------------------------------


def test_two_builds_at_once_one_fails_fast_on_the_lock(tmp_path, ix):
    big = generate(tmp_path / "synth", 300)
    first = cli("index", "--cases", str(big), "--index", str(ix))
    deadline = time.monotonic() + 60
    while not list(ix.glob("builds/tmp-*")):
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.005)
    second = cli("index", "--cases", str(big), "--index", str(ix))
    t0 = time.monotonic()
    out2, err2 = second.communicate(timeout=60)
    fast = time.monotonic() - t0
    out1, err1 = first.communicate(timeout=300)
    assert first.returncode == 0, err1
    assert second.returncode != 0
    assert "another `caselib index` is building" in err2 and "--wait" in err2
    assert fast < 30
    s = Searcher.open(ix, embedder=EMB)
    assert len(s.records()) == 300
    assert not list((ix / "builds").glob("tmp-*"))


def test_two_builds_with_wait_both_succeed_one_after_the_other(tmp_path, ix):
    big = generate(tmp_path / "synth", 150)
    procs = [cli("index", "--wait", "--cases", str(big), "--index", str(ix)) for _ in range(2)]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    summaries = sorted(out.strip().splitlines()[-1] for out, _ in results)
    assert any(s.startswith("full build: 150 case(s) indexed") for s in summaries), summaries
    assert any(s.startswith("index up to date") for s in summaries), summaries
    assert len(Searcher.open(ix, embedder=EMB).records()) == 150
    assert not list((ix / "builds").glob("tmp-*"))


# --- rebuild under load -------------------------------------------------------------------------------------


def test_rebuild_under_load_answers_every_request_from_the_old_or_the_new_cases(lib, ix):
    build_index(lib, ix, embedder=EMB, log=quiet, progress=False)
    searcher = Searcher.open(ix, embedder=EMB)
    sets = [frozenset(BASE), frozenset([*BASE, EXTRA]), frozenset([*BASE[1:], EXTRA])]
    app = create_app({"SEARCHER": searcher, "INDEX_DIR": str(ix), "TESTING": True})
    answers: list[tuple[int, frozenset]] = []
    errors: list[str] = []
    n_threads, per_thread = 4, 75  # 300 requests
    url_qs = urlencode({"q": "", "per_page": 100})

    with serving(app, name="waitress-faults") as base:

        def client_loop():
            for _ in range(per_thread):
                try:
                    with urllib.request.urlopen(f"{base}/api/search?{url_qs}", timeout=30) as r:
                        body = json.loads(r.read())
                        answers.append((body["total"], frozenset(x["id"] for x in body["results"])))
                except Exception as exc:  # noqa: BLE001 - every failure is counted
                    errors.append(repr(exc))

        threads = [threading.Thread(target=client_loop) for _ in range(n_threads)]
        for t in threads:
            t.start()
        shutil.copy(CASES / f"{EXTRA}.md", lib)  # rebuild 1: a case added
        assert build_index(lib, ix, embedder=EMB, log=quiet, progress=False).swapped
        (lib / f"{BASE[0]}.md").unlink()  # rebuild 2: a case removed
        assert build_index(lib, ix, embedder=EMB, log=quiet, progress=False).swapped
        for t in threads:
            t.join(timeout=120)

    assert errors == []
    assert len(answers) == n_threads * per_thread
    for total, got in answers:
        assert got in sets and total == len(got), (total, sorted(got))
    searcher.refresh()  # the clients may have finished before the second swap
    assert {r["id"] for r in searcher.records()} == sets[-1]


# --- serve: debug off; no route writes to disk --------------------------------------------------------------


def test_serve_runs_waitress_with_debug_off(monkeypatch, lib, ix):
    import waitress
    from click.testing import CliRunner

    from caselib.cli import main

    seen: dict = {}

    def fake_serve(app, **kw):
        seen["app"], seen["kw"] = app, kw

    monkeypatch.setattr(waitress, "serve", fake_serve)
    result = CliRunner().invoke(
        main, ["serve", "--cases", str(lib), "--index", str(ix), "--model", "hash-test", "--port", "8765"]
    )
    assert result.exit_code == 0, result.output
    app = seen["app"]
    assert app.debug is False and not app.config.get("DEBUG")
    assert not app.config.get("TESTING")
    assert seen["kw"]["host"] == "127.0.0.1"
    assert "use_reloader" not in seen["kw"]


def _snapshot(*roots: Path) -> dict[str, tuple[int, int]]:
    out = {}
    for root in roots:
        if not root.exists():
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if d not in {".git", ".venv", "__pycache__", ".pytest_cache"}]
            for f in filenames:
                p = Path(dirpath) / f
                try:
                    st = p.stat()
                except OSError:
                    continue
                out[str(p)] = (st.st_size, st.st_mtime_ns)
    return out


def test_no_get_route_writes_to_disk(lib, ix, tmp_path, tmp_path_factory, monkeypatch):
    build_index(lib, ix, embedder=EMB, log=quiet, progress=False)
    # The portal's database is the one thing a GET may create: its migrations run at first use
    # (webapp/portal/store.py). It lives outside the folders watched here (the repo and tmp_path).
    portal_db = tmp_path_factory.mktemp("portal-db") / "portal.sqlite3"
    app = create_app(
        {"INDEX_DIR": str(ix), "MODEL": "hash-test", "TESTING": True, "PORTAL_DATABASE_URL": f"sqlite:///{portal_db}"}
    )
    client = app.test_client()
    cid = BASE[0]
    examples = {
        "case_id": cid,
        "collection_id": "youth-violence-prevention",
        "field": "countries",
        "name": "caselib-data-2026-01-01.zip",
        "token": "not-a-real-token",
        "int:submission_id": "1",
    }
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        url = re.sub(r"<any\(([^,)]+)[^>]*>", r"\1", rule.rule)
        for name, value in examples.items():
            url = url.replace(f"<{name}>", value)
        assert "<" not in url, f"no example for {rule.rule}"
        urls.append(url)
    urls += [
        "/search?q=prison&mode=keyword",
        f"/compare?ids={cid}&ids={BASE[1]}",
        "/api/search?q=prison",
        "/draft",
        "/static/../../pyproject.toml",
    ]
    before = _snapshot(ROOT, tmp_path)
    statuses = {url: client.get(url).status_code for url in urls}
    after = _snapshot(ROOT, tmp_path)
    assert all(s < 500 for s in statuses.values()), statuses
    assert len(urls) >= 20
    created = sorted(set(after) - set(before))
    changed = sorted(k for k in before if k in after and after[k] != before[k])
    removed = sorted(set(before) - set(after))
    assert (created, changed, removed) == ([], [], [])
