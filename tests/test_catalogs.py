"""The gettext catalogs: complete in es and pt, in step with the code, and no user-visible text outside them."""

from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from indexer import i18n as catalogs
from indexer import vocab
from indexer.messages import FORM_MESSAGES, MESSAGES

ROOT = Path(__file__).resolve().parents[1]
TR = ROOT / "webapp" / "translations"
TEMPLATES = ROOT / "webapp" / "templates"
FIELD = re.compile(r"\{(\w*)[^{}]*\}")


def po(lang: str):
    with (TR / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f)


def pot():
    with (TR / "messages.pot").open("rb") as f:
        return read_po(f)


def msgids(catalog) -> set:
    return {m.id for m in catalog if m.id}


@pytest.fixture(scope="module")
def extracted() -> set:
    """What `make translations` would extract now (babel.cfg, the Makefile's keywords)."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "translate": (2,)}
    keywords["translate_plural"] = (2, 3)
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        found.add(message if isinstance(message, str) else tuple(message))
    return found


def test_the_pot_is_in_step_with_the_code(extracted):
    """A new _() message fails here until `make translations` has extracted it (and the tests below, until
    it is translated); a message the code no longer uses fails too."""
    in_pot = msgids(pot())
    assert extracted - in_pot == set(), "run `make translations`: new messages are not in messages.pot"
    assert in_pot - extracted == set(), "run `make translations`: messages.pot holds messages nothing uses"
    assert len(in_pot) > 250


@pytest.mark.parametrize("lang", ["es", "pt"])
def test_every_message_has_a_translation(lang):
    catalog = po(lang)
    assert msgids(catalog) == msgids(pot()), f"run `make translations` to merge messages.pot into {lang}"
    missing, fuzzy = [], []
    for m in catalog:
        if not m.id:
            continue
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        if not all(s.strip() for s in strings) or len(strings) != (catalog.num_plurals if m.pluralizable else 1):
            missing.append(m.id)
        if m.fuzzy:
            fuzzy.append(m.id)
    assert not missing, f"translate in {lang}/LC_MESSAGES/messages.po: {missing}"
    assert not fuzzy, f"review the fuzzy entries of {lang}: {fuzzy}"


@pytest.mark.parametrize("lang", ["es", "pt"])
def test_translations_keep_the_placeholders(lang):
    for m in po(lang):
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        want = set(FIELD.findall(ids[-1]))
        for s in strings:
            got = set(FIELD.findall(s))
            if m.pluralizable:  # a singular form may spell out its number
                got, want = got | {"n"}, want | {"n"}
            assert got == want, (lang, m.id, s)


def test_the_plural_rules_are_cldrs():
    assert catalogs.translate_plural("es", "{n} case", "{n} cases", 1) == "1 caso"
    assert catalogs.translate_plural("es", "{n} case", "{n} cases", 2) == "2 casos"
    assert catalogs.translate_plural("pt", "{n} source", "{n} sources", 1) == "1 fonte"
    assert catalogs.translate_plural("pt", "{n} source", "{n} sources", 3) == "3 fontes"
    assert catalogs.translate_plural("en", "{n} case", "{n} cases", 1) == "1 case"


def test_a_missing_mo_is_compiled_from_its_po(tmp_path):
    import shutil

    shutil.copytree(TR, tmp_path / "tr", ignore=shutil.ignore_patterns("*.mo"))
    written = catalogs.compile_catalogs(tmp_path / "tr")
    assert {p.parent.parent.name for p in written} == {"es", "pt"}
    assert catalogs.translations("pt", tmp_path / "tr").gettext("Search") == "Buscar"
    assert catalogs.compile_catalogs(tmp_path / "tr") == []  # up to date: nothing rewritten


def test_every_validation_code_is_rendered_in_every_language():
    from indexer.messages import problem, render

    for code, template in MESSAGES.items():
        params = {k: "x" for k in FIELD.findall(template)}
        p = problem("cases/x.md", 3, "title", code, **params)
        assert p.message == template.format(**params) and p.code == code
        for lang in ("es", "pt"):
            assert render(p, lang) != p.message or template == "{detail}", (code, lang)
            if code in FORM_MESSAGES:
                assert "line" not in render(p, lang, form=True) and "docs/" not in render(p, lang, form=True)


# --- vocabulary labels ----------------------------------------------------------------------------------------


def test_every_vocabulary_entry_has_en_es_pt_labels():
    missing = []
    for key, entries in vocab.vocabulary().items():
        for value, entry in entries.items():
            for lang in ("en", "es", "pt"):
                if not str(entry.get(lang) or "").strip():
                    missing.append(f"{key}.{value}.{lang}")
            if "definition_en" in entry:
                missing += [
                    f"{key}.{value}.definition_{lang}" for lang in ("es", "pt") if not entry.get(f"definition_{lang}")
                ]
    assert not missing, f"add to vocabulary.yml: {missing}"


def test_country_names_are_cldr_short_names():
    assert [vocab.country_name(c, "en") for c in ("BO", "VE", "SR")] == ["Bolivia", "Venezuela", "Suriname"]
    assert [vocab.country_name(c, "es") for c in ("BO", "VE", "SR", "BR")] == [
        "Bolivia",
        "Venezuela",
        "Surinam",
        "Brasil",
    ]
    assert [vocab.country_name(c, "pt") for c in ("BO", "VE", "SR", "MX")] == [
        "Bolívia",
        "Venezuela",
        "Suriname",
        "México",
    ]


# --- no user-visible text outside the catalog -----------------------------------------------------------------

# Words that are the same in every language: names and formats.
ALLOWED_WORDS = {"caselib", "JSON", "API", "Atom", "BibTeX", "RIS", "Markdown", "CSV", "URL", "SHA"}
VISIBLE_ATTRS = ("title", "alt", "placeholder", "aria-label", "label")
# Attribute text a macro writes into the tag that calls it (` aria-invalid="true"`): not shown.
ATTRIBUTE_TEXT = re.compile(r'[\w-]+="[^"]*"')
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)


class BareText(HTMLParser):
    """Text and visible attribute values of a template with every Jinja expression and tag removed."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "code"):
            self.skip += 1
        for name, value in attrs:
            if (
                name in VISIBLE_ATTRS
                or (tag == "input" and name == "value" and dict(attrs).get("type") in ("submit", "button"))
            ) and value:
                self.check(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "code"):
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.check(ATTRIBUTE_TEXT.sub(" ", data))

    def check(self, text: str):
        words = [w for w in re.findall(r"[^\W\d_]{2,}", text) if w not in ALLOWED_WORDS]
        if words:
            self.found.append(" ".join(text.split()))


def bare_text(template: str) -> list[str]:
    parser = BareText()
    parser.feed(JINJA.sub(" ", template))
    return parser.found


def test_the_bare_text_scan_catches_untranslated_words():
    assert bare_text("<p>{{ _('Search') }} · JSON</p>") == []
    assert bare_text("<p>{{ _('Search') }} results</p>") == ["results"]
    assert bare_text('<a title="Remove filter" href="{{ u }}">×</a>') == ["Remove filter"]
    assert bare_text("<input placeholder=\"{{ _('e.g.') }}\">") == []


@pytest.mark.parametrize("path", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: p.name)
def test_templates_hold_no_text_outside_the_catalog(path):
    assert bare_text(path.read_text(encoding="utf-8")) == [], f"{path.name}: wrap the text in _()"


# Calls in the web app whose message reaches the user: their text must come from the catalog.
USER_FACING = {"BadQuery", "abort"}


def test_python_user_messages_go_through_the_catalog():
    problems = []
    for path in sorted((ROOT / "webapp").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            # a lookup in a table of N_()-marked messages (FIELD_LABELS[anchor]) is extracted from the table
            literal = isinstance(node.args[0], (ast.Constant, ast.Subscript)) if node.args else True
            if name in ("gettext", "_", "ngettext") and not literal and path.name != "i18n.py":
                problems.append(f"{path.name}:{node.lineno}: {name}() with a non-literal message")
            if name in USER_FACING:
                texts = list(node.args[1:] if name == "abort" else node.args) + [
                    k.value for k in node.keywords if k.arg == "description"
                ]
                for arg in texts:
                    if isinstance(arg, (ast.JoinedStr, ast.Constant)) and isinstance(getattr(arg, "value", ""), str):
                        problems.append(f"{path.name}:{node.lineno}: {name}() with text outside the catalog")
    assert not problems, problems
