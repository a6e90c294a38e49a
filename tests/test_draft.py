"""The draft form: live validation with `caselib check`'s validator, a download that passes --strict, nothing stored."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from werkzeug.datastructures import MultiDict

from caselib.cli import main
from indexer.frontmatter import split
from indexer.loader import read_case
from webapp import draft

ROOT = Path(__file__).resolve().parents[1]
SECTIONS_EN = ["Context and problem", "The practice", "Implementation", "Results and evidence"]
SECTIONS_EN += ["Lessons and replication", "Sources"]
SECTIONS_ES = ["Contexto y problema", "La práctica", "Implementación", "Resultados y evidencia"]
SECTIONS_ES += ["Lecciones y replicación", "Fuentes"]


def complete(language: str = "en", **changes: str) -> MultiDict:
    """A form a documenter filled in completely (what the browser posts)."""
    fields = [
        ("title", "Neighbourhood patrol agreements"),
        ("title_original", "Acuerdos de patrullaje vecinal"),
        ("id", ""),
        ("language", language),
        ("countries", "PA"),
        ("locality", "Panama City"),
        ("scale", "local"),
        ("institution.name", "National Police of Panama"),
        ("institution.name_original", "Policía Nacional de Panamá"),
        ("institution.type", "national-police"),
        ("partners", "Municipality of Panama\r\nResidents' associations: Las Cumbres"),
        ("pillars.primary", "citizen-participation"),
        ("pillars.other", "prevention"),
        ("themes", "community-policing"),
        ("themes", "violence-prevention"),
        ("problems", "theft-burglary"),
        ("problems", "fear-of-crime"),
        ("target_population", "residents"),
        ("setting", "urban"),
        ("mechanism", "Residents and officers agree on patrol priorities, so patrols go where residents see risks."),
        ("resources.staff", "Officers of the community police office"),
        ("resources.training", "not-documented"),
        ("resources.equipment", "not-documented"),
        ("resources.duration", "not-documented"),
        ("resources.budget.amount", ""),
        ("period.start", "2011"),
        ("period.end", ""),
        ("status", "active"),
        ("evidence.stage", "not-evaluated"),
        ("evidence.rating", "not-rated"),
        ("evidence.rationale", "Not evaluated: the sources report no evaluation."),
        ("evaluations_n", "1"),
        ("evaluations[0].design", ""),
        ("evaluations[0].outcomes_n", "2"),
        ("evaluations[0].outcomes[0].measure", ""),
        ("channel", "other"),
        ("sources_n", "2"),
        ("sources[0].title", "Annual report of the National Police: community programmes"),
        ("sources[0].publisher", "National Police of Panama"),
        ("sources[0].year", "2012"),
        ("sources[0].url", "https://example.org/report"),
        ("sources[0].pages", "pp. 10-12"),
        ("sources[1].title", ""),
        ("sources[1].publisher", ""),
        ("sources[1].year", ""),
        ("sources[1].url", ""),
        ("sources[1].pages", ""),
        ("summary.en", "Officers meet residents every month to agree on local patrol priorities in Panama City."),
        ("summary.es", "Los policías se reúnen cada mes con los vecinos para acordar prioridades de patrullaje."),
        ("summary.pt", ""),
        ("related", ""),
        ("contacts_n", "1"),
        ("contacts[0].name", "Community Police Office"),
        ("contacts[0].url", "https://example.org/contact"),
        ("contacts[0].email", "community@example.org"),
        ("documentation.status", "draft"),
        ("documentation.documented_by", "caselib test suite"),
        ("documentation.last_reviewed", "2026-01-15"),
        ("body.context", "Residents of Las Cumbres reported **thefts** at bus stops (annual report, 2012)."),
        ("body.practice", "- Monthly meetings\n- A shared patrol calendar\n\nOfficers and residents agree on routes."),
        ("body.implementation", "Not documented in the sources."),
        ("body.results", "Not evaluated: the sources report no evaluation."),
        ("body.lessons", "Not documented in the sources."),
        ("body.sources", "- National Police of Panama (2012). Annual report."),
    ]
    form = MultiDict(fields)
    if language == "pt":  # a Portuguese body needs its summary in Portuguese too
        pt = "Policiais se reúnem todo mês com moradores para combinar prioridades de patrulha."
        form.setlist("summary.pt", [pt])
    for key, value in changes.items():
        form.setlist(key.replace("__", "."), [value])
    return form


def run(*args: str):
    return CliRunner().invoke(main, list(args), prog_name="caselib", catch_exceptions=False)


def post(client, form: MultiDict, action: str = "check", lang: str = "en"):
    form = MultiDict(form)
    form.setlist("action", [action])
    return client.post(f"/draft?lang={lang}", data=form)


def write_and_check(tmp_path: Path, name: str, text: str, *flags: str):
    folder = tmp_path / "cases"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return run("check", *flags, str(folder))


# --- the page ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang, title", [("en", "Draft a case"), ("es", "Redactar un caso")])
def test_blank_form(client, lang, title):
    r = client.get(f"/draft?lang={lang}")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert f"<h1>{title}</h1>" in html
    assert f'<form class="draft" action="/draft?lang={lang}" method="post">' in html
    for name in draft.SCALARS:
        assert f'name="{name}"' in html, name
    assert 'name="themes"' in html and 'name="pillars.other"' in html
    assert 'class="problem' not in html and "<pre>" not in html and "check-result" not in html
    assert '<option value="not-evaluated" selected>' in html
    assert f'value="{__import__("datetime").date.today().isoformat()}"' in html
    assert "<script>" not in html


@pytest.mark.parametrize("lang", ["en", "es"])
def test_complete_form_checks_clean(client, lang):
    r = post(client, complete(), lang=lang)
    assert r.status_code == 200 and r.mimetype == "text/html"
    html = r.get_data(as_text=True)
    assert "check-result passed" in html
    assert ("The file passes every check" if lang == "en" else "El archivo pasa todas las verificaciones") in html
    assert "cases/neighbourhood-patrol-agreements.md" in html
    assert 'class="problem' not in html


@pytest.mark.parametrize("language, headings", [("en", SECTIONS_EN), ("es", SECTIONS_ES), ("pt", None)])
def test_complete_form_downloads_a_file_that_passes_check_strict(client, tmp_path, language, headings):
    r = post(client, complete(language), action="download")
    assert r.status_code == 200
    assert r.mimetype == "text/markdown"
    assert r.headers["Content-Disposition"] == 'attachment; filename="neighbourhood-patrol-agreements.md"'
    text = r.get_data(as_text=True)
    result = write_and_check(tmp_path, "neighbourhood-patrol-agreements.md", text, "--strict")
    assert result.exit_code == 0, result.output
    assert "1 file(s) checked: 0 error(s), 0 warning(s)" in result.stderr
    meta = yaml.safe_load(split(text)[0])
    assert meta["id"] == "neighbourhood-patrol-agreements" and meta["language"] == language
    assert meta["pillars"] == ["citizen-participation", "prevention"]
    assert meta["partners"] == ["Municipality of Panama", "Residents' associations: Las Cumbres"]
    assert meta["sources"] == [
        {
            "title": "Annual report of the National Police: community programmes",
            "publisher": "National Police of Panama",
            "year": 2012,
            "url": "https://example.org/report",
            "pages": "pp. 10-12",
        }
    ]
    assert meta["period"] == {"start": 2011, "end": None}
    if headings:
        assert re.findall(r"^## (.+)$", text, re.M) == headings
    assert "- Monthly meetings\n- A shared patrol calendar\n\nOfficers" in text


def test_download_by_get_works_too(client, tmp_path):
    form = complete()
    form.setlist("action", ["download"])
    r = client.get("/draft", query_string=form)
    assert r.mimetype == "text/markdown"
    assert (
        write_and_check(tmp_path, "neighbourhood-patrol-agreements.md", r.get_data(as_text=True), "--strict").exit_code
        == 0
    )


def test_a_chosen_id_names_the_file(client):
    r = post(client, complete(id="patrol-agreements-panama"), action="download")
    assert 'filename="patrol-agreements-panama.md"' in r.headers["Content-Disposition"]
    assert "\nid: patrol-agreements-panama\n" in r.get_data(as_text=True)


# --- problems ----------------------------------------------------------------------------------------------------


def test_incomplete_form_lists_problems_next_to_their_fields(client):
    r = post(client, MultiDict({"title": "Patrol agreements", "countries": "Panama", "period.start": "2011x"}))
    html = r.get_data(as_text=True)
    assert "check-result failed" in html
    for name, message in [
        ("scale", "This field is required."),
        ("countries", "'Panama' is not an ISO 3166-1 alpha-2 code: did you mean 'PA'?"),
        ("period.start", "'2011x' is not a year (2009) or year-month"),
        ("institution.name", "This field is required."),
        ("summary.en", "This field is required."),
        ("sources", "This is empty or too short."),
        ("pillars", "This field is required."),
        ("body.context", "This section is empty: write what the sources say"),
    ]:
        block = re.search(rf'<div class="field-problems" id="e-{re.escape(name)}">(.*?)</div>', html, re.S)
        assert block and message in block.group(1).replace("&#39;", "'").replace("&#34;", '"'), name
        assert f'href="#f-{name}"' in html, name
    assert 'id="f-scale" name="scale" aria-invalid="true" aria-describedby="e-scale"' in html
    assert 'value="Patrol agreements"' in html  # what was typed is kept
    # the user's words: no file lines, no repository paths that are not links
    assert not re.search(r"\bline \d", re.sub(r"<[^>]+>", " ", html.split('<details class="preview">')[0]))
    assert "docs/registration-format.md" not in html


def test_problems_are_shown_in_the_page_language(client):
    form = MultiDict({"title": "Patrol agreements", "countries": "Panama", "period.start": "2011x"})
    for lang, required, country, section in [
        ("es", "Este campo es obligatorio.", "¿quiso decir «PA»?", "Esta sección está vacía"),
        ("pt", "Este campo é obrigatório.", "você quis dizer “PA”?", "Esta seção está vazia"),
    ]:
        html = post(client, form, lang=lang).get_data(as_text=True)
        blocks = dict(re.findall(r'<div class="field-problems" id="e-([^"]+)">(.*?)</div>', html, re.S))
        assert required in blocks["scale"] and required in blocks["institution.name"], lang
        assert country in blocks["countries"].replace("&#34;", '"'), lang
        assert section in blocks["body.context"], lang
        for english in ("required field", "is not an ISO", "is empty", "Warning:"):
            assert english not in html.split('<details class="preview">')[0], (lang, english)


def test_download_with_errors_returns_the_form_not_a_file(client):
    r = post(client, MultiDict({"title": "Patrol agreements"}), action="download")
    assert r.mimetype == "text/html" and "Content-Disposition" not in r.headers
    assert "The file has errors: fix them before downloading." in r.get_data(as_text=True)


def test_warnings_allow_a_download_that_fails_only_strict(client, tmp_path):
    r = post(client, complete(body__lessons="", summary__en="TODO: a summary of the practice in English"))
    html = r.get_data(as_text=True)
    assert "check-result warned" in html and "No errors, 2 warnings" in html
    r = post(client, complete(body__lessons="", summary__en="TODO: a summary of the practice in English"), "download")
    assert r.mimetype == "text/markdown"
    text = r.get_data(as_text=True)
    assert write_and_check(tmp_path, "neighbourhood-patrol-agreements.md", text).exit_code == 0
    strict = write_and_check(tmp_path, "neighbourhood-patrol-agreements.md", text, "--strict")
    assert strict.exit_code == 1 and "0 error(s), 2 warning(s)" in strict.stderr


BROKEN = [
    {"countries": "Panama, CO"},
    {"period__end": "2009"},
    {"sources[0]__year": "twenty"},
    {"sources[0]__url": "example.org/report"},
    {"summary__en": "word " * 130},
    {"evidence__rating": "effective"},
    {"documentation__last_reviewed": "15/01/2026"},
    {"contacts[0]__email": "not-an-address"},
    {"id": "Bad Id"},
    {"title": "", "title_original": ""},
    {"themes": "", "pillars__primary": "", "pillars__other": ""},
    {"body__results": "TODO: results", "body__context": "## Extra heading\n\nText."},
]


@pytest.mark.parametrize("changes", BROKEN, ids=[",".join(b) for b in BROKEN])
def test_problems_are_exactly_those_of_caselib_check(tmp_path, changes):
    form = complete(**changes)
    d = draft.check(form)
    assert d.problems, changes
    path = tmp_path / d.file_name
    path.write_text(d.text, encoding="utf-8")
    _, from_disk = read_case(path, shown=f"cases/{d.file_name}")
    assert [str(p) for p in d.problems] == [str(p) for p in from_disk]
    # and each one is placed next to a field or listed for the whole file
    assert sum(len(v) for v in d.by_field.values()) + len(d.general) == len(d.problems)


def test_dangling_related_ids_are_errors(client):
    html = post(client, complete(related="panama-vecinos-vigilantes, no-such-case")).get_data(as_text=True)
    block = re.search(r'id="e-related">(.*?)</div>', html, re.S)
    assert block and "No case in the library has the id(s) no-such-case: check the spelling." in block.group(1)
    assert "panama-vecinos-vigilantes," not in block.group(1)


def test_an_existing_id_is_pointed_out(client):
    html = post(client, complete(id="panama-vecinos-vigilantes")).get_data(as_text=True)
    assert "is already in the library: your file would replace it" in html


def test_add_a_source_and_a_contact_keep_what_was_typed(client):
    html = post(client, complete(), action="add-source").get_data(as_text=True)
    assert 'name="sources_n" value="3"' in html and 'name="sources[2].title"' in html
    assert 'value="Annual report of the National Police: community programmes"' in html
    html = post(client, complete(), action="add-contact").get_data(as_text=True)
    assert 'name="contacts_n" value="2"' in html and 'name="contacts[1].email"' in html


def test_typed_markup_is_escaped(client):
    hostile = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
    html = post(client, complete(title=hostile, body__context=hostile)).get_data(as_text=True)
    assert "<script>alert" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_form_helpers():
    assert draft._codes("pa co; br") == ["PA", "CO", "BR"]
    assert draft._codes("El Salvador, PA") == ["El Salvador", "PA"]
    meta = draft.build_meta(draft.read_form(complete(**{"pillars.other": "citizen-participation"})))
    assert meta["pillars"] == ["citizen-participation"]
    meta = draft.build_meta(draft.read_form(MultiDict({"title_original": "Vecinos Vigilantes (Panamá)"})))
    assert meta["id"] == "vecinos-vigilantes-panama"


def test_a_link_naming_some_fields_uses_the_form_defaults(client):
    d = draft.check(MultiDict({"title": "Patrol agreements"}))
    assert not any(p.field in ("language", "status", "channel", "evidence.stage") for p in d.problems)
    assert "\nlanguage: en\n" in d.text and "last_reviewed:" in d.text


# --- the server writes nothing -----------------------------------------------------------------------------------

SKIP = {".venv", ".git", "__pycache__", ".pytest_cache", ".ruff_cache", "caselib.egg-info"}


def snapshot() -> dict[str, tuple[int, int]]:
    out = {}
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIP]
        for name in files:
            path = Path(folder) / name
            st = path.stat()
            out[str(path.relative_to(ROOT))] = (st.st_mtime_ns, st.st_size)
    return out


def test_the_server_writes_nothing(client, tmp_path, monkeypatch):
    before = snapshot()
    monkeypatch.chdir(tmp_path)  # a relative write would land here
    client.get("/draft")
    post(client, complete())
    post(client, complete(), action="download")
    post(client, MultiDict({"title": "x"}), action="download")
    post(client, complete(), action="add-source")
    client.get("/search/collection.yml?q=police")
    client.get("/compare?ids=panama-vecinos-vigilantes&ids=colombia-jovenes-a-lo-bien")
    assert list(tmp_path.iterdir()) == []
    assert snapshot() == before
