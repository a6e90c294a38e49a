"""/data: the latest data releases, their licence and citation; only release archives are served."""

from __future__ import annotations

import hashlib

import pytest

from webapp import create_app


@pytest.fixture()
def release_client(hash_searcher, tmp_path):
    (tmp_path / "caselib-data-2026-10-01.zip").write_bytes(b"PK old")
    (tmp_path / "caselib-data-2026-11-28.zip").write_bytes(b"PK new")
    (tmp_path / "secret.txt").write_text("not for download")
    app = create_app({"SEARCHER": hash_searcher, "TESTING": True, "RELEASES_DIR": str(tmp_path)})
    return app.test_client()


def test_data_page_lists_releases_newest_first_with_checksums(release_client):
    html = release_client.get("/data?lang=es").get_data(as_text=True)
    assert html.index("caselib-data-2026-11-28.zip") < html.index("caselib-data-2026-10-01.zip")
    assert hashlib.sha256(b"PK new").hexdigest() in html
    assert "CC BY 4.0" in html and "Datos abiertos" in html
    assert "secret.txt" not in html


def test_release_downloads_and_nothing_else(release_client):
    r = release_client.get("/data/caselib-data-2026-11-28.zip")
    assert r.status_code == 200 and r.data == b"PK new" and "attachment" in r.headers["Content-Disposition"]
    for bad in ("secret.txt", "..%2fsecret.txt", "caselib-data-2026-11-28.zip.bak", "caselib-data-x.zip"):
        assert release_client.get(f"/data/{bad}").status_code == 404


def test_data_page_without_releases_says_so(hash_searcher, tmp_path):
    app = create_app({"SEARCHER": hash_searcher, "TESTING": True, "RELEASES_DIR": str(tmp_path / "none")})
    html = app.test_client().get("/data").get_data(as_text=True)
    assert "No release has been published on this site yet." in html
    assert "caselib export" in html
