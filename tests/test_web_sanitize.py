"""Hostile HTML in a case file never reaches a page as markup: no scripts, handlers, javascript: URLs or frames."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from indexer.build import build_index
from indexer.embedders import HashEmbedder
from indexer.search import Searcher
from webapp import create_app

CASE = "panama-vecinos-vigilantes"
TITLE = "Neighbourhood Watch programme of Panama's National Police"
TITLE_HOSTILE = "<b onmouseover=alert(5)>"
BODY_HOSTILE = """
Hostile markup follows, in the middle of the practice description.

<script>alert(1)</script>

Before the image <img src=x onerror=alert(2)> after the image.

A Markdown link with a script URL: [x](javascript:alert(3)).

<iframe src="https://example.org"></iframe>

A raw link with a handler: <a href="#" onclick="alert(4)">y</a> end of the hostile paragraph zanzibarquux.

"""
URL_ATTRS = {"href", "src", "action", "formaction", "data", "srcdoc", "xlink:href", "poster", "background", "content"}


class Tags(HTMLParser):
    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text.append(data)

    @property
    def plain(self) -> str:
        return " ".join("".join(self.text).split())


def assert_inert(html: str) -> Tags:
    """The page has no executable or framing markup apart from the site's own script file."""
    page = Tags(html)
    for tag, attrs in page.tags:
        assert tag not in ("iframe", "frame", "frameset", "object", "embed", "applet", "base", "img"), (tag, attrs)
        if tag == "script":
            assert set(attrs) <= {"src", "defer"} and attrs["src"] == "/static/app.js", attrs
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, attrs)
            assert name not in ("style", "srcdoc", "formaction"), (tag, attrs)
            if value and name in URL_ATTRS:
                squeezed = "".join(value.split()).lower()
                assert not squeezed.startswith(("javascript:", "vbscript:", "data:text/html")), (tag, attrs)
        if tag == "meta" and (attrs.get("http-equiv") or "").lower() == "refresh":
            raise AssertionError(attrs)
    return page


@pytest.fixture(scope="module")
def hostile_client(tmp_path_factory, cases_dir):
    root: Path = tmp_path_factory.mktemp("hostile")
    src = root / "cases"
    src.mkdir()
    text = (cases_dir / f"{CASE}.md").read_text(encoding="utf-8")
    assert text.count(f"title: {TITLE}\n") == 1
    text = text.replace(f"title: {TITLE}\n", f'title: "{TITLE} {TITLE_HOSTILE}"\n', 1)
    summary = "    Vecinos Vigilantes (Neighbourhood Watch) is a programme"
    assert text.count(summary) == 1
    text = text.replace(summary, f"    {TITLE_HOSTILE} Vecinos Vigilantes (Neighbourhood Watch) is a programme", 1)
    practice = "## The practice\n"
    assert text.count(practice) == 1
    text = text.replace(practice, practice + BODY_HOSTILE, 1)
    (src / f"{CASE}.md").write_text(text, encoding="utf-8")
    index_dir = root / "index"
    embedder = HashEmbedder()
    report = build_index(src, index_dir, embedder=embedder, log=lambda m: None)
    assert report.indexed == 1, report.problems
    searcher = Searcher.open(index_dir, embedder=embedder)
    record = searcher.get(CASE)
    body = "".join(s["text"] for s in record["sections"])
    assert TITLE_HOSTILE in record["meta"]["title"] and "<script>alert(1)</script>" in body
    app = create_app({"SEARCHER": searcher, "TESTING": True})
    return app.test_client()


@pytest.mark.parametrize("lang", ["en", "es"])
def test_case_page_is_inert(hostile_client, lang):
    r = hostile_client.get(f"/cases/{CASE}?lang={lang}")
    assert r.status_code == 200
    page = assert_inert(r.get_data(as_text=True))
    # the text around and inside the hostile markup survives, as text
    assert f"{TITLE} {TITLE_HOSTILE}" in page.plain
    assert "Before the image after the image." in page.plain
    assert "alert(1)" not in page.plain and "alert(2)" not in page.plain  # script and image dropped whole
    assert "A Markdown link with a script URL: x." in page.plain
    assert "A raw link with a handler: y end of the hostile paragraph zanzibarquux." in page.plain
    if lang == "en":
        assert f"{TITLE_HOSTILE} Vecinos Vigilantes (Neighbourhood Watch)" in page.plain
    # the title is escaped in every attribute it lands in (og:title, twitter:title) as plain text
    og = [a["content"] for t, a in page.tags if t == "meta" and a.get("property") == "og:title"]
    assert og and TITLE_HOSTILE in og[0]


def test_hostile_link_texts_keep_no_dangerous_href(hostile_client):
    page = Tags(hostile_client.get(f"/cases/{CASE}").get_data(as_text=True))
    anchors = [a for t, a in page.tags if t == "a"]
    for a in anchors:
        href = "".join((a.get("href") or "").split()).lower()
        assert not href.startswith("javascript:")
        assert "onclick" not in a


@pytest.mark.parametrize("query", ["zanzibarquux", "alert script iframe onerror", "Vecinos Vigilantes"])
@pytest.mark.parametrize("mode", ["keyword", "hybrid"])
def test_search_results_page_is_inert(hostile_client, query, mode):
    r = hostile_client.get("/search", query_string={"q": query, "mode": mode})
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    page = assert_inert(html)
    hits = [a["href"] for t, a in page.tags if t == "a" and (a.get("href") or "").startswith(f"/cases/{CASE}")]
    assert hits, "the hostile case is found"
    assert f"{TITLE} {TITLE_HOSTILE}" in page.plain


def test_search_snippet_shows_hostile_markup_as_text(hostile_client):
    r = hostile_client.get("/search", query_string={"q": "zanzibarquux", "mode": "keyword"})
    page = assert_inert(r.get_data(as_text=True))
    assert "zanzibarquux" in page.plain
    assert any(t == "mark" for t, _ in page.tags), "the match is highlighted"
    assert 'onclick="alert(4)"' in page.plain  # shown as text, escaped
    api = hostile_client.get("/api/search", query_string={"q": "zanzibarquux", "mode": "keyword"}).get_json()
    snippet = api["results"][0]["snippet"]
    assert "<a " not in snippet and "onclick=" not in snippet.replace("onclick=&quot;", "")
    assert "&lt;a href=" in snippet


@pytest.mark.parametrize(
    "url", ["/", "/feed.atom", f"/api/cases/{CASE}", f"/cases/{CASE}/cite.ris", f"/cases/{CASE}/cite.bib"]
)
def test_other_views_of_the_hostile_case(hostile_client, url):
    r = hostile_client.get(url)
    assert r.status_code == 200
    if r.mimetype == "text/html":
        assert_inert(r.get_data(as_text=True))
    elif r.mimetype == "application/atom+xml":
        assert "<b onmouseover" not in r.get_data(as_text=True)
        assert "&lt;b onmouseover=alert(5)&gt;" in r.get_data(as_text=True)
    else:
        assert r.mimetype != "text/html"
        assert r.headers["X-Content-Type-Options"] == "nosniff"
