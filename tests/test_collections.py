"""Curated collections: loader and validator, `caselib check` on collections, pages, feeds, exports, saved searches."""

from __future__ import annotations

import csv
import io
import logging
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import yaml
from click.testing import CliRunner
from conftest import originals

from caselib.cli import main
from indexer.collections import (
    bad_url,
    case_ids_in,
    collection_files,
    load_collections,
    read_collection,
)
from webapp import create_app
from webapp.saved_search import saved_search_text

ROOT = Path(__file__).resolve().parents[1]
COLLECTIONS = ROOT / "collections"
CASES = ROOT / "cases"
ATOM = "{http://www.w3.org/2005/Atom}"
SHIPPED = {
    "crime-observatories-victimization-surveys": "Crime observatories and victimization surveys",
    "youth-violence-prevention": "Youth violence prevention",
    "police-training-education": "Police training and education in the Americas",
    "outside-practice-repositories": "Outside repositories of documented police practices",
    "extortion-and-gangs": "Extortion and gangs",
    "violence-against-women-femicide": "Violence against women and femicide",
    "police-use-of-force-accountability": "Police use of force and accountability",
    "prisons-and-reoffending": "Prisons and reoffending",
    "homicide-reduction": "Homicide reduction",
    "evaluated-practices-mixed-or-no-effect": "Evaluated practices that did not work or had mixed results",
}
COLLECTION = "youth-violence-prevention"
VALID_CASE = "valid-english-case"  # a self-contained case of the test data (no related ids)
WEB_CASE = "panama-vecinos-vigilantes"  # the same place in collections the web app checks against the shipped cases
VALID_DIR = Path(__file__).resolve().parent / "data" / "valid_cases"

GOOD = f"""\
id: demo
title:
  en: A demo collection
  es: Una colección de prueba
description:
  en: A collection written by the test suite.
  es: Una colección escrita por las pruebas.
curator:
  name: Test community
  type: community
language: en
updated: "2026-01-15"
cases:
  - id: {VALID_CASE}
    note: A note on why this case is here.
links:
  - title: An outside page
    url: https://example.org/page
    note: What it is.
"""


def run(*args: str):
    return CliRunner().invoke(main, list(args), prog_name="caselib", catch_exceptions=False)


def html_of(client, url: str, status: int = 200) -> str:
    r = client.get(url)
    assert r.status_code == status, (url, r.status_code, r.get_data(as_text=True)[:300])
    return r.get_data(as_text=True)


@pytest.fixture
def work(tmp_path, monkeypatch) -> Path:
    """A working directory with one valid case in cases/ and an empty collections/."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cases").mkdir()
    shutil.copy(VALID_DIR / f"{VALID_CASE}.md", tmp_path / "cases")
    (tmp_path / "collections").mkdir()
    return tmp_path


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


# --- the shipped collections -------------------------------------------------------------------------------------


def test_shipped_collections_are_valid_even_under_strict():
    result = load_collections(COLLECTIONS, case_ids_in([CASES]))
    assert result.problems == []
    assert {c.id: c.title("en") for c in result.collections} == SHIPPED
    for c in result.collections:
        assert c.title("es") != c.title("en") and c.description("es") != c.description("en")
        assert c.curator["type"] in ("community", "institution")
        assert len(set(c.case_ids)) == len(c.case_ids)
        assert all(c.note(e, lang)[0].strip() for e in c.entries for lang in ("en", "es", "pt"))
        # every shipped collection is trilingual: a title, a description and a note per case in en, es and pt
        assert c.title("pt") != c.title("en") and c.description("pt") != c.description("en")
        assert all(c.note(e, lang)[1] == lang for e in c.entries for lang in ("en", "es", "pt")), c.id


def test_the_mixed_results_collection_holds_only_cases_rated_from_evaluations():
    """Its promise: every case is evaluated and rated mixed, no effect or insufficient evidence."""
    c = next(x for x in load_collections(COLLECTIONS, case_ids_in([CASES])).collections if x.id.startswith("evaluated"))
    for cid in c.case_ids:
        front = (CASES / f"{cid}.md").read_text(encoding="utf-8").split("\n---", 1)[0].lstrip("-")
        evidence = yaml.safe_load(front)["evidence"]
        assert evidence["rating"] in ("mixed", "no-effect", "insufficient-evidence"), cid
        assert evidence["stage"] in ("evaluated", "independently-evaluated", "replicated"), cid


def test_the_repositories_collection_lists_the_report_repositories():
    c = next(x for x in load_collections(COLLECTIONS, case_ids_in([CASES])).collections if x.id.startswith("outside"))
    text = yaml.safe_dump(c.data, allow_unicode=True)
    for name in ("Santa Fe", "PDI", "Policía Nacional", "SIPAL"):
        assert name in text, name
    urls = [x["url"] for x in c.links]
    assert "http://comunidadesegura.org/es/ARTICULO-premiadas-buenas-practicas-policiales-en-chile" in urls
    assert "https://es.scribd.com/document/48811076/BUENAS-PRACTICAS-PARA-UNIDADES" in urls
    assert "https://fr.scribd.com/document/50788618/sipal-metodologia-de-analisis" in urls
    # every address is one docs/practice-repositories.md or a case's sources record
    known = (ROOT / "docs" / "practice-repositories.md").read_text(encoding="utf-8")
    known += (CASES / "chile-pdi-results-based-management.md").read_text(encoding="utf-8")
    assert all(u in known for u in urls)
    assert c.case_ids == ["chile-pdi-results-based-management"]


def test_check_on_defaults_validates_cases_and_collections(monkeypatch):
    monkeypatch.chdir(ROOT)
    result = run("check", "--strict")
    assert result.exit_code == 0, result.output
    # check counts every case file it reads: originals and translation files (<id>.<lang>.md)
    n_cases = len([f for f in CASES.glob("*.md") if f.name.lower() != "readme.md"])
    assert f"({n_cases} case file(s), {len(SHIPPED)} collection(s)): 0 error(s), 0 warning(s)" in result.stderr


def test_check_of_a_case_folder_alone_keeps_its_output(monkeypatch):
    monkeypatch.chdir(ROOT)
    result = run("check", "cases")
    assert result.exit_code == 0
    assert "collection" not in result.stderr


# --- `caselib check` on collections: path:line -------------------------------------------------------------------


def test_a_dangling_case_id_fails_check_with_path_line_and_a_hint(work):
    text = GOOD.replace(
        f"  - id: {VALID_CASE}\n    note: A note on why this case is here.\n",
        f"  - id: {VALID_CASE}\n    note: A note on why this case is here.\n"
        "  - id: valid-englsh-case\n    note: A misspelt id.\n",
    )
    write(work / "collections", "demo.yml", text)
    line = next(i for i, x in enumerate(text.splitlines(), 1) if x.strip() == "- id: valid-englsh-case")
    expected = (
        f"collections/demo.yml:{line}: cases[1].id: unknown case id 'valid-englsh-case': "
        f"no case file has that id; did you mean '{VALID_CASE}'?"
    )
    for args in (("check",), ("check", "collections/demo.yml"), ("check", "cases", "--collections", "collections")):
        result = run(*args)
        assert result.exit_code == 1, (args, result.output)
        assert expected in result.stdout.splitlines(), (args, result.stdout)
        assert "1 error(s)" in result.stderr


def test_check_json_counts_collections(work):
    write(work / "collections", "demo.yml", GOOD.replace(VALID_CASE, "no-such-case"))
    import json

    data = json.loads(run("check", "--format", "json").stdout)
    assert data["files"] == 2 and data["collections"] == 1
    assert data["valid"] == 1 and data["errors"] == 1
    assert data["problems"][0]["path"] == "collections/demo.yml"
    assert data["problems"][0]["field"] == "cases[0].id"


def test_a_valid_collection_passes_check(work):
    write(work / "collections", "demo.yml", GOOD)
    result = run("check", "--strict")
    assert result.exit_code == 0, result.output
    assert "2 file(s) checked (1 case file(s), 1 collection(s)): 0 error(s), 0 warning(s)" in result.stderr


BAD = [
    ("bad url", ("https://example.org/page", "htp://example.org/page"), "links[0].url", "is not a web address"),
    ("no host", ("https://example.org/page", "https://nohost"), "links[0].url", "has no valid host name"),
    ("url space", ("https://example.org/page", "https://exa mple.org"), "links[0].url", "is not a web address"),
    ("unknown key", ("curator:\n", "curater:\n"), "curater", "unknown key 'curater': did you mean 'curator'?"),
    ("curator type", ("type: community", "type: comunity"), "curator.type", "did you mean 'community'?"),
    ("id mismatch", ("id: demo", "id: other-name"), "id", "differs from the file name 'demo'"),
    ("bad date", ('updated: "2026-01-15"', 'updated: "2026-02-30"'), "updated", "is not a real date"),
    ("date form", ('updated: "2026-01-15"', "updated: 15/01/2026"), "updated", "is not a date"),
    ("language", ("language: en", "language: english"), "language", "is not allowed"),
    ("missing es", ("  es: Una colección de prueba\n", ""), "title.es", "required field 'es' is missing"),
    ("no note", ("    note: A note on why this case is here.\n", ""), "cases[0].note", "required field 'note'"),
    ("bad id", (f"- id: {VALID_CASE}", "- id: Panama Vecinos"), "cases[0].id", "is not an id"),
    (
        "note no en",
        ("note: A note on why this case is here.", "note:\n      es: Una nota."),
        "cases[0].note.en",
        "required field 'en' is missing",
    ),
    (
        "note lang",
        ("note: A note on why this case is here.", "note:\n      en: A note.\n      fr: Une note."),
        "cases[0].note.fr",
        "unknown key 'fr'",
    ),
    ("note list", ("note: A note on why this case is here.", "note: [a, b]"), "cases[0].note", "expected text or"),
    (
        "note short",
        ("note: A note on why this case is here.", "note:\n      en: A note.\n      pt: x"),
        "cases[0].note.pt",
        "too short",
    ),
    ("duplicate key", ("language: en\n", "language: en\nlanguage: es\n"), "language", "key appears twice"),
]


@pytest.mark.parametrize("name, change, field, message", BAD, ids=[b[0] for b in BAD])
def test_bad_collections_fail_with_path_line_field_message(work, name, change, field, message):
    old, new = change
    assert old in GOOD
    text = GOOD.replace(old, new, 1)
    write(work / "collections", "demo.yml", text)
    result = run("check", "collections/demo.yml")
    assert result.exit_code == 1, result.output
    lines = [x for x in result.stdout.splitlines() if f": {field}: " in x]
    assert lines, result.stdout
    assert any(message in x for x in lines), lines
    for x in result.stdout.splitlines():
        assert re.match(r"^collections/demo\.yml:\d+: (warning: )?[\w.\[\]]*:? ?\S", x), x
    # the line points at the changed text (or, for a missing key, at its parent)
    m = re.match(r"^collections/demo\.yml:(\d+): ", lines[0])
    changed = new.strip().splitlines()[-1] if new.strip() else None
    if changed:
        assert changed in text.splitlines()[int(m.group(1)) - 1], (lines[0], changed)


def test_duplicate_cases_empty_collection_and_yaml_errors(work):
    dup = GOOD.replace("links:", f"  - id: {VALID_CASE}\n    note: The same case again, by mistake.\nlinks:")
    write(work / "collections", "dup.yml", dup.replace("id: demo", "id: dup"))
    empty = re.sub(r"cases:\n(?:  .*\n)+", "cases: []\n", GOOD).replace("id: demo", "id: empty")
    empty = empty[: empty.index("links:")]
    write(work / "collections", "empty.yml", empty)
    write(work / "collections", "broken.yml", "id: broken\ntitle: [unclosed\n")
    write(work / "collections", "blank.yml", "")
    out = run("check", "collections").stdout
    assert (
        f"collections/dup.yml:{line_of(dup, 'The same case') - 1}: cases[1].id: '{VALID_CASE}' is already listed" in out
    )
    assert "collections/empty.yml:" in out and "lists no case and no link" in out
    assert re.search(r"collections/broken\.yml:[23]: YAML syntax error", out)
    assert "collections/blank.yml:1: the file is empty" in out


def test_todo_placeholders_are_warnings_failing_only_strict(work):
    write(work / "collections", "demo.yml", GOOD.replace("A note on why this case is here.", '"TODO: why it matters"'))
    plain = run("check")
    assert plain.exit_code == 0, plain.output
    line = line_of(GOOD, "A note on why")
    assert f"collections/demo.yml:{line}: warning: cases[0].note: still holds a TODO placeholder" in plain.stdout
    assert run("check", "--strict").exit_code == 1


def test_bad_url_rule():
    assert not bad_url("https://www.oas.org/en/page?x=1")
    assert not bad_url("http://comunidadesegura.org/es/ARTICULO")
    assert not bad_url("https://localhost:8000/x")
    assert bad_url("https://TODO") and bad_url("http://x") and bad_url("https://example.org:99999/")
    assert not bad_url("not a url")  # left to the schema's pattern


def test_loader_never_stops_at_a_bad_file(tmp_path):
    write(tmp_path, "demo.yml", GOOD)
    write(tmp_path, "bad.yml", GOOD.replace("id: demo", "id: bad").replace(VALID_CASE, "nope"))
    write(tmp_path, "notes.txt", "ignored")
    assert [f.name for f in collection_files(tmp_path)] == ["bad.yml", "demo.yml"]
    result = load_collections(tmp_path, {VALID_CASE})
    assert [c.id for c in result.collections] == ["demo"]
    assert [p.field for p in result.errors()] == ["cases[0].id"]
    # without case ids, the dangling check is skipped
    col, problems = read_collection(tmp_path / "bad.yml", None)
    assert col is not None and problems == []


# --- pages -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "es"])
def test_collections_index_lists_every_collection(client, lang):
    html = html_of(client, f"/collections?lang={lang}")
    assert f'<html lang="{lang}">' in html
    data = client.get(f"/api/collections?lang={lang}").get_json()
    assert data["total"] == len(SHIPPED)
    for c in data["collections"]:
        assert f'href="/collections/{c["id"]}?lang={lang}"' in html
        assert c["title"] in html.replace("&#39;", "'")
    titles = {c["id"]: c["title"] for c in data["collections"]}
    if lang == "es":
        assert titles[COLLECTION] == "Prevención de la violencia juvenil"
        assert "Colecciones" in html
    else:
        assert titles == SHIPPED


def test_header_links_to_collections(client):
    for lang in ("en", "es"):
        html = html_of(client, f"/?lang={lang}")
        assert f'href="/collections?lang={lang}"' in html
        assert f'href="/draft?lang={lang}"' in html


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("cid", sorted(SHIPPED))
def test_every_shipped_collection_renders_in_both_languages(client, cid, lang):
    html = html_of(client, f"/collections/{cid}?lang={lang}")
    d = client.get(f"/api/collections/{cid}?lang={lang}").get_json()
    source = yaml.safe_load((COLLECTIONS / f"{cid}.yml").read_text(encoding="utf-8"))
    assert d["title"] == source["title"][lang]
    assert [c["id"] for c in d["cases"]] == [c["id"] for c in source["cases"]]
    assert [c["position"] for c in d["cases"]] == list(range(1, len(source["cases"]) + 1))
    positions = [html.index(f'href="/cases/{c["id"]}?lang={lang}"') for c in d["cases"]]
    assert positions == sorted(positions), "cases appear in the curator's order"
    for x in source.get("links", []):
        assert f'href="{x["url"]}"' in html
    assert f'href="/collections/{cid}.atom?lang={lang}"' in html
    assert f'href="/collections/{cid}.md?lang={lang}"' in html
    assert f'href="/collections/{cid}.csv?lang={lang}"' in html
    assert 'type="application/atom+xml"' in html


@pytest.mark.parametrize("url", ["/collections/no-such", "/collections/..%2f..%2fetc%2fpasswd", "/collections/Bad.Id"])
def test_unknown_collection_is_404(client, url):
    assert client.get(url).status_code == 404
    assert client.get(url + ".atom").status_code == 404
    r = client.get("/api" + url)
    assert r.status_code == 404 and r.get_json()["error"]["status"] == 404


@pytest.mark.parametrize("lang", ["en", "es"])
def test_atom_feed_parses(client, lang):
    r = client.get(f"/collections/{COLLECTION}.atom?lang={lang}")
    assert r.status_code == 200 and r.mimetype == "application/atom+xml"
    feed = ET.fromstring(r.data)
    d = client.get(f"/api/collections/{COLLECTION}?lang={lang}").get_json()
    assert feed.find(f"{ATOM}title").text == f"caselib: {d['title']}"
    assert urlsplit(feed.find(f"{ATOM}id").text).path == f"/collections/{COLLECTION}"
    assert re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T00:00:00(Z|\+00:00)", feed.find(f"{ATOM}updated").text)
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == len(d["cases"]) + len(d["links"])
    for entry, case in zip(entries, d["cases"], strict=False):
        assert entry.find(f"{ATOM}title").text == case["title"]
        assert urlsplit(entry.find(f"{ATOM}link").get("href")).path == f"/cases/{case['id']}"
        assert entry.find(f"{ATOM}summary").text == " ".join(case["note"].split())
        assert re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T00:00:00(Z|\+00:00)", entry.find(f"{ATOM}updated").text)


def test_atom_feed_of_outside_links(client):
    feed = ET.fromstring(client.get("/collections/outside-practice-repositories.atom").data)
    ids = [e.find(f"{ATOM}id").text for e in feed.findall(f"{ATOM}entry")]
    assert "https://fr.scribd.com/document/50788618/sipal-metodologia-de-analisis" in ids
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("lang, heading", [("en", "## Cases"), ("es", "## Casos")])
def test_markdown_export(client, lang, heading):
    r = client.get(f"/collections/{COLLECTION}.md?lang={lang}")
    assert r.status_code == 200 and r.mimetype == "text/markdown"
    assert f'filename="{COLLECTION}.md"' in r.headers["Content-Disposition"]
    text = r.get_data(as_text=True)
    d = client.get(f"/api/collections/{COLLECTION}?lang={lang}").get_json()
    assert text.startswith(f"# {d['title']}\n")
    assert heading in text
    positions = [text.index(f"### {c['position']}. [") for c in d["cases"]]
    assert positions == sorted(positions)
    for c in d["cases"]:
        assert f"/cases/{c['id']}?lang={lang})" in text
        assert "> " + c["note"].split()[0] in text


def test_markdown_export_lists_outside_links(client):
    text = client.get("/collections/outside-practice-repositories.md").get_data(as_text=True)
    assert "## Outside links" in text
    assert "(http://comunidadesegura.org/es/ARTICULO-premiadas-buenas-practicas-policiales-en-chile)" in text


@pytest.mark.parametrize("lang, header", [("en", "Curator's note"), ("es", "Nota de quien cura la colección")])
def test_csv_export(client, lang, header):
    r = client.get(f"/collections/{COLLECTION}.csv?lang={lang}")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert f'filename="{COLLECTION}.csv"' in r.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    d = client.get(f"/api/collections/{COLLECTION}?lang={lang}").get_json()
    assert header in rows[0] and rows[0][:2] == ["#", "id"]
    assert [row[1] for row in rows[1:]] == [c["id"] for c in d["cases"]]
    note = rows[0].index(header)
    assert [row[note] for row in rows[1:]] == [" ".join(c["note"].split()) for c in d["cases"]]
    assert all(len(row) == len(rows[0]) for row in rows)


HOSTILE = GOOD.replace(
    "A note on why this case is here.",
    '"<script>alert(1)</script> and [a link](javascript:alert(2)) <img src=x onerror=alert(3)>"',
).replace("Test community", '"<b onmouseover=alert(4)>Curators</b>"')


@pytest.fixture()
def folder_app(hash_searcher, tmp_path):
    def make(**files: str):
        for name, text in files.items():
            text = text.replace("id: demo", f"id: {name}", 1).replace(VALID_CASE, WEB_CASE)
            write(tmp_path, f"{name}.yml", text)
        return create_app({"SEARCHER": hash_searcher, "TESTING": True, "COLLECTIONS_DIR": str(tmp_path)})

    return make


TRILINGUAL = GOOD.replace(
    "    note: A note on why this case is here.\n",
    "    note:\n      en: Why it is here, in English.\n      es: Por qué está aquí, en español.\n"
    "      pt: Por que está aqui, em português.\n",
).replace("    note: What it is.\n", "    note:\n      en: What the page is.\n")
SPANISH_NOTES = GOOD.replace("language: en", "language: es").replace(
    "A note on why this case is here.", "Una nota en español sobre este caso."
)


def test_a_note_is_text_in_the_collection_language_or_a_mapping_with_english(work):
    write(work / "collections", "demo.yml", TRILINGUAL)
    (tri,), problems = load_collections(work / "collections", {VALID_CASE}).collections, []
    assert run("check", "--strict", "collections/demo.yml").exit_code == 0
    entry, link = tri.entries[0], tri.links[0]
    assert tri.note(entry, "es") == ("Por qué está aquí, en español.", "es")
    assert tri.note(entry, "pt") == ("Por que está aqui, em português.", "pt")
    assert tri.note(entry, "en") == ("Why it is here, in English.", "en")
    assert tri.note(link, "es") == ("What the page is.", "en")  # no Spanish: the English original
    write(work / "collections", "demo.yml", SPANISH_NOTES)
    (plain,) = load_collections(work / "collections", {VALID_CASE}).collections
    for lang in ("en", "es", "pt"):
        assert plain.note(plain.entries[0], lang) == ("Una nota en español sobre este caso.", "es")
    assert problems == []


def test_collection_pages_and_exports_show_the_note_in_the_page_language(folder_app):
    client = folder_app(tri=TRILINGUAL, plain=SPANISH_NOTES).test_client()
    es = html_of(client, "/collections/tri?lang=es")
    assert "Por qué está aquí, en español." in es and "Why it is here" not in es
    assert "Notas en" not in es  # every note is in the page language
    assert '<div class="note" lang="en"><p>What the page is.' in es  # the untranslated link note keeps its language
    en = html_of(client, "/collections/tri?lang=en")
    assert "Why it is here, in English." in en and "Por qué" not in en
    d = client.get("/api/collections/tri?lang=es").get_json()
    assert (d["cases"][0]["note"], d["cases"][0]["note_lang"]) == ("Por qué está aquí, en español.", "es")
    assert (d["links"][0]["note"], d["links"][0]["note_lang"]) == ("What the page is.", "en")
    assert "> Por qué está aquí" in client.get("/collections/tri.md?lang=es").get_data(as_text=True)
    assert "Por qué está aquí, en español." in client.get("/collections/tri.csv?lang=es").data.decode("utf-8-sig")
    assert b"Por qu\xc3\xa9 est\xc3\xa1 aqu\xc3\xad" in client.get("/collections/tri.atom?lang=es").data
    # a note written as text stays in its language, marked for screen readers and translators
    en = html_of(client, "/collections/plain?lang=en")
    assert '<div class="note"><span class="note-label">Curator&#39;s note</span><div lang="es">' in en
    assert "Una nota en español sobre este caso." in en and "Notes in Spanish" in en
    es = html_of(client, "/collections/plain?lang=es")
    assert '<div class="note"><span class="note-label">Nota de quien cura la colección</span><div>' in es
    assert client.get("/api/collections/plain?lang=en").get_json()["cases"][0]["note_lang"] == "es"


def test_notes_and_curators_are_escaped_and_sanitised(folder_app):
    client = folder_app(hostile=HOSTILE).test_client()
    for url in ("/collections/hostile", "/collections", "/collections/hostile.atom"):
        body = html_of(client, url)
        assert "<script>alert" not in body and "<img" not in body and "<b onmouseover" not in body
        assert 'href="javascript:' not in body.lower()
    # the Markdown export is the curator's text verbatim, as a download that browsers never render here
    r = client.get("/collections/hostile.md")
    assert r.mimetype == "text/markdown" and r.headers["Content-Disposition"].startswith("attachment")
    assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_broken_collections_are_skipped_and_logged_never_a_500(folder_app, caplog):
    client = folder_app(
        good=GOOD,
        dangling=GOOD.replace(VALID_CASE, "no-such-case"),
        broken="id: broken\ntitle: [\n",
        wrong="- just\n- a list\n",
    ).test_client()
    with caplog.at_level(logging.WARNING):
        html = html_of(client, "/collections")
    assert 'href="/collections/good?lang=en"' in html
    assert "/collections/dangling" not in html and "/collections/broken" not in html
    assert client.get("/collections/dangling").status_code == 404
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "collection skipped" in logged and "unknown case id 'no-such-case'" in logged
    assert "broken.yml" in logged and "wrong.yml" in logged


def test_collections_reload_when_a_file_changes(folder_app, tmp_path):
    client = folder_app(good=GOOD).test_client()
    assert "A demo collection" in html_of(client, "/collections/good")
    path = tmp_path / "good.yml"
    path.write_text(path.read_text().replace("A demo collection", "A renamed collection"), encoding="utf-8")
    import os

    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert "A renamed collection" in html_of(client, "/collections/good")


def test_missing_collections_folder_is_an_empty_list(hash_searcher, tmp_path):
    app = create_app({"SEARCHER": hash_searcher, "TESTING": True, "COLLECTIONS_DIR": str(tmp_path / "none")})
    client = app.test_client()
    assert client.get("/api/collections").get_json()["total"] == 0
    assert "No collection has been published yet." in html_of(client, "/collections")


# --- saved search -> collection ----------------------------------------------------------------------------------

SEARCH = "q=community+policing&countries=CO&countries=CL&sort=date"


def test_results_page_links_save_as_collection(client):
    html = html_of(client, f"/search?{SEARCH}&lang=es")
    m = re.search(r'<a class="save" href="([^"]+)"', html)
    assert m, "no Save as collection link"
    href = m.group(1).replace("&amp;", "&")
    assert urlsplit(href).path == "/search/collection.yml"
    assert set(parse_qsl(urlsplit(href).query)) == set(parse_qsl(SEARCH + "&lang=es"))
    assert "Guardar como colección" in html


def saved(client, qs: str) -> tuple[str, str]:
    r = client.get("/search/collection.yml?" + qs)
    assert r.status_code == 200 and r.mimetype == "application/yaml"
    name = re.search(r'filename="([^"]+)"', r.headers["Content-Disposition"]).group(1)
    return name, r.get_data(as_text=True)


def test_saved_search_round_trips_into_a_valid_collection(client, work):
    name, text = saved(client, SEARCH)
    assert name == "community-policing-colombia-chile.yml"  # the query and the filters' labels
    data = yaml.safe_load(text)
    hits = [h["id"] for h in client.get(f"/api/search?{SEARCH}").get_json()["results"]]
    assert hits and [c["id"] for c in data["cases"]] == hits
    assert data["search"] == {"q": "community policing", "sort": "date", "filters": {"countries": ["CO", "CL"]}}
    for case in originals(CASES):
        shutil.copy(case, work / "cases")
    write(work / "collections", name, text)
    plain = run("check")
    assert plain.exit_code == 0, plain.output  # TODO notes are warnings
    assert "still holds a TODO placeholder" in plain.stdout
    assert run("check", "--strict").exit_code == 1
    # a curator fills in the placeholders: then it passes --strict
    filled = re.sub(r"'?TODO: [^'\n]*'?", "Filled in by the curator of this collection.", text)
    write(work / "collections", name, filled)
    strict = run("check", "--strict")
    assert strict.exit_code == 0, strict.output


def test_a_saved_collection_renders_and_reruns_its_search(client, folder_app):
    name, text = saved(client, SEARCH)
    cid = name.removesuffix(".yml")
    filled = re.sub(r"'?TODO: [^'\n]*'?", "Filled in by the curator of this collection.", text)
    app = folder_app(**{cid: filled})
    c2 = app.test_client()
    html = html_of(c2, f"/collections/{cid}")
    m = re.search(r'<a href="([^"]+)">Run the saved search again</a>', html)
    assert m
    rerun = m.group(1).replace("&amp;", "&")
    assert set(parse_qsl(urlsplit(rerun).query)) == set(parse_qsl(SEARCH + "&lang=en"))
    again = [h["id"] for h in c2.get("/api/search?" + urlsplit(rerun).query).get_json()["results"]]
    assert again == [c["id"] for c in c2.get(f"/api/collections/{cid}").get_json()["cases"]]


def test_saved_search_without_query_or_results(client):
    name, text = saved(client, "")
    assert name == "saved-search.yml"
    assert yaml.safe_load(text)["title"]["en"] == "Saved search: all cases"
    name, text = saved(client, "q=zyxwvq+qqqq&mode=keyword")
    data = yaml.safe_load(text)
    assert data["cases"] == [] and "found no case" in text


def test_saved_search_text_is_pure_and_titles_use_labels():
    text = saved_search_text(
        {"q": "homicidios", "filters": {"themes": ["youth-violence-prevention"]}, "year_from": 2005},
        [("brazil-fica-vivo-homicide-control", "Fica Vivo!")],
        lang="es",
        filter_labels={"en": {"youth-violence-prevention": "Youth violence prevention"}, "es": {}},
    )
    data = yaml.safe_load(text)
    assert data["id"] == "homicidios-youth-violence-prevention-2005"
    assert data["title"]["en"] == "Saved search: homicidios, Youth violence prevention, 2005–…"
    assert data["language"] == "es" and data["search"]["year_from"] == 2005
    assert "# Fica Vivo!\n- id: brazil-fica-vivo-homicide-control" in text


def test_required_field_messages_point_at_anchors_in_the_docs():
    """`required field 'x' is missing ... see docs/collections.md#x`: the anchor must exist."""
    from indexer.collections import schema

    doc = (ROOT / "docs" / "collections.md").read_text(encoding="utf-8")
    anchors = set(re.findall(r'<a id="([^"]+)"></a>', doc))
    required: set[str] = set()

    def walk(node):
        required.update(node.get("required", []))
        for sub in node.get("properties", {}).values():
            walk(sub)
            if isinstance(sub.get("items"), dict):
                walk(sub["items"])

    walk(schema())
    assert required and required <= anchors, required - anchors
    for field in schema()["properties"]:
        assert f"`{field}`" in doc, field
