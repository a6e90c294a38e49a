"""Every UI message has a Spanish translation in webapp/translations/es.yml, and es.yml holds nothing unused."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

from webapp import i18n

WEBAPP = Path(i18n.__file__).resolve().parent
ES = WEBAPP / "translations" / "es.yml"
# _('...') or _("...") in a template, with the usual string escapes
TEMPLATE_CALL = re.compile(r"""(?<![\w.])_\(\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")""")
ANY_TEMPLATE_CALL = re.compile(r"(?<![\w.])_\(")
PY_NAMES = {"gettext", "_"}


def template_messages() -> dict[str, set[str]]:
    """message -> templates using it."""
    found: dict[str, set[str]] = {}
    for path in sorted((WEBAPP / "templates").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        calls = TEMPLATE_CALL.findall(text)
        assert len(calls) == len(ANY_TEMPLATE_CALL.findall(text)), f"{path.name}: _() with a non-literal message"
        for single, double in calls:
            raw = single if single else double
            message = raw.replace("\\'", "'").replace('\\"', '"')  # the quote escapes Jinja undoes
            found.setdefault(message, set()).add(path.name)
    return found


def python_messages() -> dict[str, set[str]]:
    """Messages passed as a literal to gettext(...), i18n.gettext(...) or _(...) in the webapp's Python."""
    found: dict[str, set[str]] = {}
    for path in sorted(WEBAPP.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            if name not in PY_NAMES or not node.args:
                continue
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.setdefault(first.value, set()).add(path.name)
            elif not (path.name == "i18n.py" and name == "gettext"):  # field_name() looks up FIELD_NAMES
                pytest.fail(f"{path.name}:{node.lineno}: {name}() with a non-literal message")
    return found


@pytest.fixture(scope="module")
def spanish() -> dict[str, str]:
    data = yaml.safe_load(ES.read_text(encoding="utf-8"))
    assert isinstance(data, dict) and data
    return data


@pytest.fixture(scope="module")
def used() -> set[str]:
    return set(template_messages()) | set(python_messages()) | set(i18n.FIELD_NAMES.values())


def test_the_scan_finds_messages():
    msgs = template_messages()
    assert len(msgs) > 50
    assert "Skip to content" in msgs and "{n} cases for “{q}”" in msgs
    assert "Pillars" in i18n.FIELD_NAMES.values()


def test_every_template_message_has_a_spanish_entry(spanish):
    missing = {m: sorted(where) for m, where in template_messages().items() if m not in spanish}
    assert not missing, f"add to {ES.name}: {missing}"


def test_every_python_message_has_a_spanish_entry(spanish):
    missing = {m: sorted(where) for m, where in python_messages().items() if m not in spanish}
    assert not missing, f"add to {ES.name}: {missing}"


def test_every_field_name_has_a_spanish_entry(spanish):
    missing = sorted(v for v in i18n.FIELD_NAMES.values() if v not in spanish)
    assert not missing, f"add to {ES.name}: {missing}"


def test_no_unused_spanish_entries(spanish, used):
    unused = sorted(set(spanish) - used)
    assert not unused, f"remove from {ES.name} (no template or code uses them): {unused}"


def test_spanish_entries_are_real_translations(spanish):
    for message, text in spanish.items():
        assert isinstance(message, str) and isinstance(text, str) and text.strip(), message
        # placeholders survive translation, so .format() cannot fail
        assert set(re.findall(r"\{(\w+)\}", message)) == set(re.findall(r"\{(\w+)\}", text)), message


def test_english_and_spanish_catalogs_agree_on_placeholders_at_runtime(hash_searcher, spanish):
    from webapp import create_app

    app = create_app({"SEARCHER": hash_searcher, "TESTING": True})
    with app.test_request_context("/?lang=es"):
        for message in spanish:
            params = {k: "1" for k in re.findall(r"\{(\w+)\}", message)}
            assert i18n.gettext(message, **params) == spanish[message].format(**params)
    with app.test_request_context("/?lang=en"):
        assert i18n.gettext("Search") == "Search"
