"""Translation files cases/<id>.<lang>.md: loading, checks against the original, report, stamp, index."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from caselib.cli import main
from indexer import translation as tr_mod
from indexer.loader import load_library
from indexer.model import ERROR, WARNING
from indexer.search import Searcher
from indexer.versions import localize_record

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def lib(tmp_path) -> Path:
    """The valid fixtures with their translations (an es complete and a pt partial of the English case,
    an en partial of the Spanish one)."""
    out = tmp_path / "cases"
    out.mkdir()
    for f in [*(DATA / "valid_cases").glob("*.md"), *(DATA / "translations").glob("*.md")]:
        shutil.copy(f, out / f.name)
    return out


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def problems(lib: Path) -> list[tuple[str, str, str]]:
    return [(Path(p.path).name, p.field, p.message) for p in load_library(lib).problems]


def test_translations_attach_to_their_case_and_are_not_cases(lib):
    result = load_library(lib)
    assert result.problems == []
    assert result.files == 6
    assert [c.id for c in result.cases] == ["caso-valido-espanol", "valid-english-case", "valid-ongoing-case"]
    en = next(c for c in result.cases if c.id == "valid-english-case")
    assert [(t.language, t.status) for t in en.translations] == [("es", "complete"), ("pt", "partial")]
    assert en.languages == ["en", "es", "pt"]
    assert en.readable_languages == ["en", "es"]
    assert en.facet_values()["translation"] == ["en", "es"]
    assert en.index_hash != en.content_hash


def test_localized_view_says_which_language_each_part_is_in(lib):
    en = next(c for c in load_library(lib).cases if c.id == "valid-english-case")
    es = en.localized("es")
    assert (es["title"], es["title_lang"]) == ("Plan de policía comunitaria por cuadrantes", "es")
    assert es["summary_lang"] == es["body_lang"] == es["mechanism_lang"] == "es"
    assert es["sections"][0]["heading"] == "Contexto y problema"
    assert es["status"] == "complete" and es["versions"] == {"en": "original", "es": "complete", "pt": "partial"}
    # evaluation texts laid over the original: codes and untranslated keys kept
    ev = es["evaluations"][0]
    assert ev["comparison"] == "zonas emparejadas" and ev["design"] == "quasi-experimental"
    assert ev["outcomes"][0] == {
        "measure": "homicidios",
        "direction": "improvement",
        "size": "not-reported",
        "significance": "not-reported",
    }
    assert es["resources"]["staff"] == "not-documented" and es["resources"]["duration"] == "2010-2015"
    pt = en.localized("pt")  # partial: title and summary only, the body stays the original's
    assert pt["title_lang"] == "pt" and pt["summary_lang"] == "pt"
    assert pt["body_lang"] == "en" and pt["sections"][0]["heading"] == "Context and problem"
    assert pt["mechanism_lang"] == "en"
    fr = en.localized("fr")
    assert fr["status"] == "missing" and fr["title_lang"] == "en" and fr["body_lang"] == "en"
    spanish = next(c for c in load_library(lib).cases if c.id == "caso-valido-espanol")
    assert spanish.localized("es")["title"] == "Vecinos Vigilantes"  # the original's own-language title
    assert spanish.localized("en")["title"].startswith("Neighbourhood watch groups supported by the police (")


@pytest.mark.parametrize(
    "old, new, field, fragment",
    [
        (
            "translation_of: valid-english-case",
            "translation_of: valid-english",
            "translation_of",
            "differs from the file name",
        ),
        ("language: es", "language: pt", "language", "differs from the file name's language 'es'"),
        ("title: Plan de", "titulo: Plan de", "titulo", "unknown key 'titulo'"),
        (
            "      - {measure: homicidios}",
            "      - {measure: homicidios}\n      - {measure: robos}",
            "evaluations[0].outcomes",
            "has 2 outcomes, the original 1",
        ),
        ("## Fuentes", "## Otras fuentes", "body", "the sections differ from the original's"),
        ('resources: {duration: "2010-2015"}', "resources: {staff: diez agentes}", "resources.staff", "keep the token"),
    ],
)
def test_a_translation_that_adds_or_drops_is_an_error(lib, old, new, field, fragment):
    edit(lib / "valid-english-case.es.md", old, new)
    result = load_library(lib)
    found = [p for p in result.problems if p.severity == ERROR]
    assert any(p.field == field and fragment in p.message for p in found), [str(p) for p in found]
    assert all(Path(p.path).name == "valid-english-case.es.md" for p in result.problems)
    case = next(c for c in result.cases if c.id == "valid-english-case")
    assert [t.language for t in case.translations] == ["pt"]  # the broken one is dropped, the case stays


def test_every_figure_of_a_section_must_be_in_its_translation(lib):
    edit(lib / "valid-english-case.es.md", "llegó al resto del país en 2015", "llegó al resto del país después")
    (p,) = load_library(lib).problems
    assert p.severity == WARNING and p.field == "body" and "lacks the figure(s) 2015" in p.message
    assert p.line == 29


def test_numbers_ignore_thousands_separators():
    assert tr_mod.numbers("1,532 groups, 2.398 cells and 1 000 000 reais, 69% and 2.5") == {
        "1532",
        "2398",
        "1000000",
        "69",
        "25",
    }
    assert tr_mod.numbers("1.532 grupos") == tr_mod.numbers("1 532 grupos") == {"1532"}


def test_translation_of_a_missing_case(lib):
    shutil.copy(lib / "valid-english-case.pt.md", lib / "no-such-case.pt.md")
    edit(lib / "no-such-case.pt.md", "translation_of: valid-english-case", "translation_of: no-such-case")
    found = [p for p in load_library(lib).problems]
    assert [(Path(p.path).name, p.field) for p in found] == [("no-such-case.pt.md", "translation_of")]
    assert "does not exist" in found[0].message


def test_a_translation_in_the_originals_language(lib):
    shutil.copy(lib / "caso-valido-espanol.en.md", lib / "caso-valido-espanol.es.md")
    edit(lib / "caso-valido-espanol.es.md", "language: en", "language: es")
    assert any(
        f == "language" and "already in 'es'" in m for n, f, m in problems(lib) if n == "caso-valido-espanol.es.md"
    )


def test_check_a_translation_file_alone(lib, monkeypatch):
    monkeypatch.chdir(lib)
    r = CliRunner().invoke(main, ["check", "--strict", "valid-english-case.es.md"])
    assert r.exit_code == 0, r.output
    edit(lib / "valid-english-case.es.md", "en 2015", "después")
    r = CliRunner().invoke(main, ["check", "--strict", "valid-english-case.es.md"])
    assert r.exit_code == 1 and "lacks the figure(s) 2015" in r.output


def test_report_stamp_and_outdated(lib):
    run = CliRunner().invoke
    r = run(main, ["translations", "--cases", str(lib), "--format", "json"])
    assert r.exit_code == 1
    rows = {(x["id"], x["language"]): x["state"] for x in json.loads(r.stdout)["translations"]}
    assert rows == {
        ("caso-valido-espanol", "en"): "partial",  # complete expected for a Spanish-bodied case
        ("caso-valido-espanol", "pt"): "missing",
        ("valid-english-case", "es"): "unstamped",
        ("valid-english-case", "pt"): "unstamped",
        ("valid-ongoing-case", "es"): "partial",  # an inline summary counts as a partial translation
        ("valid-ongoing-case", "pt"): "partial",  # a Brazil case: pt complete expected
    }
    before = (lib / "valid-english-case.es.md").read_text(encoding="utf-8")
    r = run(main, ["translations", "--cases", str(lib), "--stamp"])
    after = (lib / "valid-english-case.es.md").read_text(encoding="utf-8")
    case = next(c for c in load_library(lib).cases if c.id == "valid-english-case")
    assert after.replace(f"\nsource_hash: {tr_mod.source_hash(case)}", "") == before  # one line added
    r = run(main, ["translations", "--cases", str(lib), "--format", "json"])
    states = {(x["id"], x["language"]): x["state"] for x in json.loads(r.stdout)["translations"]}
    assert ("valid-english-case", "es") not in states
    # the original changes: both translations are outdated; a second --stamp leaves them so ...
    edit(lib / "valid-english-case.md", "by 2015.", "by 2016.")
    run(main, ["translations", "--cases", str(lib), "--stamp"])
    r = run(main, ["translations", "--cases", str(lib), "--format", "json"])
    states = {(x["id"], x["language"]): x["state"] for x in json.loads(r.stdout)["translations"]}
    assert states[("valid-english-case", "es")] == states[("valid-english-case", "pt")] == "outdated"
    # ... until the documenter confirms the one brought up to date
    r = run(main, ["translations", "--cases", str(lib), "--stamp", "--confirm", str(lib / "valid-english-case.pt.md")])
    assert "stamped 1 translation file(s)" in r.stderr
    r = run(main, ["translations", "--cases", str(lib), "--format", "json"])
    states = {(x["id"], x["language"]): x["state"] for x in json.loads(r.stdout)["translations"]}
    assert states[("valid-english-case", "es")] == "outdated" and ("valid-english-case", "pt") not in states


def test_source_hash_follows_translatable_content_only(lib):
    case = next(c for c in load_library(lib).cases if c.id == "valid-english-case")
    h = tr_mod.source_hash(case)
    edit(lib / "valid-english-case.md", "status: documented", "status: reviewed")
    again = next(c for c in load_library(lib).cases if c.id == "valid-english-case")
    assert tr_mod.source_hash(again) == h
    edit(lib / "valid-english-case.md", "comparison: matched areas", "comparison: matched districts")
    again = next(c for c in load_library(lib).cases if c.id == "valid-english-case")
    assert tr_mod.source_hash(again) != h


# --- the index ---------------------------------------------------------------------------------------


def test_one_result_per_case_any_version_matches_and_snippets_follow_the_reader(lib, tmp_path, build, hash_embedder):
    index = tmp_path / "index"
    build(lib, index)
    s = Searcher.open(index, embedder=hash_embedder)
    # Spanish words only in the Spanish translation of the English case
    r = s.search("rotación de agentes dotación estable", mode="keyword", lang="es")
    assert [h.id for h in r.hits] == ["valid-english-case"]
    assert "dotación" in r.hits[0].snippet and r.hits[0].snippet_lang == "es"
    # an English query matching the original: an English reader gets English, a Spanish reader the
    # Spanish version of a part that matched in it, else the English match
    r = s.search("quadrants patrolled fixed team", mode="keyword", lang="en")
    assert r.hits[0].id == "valid-english-case" and r.hits[0].snippet_lang == "en"
    assert len({h.id for h in r.hits}) == len(r.hits)
    hit = r.hits[0]
    assert hit.localized("es")[:2] == ("Plan de policía comunitaria por cuadrantes", "es")
    assert hit.localized("fr")[1] == "en"
    # semantic and hybrid: one result per case too
    for mode in ("semantic", "hybrid"):
        r = s.search("cuadrantes policía", mode=mode, lang="es")
        assert len({h.id for h in r.hits}) == len(r.hits)
    # the translation facet and filter
    assert s.facets()["translation"] == {"en": 2, "es": 2}
    r = s.search("", filters={"translation": ["es"]})
    assert {h.id for h in r.hits} == {"valid-english-case", "caso-valido-espanol"}
    record = s.get("valid-english-case")
    assert localize_record(record, "es")["sections"][0]["heading"] == "Contexto y problema"


def test_incremental_build_reindexes_a_case_when_only_its_translation_changes(lib, tmp_path, build, hash_embedder):
    index = tmp_path / "index"
    build(lib, index)
    again = build(lib, index)
    assert not again.swapped and again.indexed == 0
    edit(lib / "valid-english-case.es.md", "día y noche", "día y noche, en bicicleta")
    report = build(lib, index)
    assert (report.indexed, report.unchanged) == (1, 2)
    s = Searcher.open(index, embedder=hash_embedder)
    assert [h.id for h in s.search("bicicleta", mode="keyword").hits] == ["valid-english-case"]
    # a new translation file, then a removed one
    shutil.copy(lib / "caso-valido-espanol.en.md", lib / "caso-valido-espanol.pt.md")
    edit(lib / "caso-valido-espanol.pt.md", "language: en", "language: pt")
    report = build(lib, index)
    assert (report.indexed, report.unchanged) == (1, 2)
    (lib / "valid-english-case.es.md").unlink()
    report = build(lib, index)
    assert (report.indexed, report.unchanged) == (1, 2)
    s = Searcher.open(index, embedder=hash_embedder)
    assert s.search("bicicleta", mode="keyword").total == 0
    assert s.facets()["translation"] == {"en": 2, "es": 1}
    assert localize_record(s.get("valid-english-case"), "es")["status"] == "missing"


def test_a_complete_translation_translates_every_text_field_the_original_has(lib):
    path = lib / "valid-english-case.es.md"
    text = path.read_text(encoding="utf-8")
    start = text.index("mechanism:")
    path.write_text(text[:start] + text[text.index("evidence:") :], encoding="utf-8")
    found = [p for p in load_library(lib).problems if p.severity == ERROR]
    assert [(p.field, "mechanism is not translated" in p.message) for p in found] == [("mechanism", True)]
    # resources that are all not-documented leave nothing to translate
    edit(path, "status: complete", "status: partial")
    assert load_library(lib).problems == []


def test_case_page_shows_the_version_in_the_readers_language(lib, tmp_path, build, hash_embedder):
    import re

    from webapp import create_app

    index = tmp_path / "index"
    build(lib, index)
    app = create_app({"SEARCHER": Searcher.open(index, embedder=hash_embedder), "INDEX_DIR": str(index)})
    client = app.test_client()

    def page(url: str) -> str:
        r = client.get(url)
        assert r.status_code == 200
        return r.get_data(as_text=True)

    es = page("/cases/valid-english-case?lang=es")
    # a lang attribute only where the text's language differs from the page's (pt: pt-BR)
    assert "<h1>Plan de policía comunitaria por cuadrantes</h1>" in es
    assert '<div class="body">' in es and "<h2>Contexto y problema</h2>" in es
    assert "Traducido del inglés." in es
    assert re.search(r'href="/cases/valid-english-case\?lang=en" hreflang="en" lang="en">English</a>', es)
    assert re.search(r'lang="pt-BR">Português</a> <span class="muted">\(título y resumen\)</span>', es)
    pt = page("/cases/valid-english-case?lang=pt")  # partial: translated title and summary, English body
    assert "<h1>Plano de policiamento comunitário por quadrantes</h1>" in pt
    assert '<div class="body" lang="en">' in pt and "<h2>Context and problem</h2>" in pt
    fr = page("/cases/valid-english-case?lang=fr")  # no French version: the original, said so
    assert "<h1>Quadrant-based community policing plan</h1>" in fr  # the page falls back to English
    assert "Not yet available in French: shown in the original language, English." in fr
    en = page("/cases/caso-valido-espanol?lang=en")  # a Spanish-bodied case with an English partial
    assert "<h1>Neighbourhood watch groups supported by the police (Vecinos Vigilantes)</h1>" in en
    assert '<div class="body" lang="es">' in en
    original = page("/cases/caso-valido-espanol?lang=es")
    assert "<h1>Vecinos Vigilantes</h1>" in original and "Idioma original: español." in original
    api = client.get("/api/cases/valid-english-case?lang=es").get_json()
    assert api["title"] == "Plan de policía comunitaria por cuadrantes" and api["body_lang"] == "es"
    assert [o["code"] for o in api["version"]["also_in"]] == ["en", "pt"]
