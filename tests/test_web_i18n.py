"""Spanish and Portuguese everywhere: every route crawled in es and pt holds none of the English UI messages.

The English strings looked for are the catalog's msgids (those whose translation differs), the English
vocabulary labels and the English country names. Text the page marks as another language (lang="en" on
a case written in English, xml:lang in feeds) is the case's own text, not the UI, and is not looked at.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from indexer import vocab
from webapp import i18n

ROOT = Path(__file__).resolve().parents[1]
TR = ROOT / "webapp" / "translations"
CASE = "panama-vecinos-vigilantes"
FIELD = re.compile(r"\\\{\w*\\\}")


def catalog(lang: str):
    with (TR / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f)


def english_patterns(lang: str) -> tuple[list[tuple[str, re.Pattern]], set[str]]:
    """(msgid, pattern) of every English message whose translation differs, and the English labels
    (vocabulary and countries) that differ from ``lang``'s: looked for as whole text nodes."""
    patterns = []
    for m in catalog(lang):
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        for msgid in ids:
            if msgid in strings:
                continue
            literal = re.sub(r"\{\w*\}", "", msgid)
            if len(re.findall(r"[A-Za-z]", literal)) < 4:
                continue  # "{detail}", "{errors} and {warnings}": too little text to tell
            body = re.escape(msgid.strip()).replace(r"\{n\}", r"[\d.,\s]+")  # {n}: a number
            body = FIELD.sub(".+?", body)
            if " " in msgid.strip():
                patterns.append((msgid, re.compile(rf"(?<![\w-]){body}(?![\w-])")))
            else:  # a single word ("Search", "Status"): only as a whole text node
                patterns.append((msgid, re.compile(rf"^{body}$")))
    labels = set()
    for entries in vocab.vocabulary().values():
        for entry in entries.values():
            if entry["en"] != entry.get(lang):
                labels.add(entry["en"])
    for code in ("BR", "MX", "US", "BZ", "TT", "KN", "DO", "PA", "PE", "HT", "CA", "JM", "BO"):
        if vocab.country_name(code, "en") != vocab.country_name(code, lang):
            labels.add(vocab.country_name(code, "en"))
    return patterns, labels


class Visible(HTMLParser):
    """The text nodes (and visible attributes) of a page in the page's language: elements marked with
    another lang/xml:lang, code, pre, script and style are left out."""

    # <title> repeats the <h1>, which is checked with its lang; it cannot carry one itself
    SKIP = {"script", "style", "pre", "code", "title"}  # and translate="no": bibliographic references as published
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self, page_lang: str):
        super().__init__(convert_charrefs=True)
        self.page_lang = page_lang
        self.stack: list[tuple[str, bool]] = []  # (tag, shown)
        self.texts: list[str] = []

    def shown(self) -> bool:
        return all(s for _, s in self.stack)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        lang = a.get("lang") or a.get("xml:lang")
        other = bool(lang) and not lang.startswith(self.page_lang)
        if self.shown() and not other and tag != "link":  # a feed link's title names the collection
            for name in ("title", "placeholder", "aria-label", "alt"):
                if a.get(name):
                    self.texts.append(a[name].strip())
        if tag not in self.VOID:
            self.stack.append((tag, not other and tag not in self.SKIP and a.get("translate") != "no"))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        text = " ".join(data.split())
        if text and self.shown():
            self.texts.append(text)


def english_found(texts: list[str], lang: str) -> list[str]:
    patterns, labels = english_patterns(lang)
    found = []
    for text in texts:
        stripped = text.strip(" ·:;,.()×→←")
        if stripped in labels:
            found.append(f"{stripped!r} (label)")
        for msgid, pattern in patterns:
            if pattern.search(text) or pattern.search(stripped):
                found.append(f"{msgid!r} in {text[:120]!r}")
    return found


def visible_texts(body: str, lang: str) -> list[str]:
    parser = Visible(lang)
    parser.feed(body)
    return parser.texts


def routes(app, client) -> list[tuple[str, str, int, dict | None]]:
    """(method, url, status, form) of every page, feed, export and error the app serves."""
    from indexer.keyword import FACET_FIELDS
    from webapp.community import collections

    with app.test_request_context("/"):
        collection_ids = sorted(collections())
        from webapp.portal import get_store

        _, token = get_store().create({"x.md": "---\nid: x\n---\n"}, case_id="x", title="A submitted practice")
    ids = [c["id"] for c in client.get("/api/cases").get_json()["cases"]]
    out = [
        ("GET", "/", 200, None),
        ("GET", "/search", 200, None),
        ("GET", "/search?q=community+policing", 200, None),
        ("GET", "/search?q=policia+comunitaria&countries=CO&themes=community-policing&year_from=2000", 200, None),
        ("GET", "/search?q=zzqqxxyy+wwvvkk&mode=keyword&countries=PA", 200, None),
        ("GET", "/search?q=polica+comunitaria&mode=keyword", 200, None),
        ("GET", "/search?q=" + "police+" * 120, 200, None),
        ("GET", "/search?sort=date&page=2", 200, None),
        ("GET", "/about", 200, None),
        ("GET", "/data", 200, None),
        ("GET", "/collections", 200, None),
        ("GET", "/compare", 200, None),
        ("GET", f"/compare?ids={ids[0]}", 200, None),
        ("GET", f"/compare?ids={ids[0]}&ids={ids[1]}&ids={ids[2]}&ids=no-such-case", 200, None),
        ("GET", "/map", 200, None),
        ("GET", "/map?pillars=prevention&evidence_stage=evaluated&year_from=2000", 200, None),
        ("GET", "/map?year_to=3000", 400, None),
        ("GET", "/draft", 200, None),
        ("GET", "/start", 200, None),
        ("GET", "/start?problems=extortion&target_population=transport-workers&countries=GT&q=extorsion", 200, None),
        ("GET", "/start?problems=terrorism&setting=schools&countries=BR", 200, None),
        ("GET", "/start?problems=nope", 400, None),
        ("GET", "/evidence", 200, None),
        ("GET", "/evidence?view=themes&pillars=prevention", 200, None),
        ("GET", "/evidence?view=countries", 200, None),
        ("GET", "/evidence.csv?view=countries", 200, None),
        ("GET", "/evidence?view=colours", 400, None),
        ("POST", "/draft", 200, {"action": "check", "title": "Patrols", "countries": "Panama", "period.start": "x"}),
        ("POST", "/draft", 200, {"action": "download", "related": "no-such-case"}),
        ("GET", "/submit", 200, None),
        ("GET", f"/submit?edit={CASE}", 200, None),
        ("POST", "/submit", 400, {"action": "check", "title": "Patrols"}),  # no CSRF token
        ("GET", f"/submit/t/{token}", 200, None),
        ("GET", f"/submit/t/{token}/revise", 200, None),
        ("GET", "/submit/t/no-such-token", 404, None),
        ("GET", "/feed.atom", 200, None),
        ("GET", f"/cases/{CASE}/cite.bib", 200, None),
        ("GET", f"/cases/{CASE}/cite.ris", 200, None),
        ("GET", "/cases/no-such-case", 404, None),
        ("GET", "/no/such/page", 404, None),
        ("GET", "/browse/colours", 404, None),
        ("GET", "/collections/no-such-collection", 404, None),
        ("GET", "/search?mode=fuzzy", 400, None),
        ("GET", "/search?page=abc", 400, None),
        ("GET", "/search?year_to=3000", 400, None),
        ("GET", f"/compare?ids={','.join(ids[:5])}", 400, None),
        ("POST", "/search", 405, None),
    ]
    # case pages: a spread of them (English, Spanish and Portuguese bodies; every one is the same template)
    out += [("GET", f"/cases/{cid}", 200, None) for cid in sorted(set(ids[::6]) | {CASE, *BODY_LANGUAGE_CASES})]
    out += [("GET", f"/browse/{f}", 200, None) for f in FACET_FIELDS]
    for cid in collection_ids:
        out += [("GET", f"/collections/{cid}{ext}", 200, None) for ext in ("", ".atom", ".md", ".csv")]
    return out


BODY_LANGUAGE_CASES = (
    "brazil-pernambuco-pact-for-life",
    "honduras-police-purge-commission",
    "chile-pdi-results-based-management",
)

API_ERRORS = [
    ("/api/cases/no-such-case", 404),
    ("/api/nothing-here", 404),
    ("/api/search?mode=fuzzy", 400),
    ("/api/search?page=abc", 400),
    ("/api/search?year_to=3000", 400),
    (f"/api/cases/{CASE}/similar?limit=51", 400),
    ("/api/compare?ids=a,b,c,d,e", 400),
    ("/api/start?countries=XX", 400),
    ("/api/evidence?view=colours", 400),
]


@pytest.mark.parametrize("lang", ["es", "pt"])
def test_no_english_ui_text_on_any_route(app, client, lang):
    problems = []
    crawled = 0
    for method, url, status, form in routes(app, client):
        sep = "&" if "?" in url else "?"
        full = f"{url}{sep}lang={lang}"
        r = client.post(full, data=form) if method == "POST" else client.get(full)
        assert r.status_code == status, (full, r.status_code)
        body = r.get_data(as_text=True)
        crawled += 1
        if r.mimetype in ("text/html", "application/atom+xml"):
            if r.mimetype == "text/html":
                assert re.search(rf'<html lang="{i18n.html_lang(lang)}"', body), full
            texts = visible_texts(body, lang)
        elif r.mimetype == "text/csv":
            texts = body.lstrip("\ufeff").splitlines()[0].split(",")  # the header row: the rows are case data
        elif r.mimetype == "text/markdown":
            texts = [line for line in body.splitlines() if line.startswith(("#", "*"))]  # headings and labels
        else:  # BibTeX / RIS: the fixed words
            texts = [line for line in body.splitlines() if line.strip().startswith(("note", "N1"))]
        problems += [f"{full}: {f}" for f in english_found(texts, lang)]
    for url, status in API_ERRORS:
        r = client.get(f"{url}{'&' if '?' in url else '?'}lang={lang}")
        assert r.status_code == status, url
        problems += [f"{url}: {f}" for f in english_found([r.get_json()["error"]["message"]], lang)]
    assert crawled > 60
    assert not problems, "\n".join(problems[:40])


def test_the_crawl_finds_english_when_it_is_there(client):
    """The check above can fail: an English page shows what it looks for."""
    body = client.get("/?lang=en").get_data(as_text=True).replace('<html lang="en">', '<html lang="es">')
    found = english_found(visible_texts(body, "es"), "es")
    assert any("Skip to content" in f for f in found) and any("Browse" in f for f in found)
    # marked English text is the case's own, not the UI
    assert english_found(visible_texts('<p lang="en">Skip to content</p>', "es"), "es") == []
    assert english_found(visible_texts("<p>Community policing</p>", "pt"), "pt") == ["'Community policing' (label)"]


# --- the language choice ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers, query, expected",
    [
        ({}, "lang=pt", "pt"),
        ({"Accept-Language": "pt-BR,pt;q=0.9,en;q=0.5"}, "", "pt"),
        ({"Accept-Language": "es-MX,es;q=0.9"}, "", "es"),
        ({"Accept-Language": "pt-BR"}, "lang=es", "es"),
        ({"Accept-Language": "fr"}, "", "en"),
        ({}, "lang=xx", "en"),
    ],
)
def test_lang_then_accept_language(client, headers, query, expected):
    body = client.get(f"/?{query}", headers=headers).get_data(as_text=True)
    assert f'<html lang="{i18n.html_lang(expected)}">' in body


def test_responses_vary_on_accept_language_unless_lang_is_given(client):
    assert "Accept-Language" in client.get("/api/cases/panama-vecinos-vigilantes").headers.get("Vary", "")
    assert "Accept-Language" in client.get("/").headers.get("Vary", "")
    assert "Accept-Language" not in client.get("/?lang=pt").headers.get("Vary", "")


def test_the_switcher_offers_three_languages(client):
    body = client.get("/search?q=police&lang=pt").get_data(as_text=True)
    switch = re.search(r'<span class="langs".*?</span>\s*</nav>', body, re.S).group(0)
    assert '<strong aria-current="true" title="Português">PT</strong>' in switch
    assert re.search(r'href="/search\?q=police&amp;lang=es"[^>]*>ES</a>', switch)
    assert re.search(r'href="/search\?q=police&amp;lang=en"[^>]*>EN</a>', switch)


def test_plurals_dates_and_numbers_follow_the_language(client):
    pt = client.get("/search?q=zzqqxxyy+wwvvkk&mode=keyword&lang=pt").get_data(as_text=True)
    assert "0 caso" in pt or "Nenhum caso" in pt
    es_case = client.get(f"/cases/{CASE}?lang=es").get_data(as_text=True)
    assert re.search(r"revisado el \d{1,2} de [a-z]+ de \d{4}", es_case)
    pt_case = client.get(f"/cases/{CASE}?lang=pt").get_data(as_text=True)
    assert re.search(r"revisado em \d{1,2} de [a-zç]+ de \d{4}", pt_case)
    coll = client.get("/collections?lang=es").get_data(as_text=True)
    assert re.search(r"\b\d+ casos\b", coll) and not re.search(r"\b1 casos\b", coll)


def test_country_names_from_cldr_on_pages(client):
    es = client.get("/browse/countries?lang=es").get_data(as_text=True)
    pt = client.get("/browse/countries?lang=pt").get_data(as_text=True)
    assert "Estado plurinacional" not in es + pt and "República Bolivariana" not in es + pt
    assert "Brasil" in es and "Brasil" in pt and "Panamá" in pt


def test_english_content_is_marked_english_and_originals_their_language(client):
    # the case has a complete Spanish and a partial Portuguese translation file (cases/<id>.<lang>.md)
    body = client.get(f"/cases/{CASE}?lang=es").get_data(as_text=True)
    assert "<h1>Programa Vecinos Vigilantes de la Policía Nacional de Panamá</h1>" in body  # translated: no mark
    assert '<p class="orig">Vecinos Vigilantes</p>' in body  # Spanish on a Spanish page: no mark needed
    assert re.search(r'<span lang="en">National Police of Panama</span>', body)  # English front-matter text
    pt = client.get(f"/cases/{CASE}?lang=pt").get_data(as_text=True)
    assert "<h1>Programa Vecinos Vigilantes da Polícia Nacional do Panamá</h1>" in pt
    assert '<p class="orig" lang="es">Vecinos Vigilantes</p>' in pt  # the Spanish name marked Spanish
    assert '<div class="body" lang="en">' in pt  # a partial translation: the body is the English original
    en = client.get(f"/cases/{CASE}?lang=en").get_data(as_text=True)
    assert "<h1>Neighbourhood Watch" in en  # no lang on English text on an English page
    assert '<p class="orig" lang="es">Vecinos Vigilantes</p>' in en
    results = client.get("/search?q=community+policing&lang=pt").get_data(as_text=True)
    assert re.search(r'<p class="meta">[^<]*<span lang="en">', results)  # the English institution name


def test_citation_and_placeholder_are_translated(client):
    body = client.get(f"/cases/{CASE}?lang=pt").get_data(as_text=True)
    assert "Caso “panama-vecinos-vigilantes” do caselib." in body and "Last reviewed" not in body
    es = client.get("/?lang=es").get_data(as_text=True)
    assert 'placeholder="p. ej. policía comunitaria en zonas rurales, encuestas de victimización"' in es
    bib = client.get(f"/cases/{CASE}/cite.bib?lang=pt").get_data(as_text=True)
    assert "Prática documentada no caselib" in bib


def test_error_pages_and_api_errors_follow_lang(client):
    for lang, text in (("es", "No hay ningún caso"), ("pt", "Não há nenhum caso")):
        r = client.get(f"/cases/no-such-case?lang={lang}")
        assert r.status_code == 404 and text in r.get_data(as_text=True)
        api = client.get(f"/api/cases/no-such-case?lang={lang}").get_json()["error"]
        assert api["status"] == 404 and text in api["message"]
    r = client.get("/api/search?mode=fuzzy", headers={"Accept-Language": "pt-BR"})
    assert "o modo “fuzzy” não é nenhum destes" in r.get_json()["error"]["message"]
    r = client.get("/no/such/page?lang=pt")
    assert "Não há nada neste endereço" in r.get_data(as_text=True)
