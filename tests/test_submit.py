"""The submission portal, submitter side: /submit, the private tracking page, revising, "suggest an edit",
POST /api/submissions; CSRF, rate limit, size limit, inert rendering, and a database that is gone or locked."""

from __future__ import annotations

import re
import sqlite3
from html import unescape

import pytest
from test_draft import complete
from werkzeug.datastructures import MultiDict

from webapp.portal import models
from webapp.portal.store import Store

HOSTILE = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


@pytest.fixture()
def app(hash_searcher, tmp_path):
    """A fresh app and portal database for every test."""
    from conftest import ROOT

    from webapp import create_app

    return create_app(
        {
            "SEARCHER": hash_searcher,
            "TESTING": True,
            "COLLECTIONS_DIR": str(ROOT / "collections"),
            "PORTAL_DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
        }
    )


@pytest.fixture()
def store(app):
    from webapp.portal import get_store

    with app.app_context():  # not kept pushed: requests must each get their own context (and language)
        found = get_store()
    return found


def csrf(client, path="/submit?lang=en") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def send(client, form: MultiDict, action="submit", lang="en", path="/submit", token=None):
    form = MultiDict(form)
    form.setlist("action", [action])
    form.setlist("csrf_token", [token or csrf(client, f"{path}?lang={lang}")])
    return client.post(f"{path}?lang={lang}", data=form)


def tracking_token(response) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return re.search(r"/submit/t/([A-Za-z0-9_-]+)\?", response.headers["Location"]).group(1)


def test_the_submit_page_is_the_registration_form_in_spanish(client):
    html = client.get("/submit?lang=es").get_data(as_text=True)
    assert "<h1>Enviar una práctica</h1>" in html
    for name in (
        "title",
        "problems",
        "target_population",
        "setting",
        "mechanism",
        "resources.staff",
        "resources.budget.amount",
        "evaluations[0].design",
        "evidence.rationale",
        "submitter.institution",
        "translation",
        "note",
    ):
        assert f'name="{name}"' in html, name
    assert 'name="csrf_token"' in html
    assert "Enviar a revisión" in html


def test_submit_stores_it_waiting_and_gives_a_private_tracking_link(client, store):
    form = complete("es")
    form.setlist("submitter.institution", ["Policía Nacional de Panamá"])
    r = send(client, form, lang="es")
    token = tracking_token(r)
    assert len(token) >= 40
    (sub,) = store.list()
    assert sub.status == models.WAITING and sub.kind == "new" and sub.channel == "web"
    assert sub.case_id == "neighbourhood-patrol-agreements"
    assert sub.submitter_institution == "Policía Nacional de Panamá"
    assert list(sub.latest.files) == ["neighbourhood-patrol-agreements.md"]
    assert "## Contexto y problema" in sub.latest.files["neighbourhood-patrol-agreements.md"]
    page = client.get(r.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Gracias: recibimos su envío." in html and "En espera de revisión" in html
    assert token in html  # the link itself, to copy
    assert page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "no-referrer"
    assert "noindex" in page.headers["X-Robots-Tag"]


def test_an_invalid_form_is_not_stored_and_shows_problems_next_to_fields(client, store):
    r = send(client, MultiDict({"title": "Patrol agreements", "submitter.email": "nobody"}), lang="es")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "check-result failed" in html and "Todavía no se envió nada." in html
    assert re.search(r'id="e-scale">.*Este campo es obligatorio', html, re.S)
    assert re.search(r'id="e-submitter.email">.*no es una dirección de correo', html, re.S)
    assert store.count() == 0


def test_a_new_case_may_not_take_a_published_id(client, store):
    r = send(client, complete(id="panama-vecinos-vigilantes"))
    assert r.status_code == 200 and store.count() == 0
    assert "is already in the library: choose another id" in unescape(r.get_data(as_text=True))


def test_a_post_without_its_csrf_token_is_refused(client, store):
    form = complete()
    form.setlist("action", ["submit"])
    r = client.post("/submit?lang=es", data=form)
    assert r.status_code == 400
    assert "no se envió desde la página de este sitio" in r.get_data(as_text=True)
    assert store.count() == 0


def test_suggest_an_edit_opens_the_form_prefilled_from_the_case_and_its_translation(client, store):
    case = client.get("/cases/panama-vecinos-vigilantes?lang=es").get_data(as_text=True)
    link = re.search(r'href="(/submit\?edit=panama-vecinos-vigilantes[^"]*)"', case).group(1)
    html = client.get(unescape(link)).get_data(as_text=True)
    assert "<h1>Sugerir una corrección</h1>" in html
    assert 'name="edit_of" value="panama-vecinos-vigilantes"' in html
    assert re.search(r'name="title" type="text" value="Neighbourhood Watch programme of Panama', html)
    assert "translation_of: panama-vecinos-vigilantes" in html and "language: es" in html
    # unchanged, it passes the validator and is stored as an edit of that case, with its translation
    token = csrf(client, unescape(link))
    form = MultiDict()
    for name, value in re.findall(r'<input id="f-[^"]+" name="([^"]+)" type="[^"]+" value="([^"]*)"', html):
        form.add(name, unescape(value))
    for name, value in re.findall(r'<textarea id="f-[^"]+" name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        form.add(name, unescape(value))
    for name, body in re.findall(r'<select id="f-[^"]+" name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        form.add(name, chosen.group(1) if chosen else "")
    for name, value in re.findall(r'<input type="checkbox" name="([^"]+)" value="([^"]+)" checked>', html):
        form.add(name, value)
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html):
        form.add(name, unescape(value))
    form.setlist("action", ["submit"])
    form.setlist("csrf_token", [token])
    r = client.post("/submit?lang=es", data=form)
    tracking_token(r)
    (sub,) = store.list()
    assert sub.kind == "edit" and sub.target_id == "panama-vecinos-vigilantes"
    assert sorted(sub.latest.files) == ["panama-vecinos-vigilantes.es.md", "panama-vecinos-vigilantes.md"]


def test_revise_through_the_tracking_link(client, store):
    token = tracking_token(send(client, complete()))
    (sub,) = store.list()
    store.add_comment(sub.id, "Please add the 2012 annual report's page numbers.", author="Reviewer Ana")
    store.add_comment(sub.id, "internal: check the author", author="Reviewer Ana", public=False)
    store.set_status(sub.id, models.CHANGES_REQUESTED, actor="ana@example.org")
    html = client.get(f"/submit/t/{token}?lang=en").get_data(as_text=True)
    assert "Changes requested: please revise" in html
    assert "Please add the 2012 annual report" in html and "internal: check the author" not in html
    form_page = client.get(f"/submit/t/{token}/revise?lang=en").get_data(as_text=True)
    assert 'value="Neighbourhood patrol agreements"' in form_page  # prefilled from the latest version
    r = send(client, complete(sources__0__pages="pp. 10-14".replace("__0__", "[0].")), path=f"/submit/t/{token}/revise")
    assert r.status_code == 303 and "revised=1" in r.headers["Location"]
    sub = store.get(sub.id)
    assert [x.number for x in sub.revisions] == [1, 2] and sub.status == models.WAITING


def test_a_closed_submission_cannot_be_revised_and_a_wrong_token_finds_nothing(client, store):
    token = tracking_token(send(client, complete()))
    (sub,) = store.list()
    store.set_status(sub.id, models.REJECTED, actor="editor@example.org")
    assert client.get(f"/submit/t/{token}/revise").status_code == 409
    assert "Revise the submission" not in client.get(f"/submit/t/{token}").get_data(as_text=True)
    assert client.get("/submit/t/" + "A" * 43 + "?lang=pt").status_code == 404
    assert "Este link de acompanhamento não é válido" in client.get("/submit/t/nope?lang=pt").get_data(as_text=True)


def test_submitted_fields_are_rendered_inert(client, store):
    form = complete(title="Patrol " + HOSTILE, note=HOSTILE)
    form.setlist("submitter.name", [HOSTILE])
    token = tracking_token(send(client, form))
    (sub,) = store.list()
    store.add_comment(sub.id, HOSTILE, author=HOSTILE)
    for path in (f"/submit/t/{token}", f"/submit/t/{token}/revise"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path


def test_a_10_mb_submission_is_refused_with_413(client, store):
    form = complete(body__context="x" * (10 * 1024 * 1024))
    r = client.post("/submit?lang=es", data=form)
    assert r.status_code == 413 and "demasiado grande" in r.get_data(as_text=True)
    r = client.post("/api/submissions", data=b"{" + b" " * (10 * 1024 * 1024) + b"}", content_type="application/json")
    assert r.status_code == 413 and r.get_json()["error"]["code"] == "request_too_large"
    assert store.count() == 0


def test_submissions_are_rate_limited_per_address(app, client, store):
    app.config["PORTAL_SUBMIT_LIMIT"] = "2/hour"
    for _ in range(2):
        tracking_token(send(client, complete()))
    r = send(client, complete(), lang="es")
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert "Demasiados envíos" in r.get_data(as_text=True)
    api = client.post("/api/submissions", json=api_case())
    assert api.status_code == 429
    assert store.count() == 2


# --- the JSON API -------------------------------------------------------------------------------------------------


def api_case(**changes):
    from webapp import draft

    d = draft.check(complete())
    meta, _ = draft.parse_case_text(d.text)
    body = d.text.split("---\n", 2)[2]
    payload = {**meta, "body": body, **changes}
    return payload


def test_api_accepts_a_valid_case_with_201_and_a_tracking_url(client, store):
    payload = api_case()
    payload["translations"] = {}
    payload["submitter"] = {"institution": "Policía Nacional", "email": "oficina@example.org"}
    r = client.post("/api/submissions", json=payload)
    assert r.status_code == 201, r.get_json()
    got = r.get_json()
    assert got["status"] == "waiting" and got["case_id"] == "neighbourhood-patrol-agreements"
    assert r.headers["Location"] == got["tracking_url"]
    sub = store.get(got["id"])
    assert sub.channel == "api" and sub.submitter_email == "oficina@example.org"
    token = got["tracking_url"].rsplit("/", 1)[1]
    assert store.get_by_token(token).id == got["id"]
    assert client.get(f"/submit/t/{token}").status_code == 200


def test_api_refuses_an_invalid_case_with_422_and_the_validators_problems(client, store):
    r = client.post("/api/submissions?lang=es", json=api_case(scale="planetary", countries=["Panama"]))
    assert r.status_code == 422
    err = r.get_json()["error"]
    assert err["code"] == "invalid_submission" and err["status"] == 422
    fields = {p["field"]: p for p in err["problems"]}
    assert "scale" in fields and "countries[0]" in fields
    assert fields["countries[0]"]["file"] == "neighbourhood-patrol-agreements.md"
    assert "¿quiso decir «PA»?" in fields["countries[0]"]["message"]
    for bad in (b"not json", b"[1, 2]", b'{"id": "Bad Id", "body": ""}', b'{"id": "ok-id"}'):
        r = client.post("/api/submissions", data=bad, content_type="application/json")
        assert r.status_code == 422 and r.get_json()["error"]["problems"], bad
    assert store.count() == 0


def test_api_checks_translations_against_the_case(client, store):
    payload = api_case()
    payload["translations"] = {"es": {"title": "Acuerdos", "status": "complete", "body": "## Contexto y problema\n"}}
    r = client.post("/api/submissions", json=payload)
    assert r.status_code == 422
    files = {p["file"] for p in r.get_json()["error"]["problems"]}
    assert files == {"neighbourhood-patrol-agreements.es.md"}
    assert store.count() == 0


# --- the database gone or locked ----------------------------------------------------------------------------------


def test_portal_answers_503_while_search_and_case_pages_keep_working(app, client, store):
    tracking_token(send(client, complete()))
    store.sqlite_path.unlink()
    for lang, words in (("es", "El portal de envíos no puede acceder"), ("pt", "O portal de envios não consegue")):
        r = send(client, complete(), lang=lang)
        assert r.status_code == 503 and words in r.get_data(as_text=True), lang
    assert client.post("/api/submissions", json=api_case()).status_code == 503
    assert client.get("/search?q=policia&lang=es").status_code == 200
    assert client.get("/cases/panama-vecinos-vigilantes?lang=es").status_code == 200
    assert client.get("/api/search?q=police").status_code == 200
    assert not store.sqlite_path.exists()  # not silently recreated empty


def test_a_locked_database_answers_503_then_recovers(app, client, store):
    app.config["PORTAL_DB_TIMEOUT"] = 0.2
    token = tracking_token(send(client, complete()))
    app.extensions.pop("caselib.portal").dispose()  # reopened with the short timeout
    with app.app_context():
        from webapp.portal import get_store

        path = get_store().sqlite_path
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        r = client.get(f"/submit/t/{token}?lang=es")
        assert r.status_code == 503 and "Inténtelo de nuevo en unos minutos" in r.get_data(as_text=True)
        assert client.get("/search?q=policia").status_code == 200
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert client.get(f"/submit/t/{token}").status_code == 200


def test_store_is_reachable_outside_flask(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    assert s.count() == 0
