"""The boundaries docs/architecture.md states, kept by walking every import with `ast`.

- Whoosh is imported only by the keyword modules (indexer/keyword.py, keyword_schema.py, terms.py),
  so a move to another keyword engine touches those three files.
- The engine (indexer/) imports no web or command-line framework, and neither the web app nor the
  command line.
- The web app imports only the engine's public API: the names listed in `indexer.PUBLIC`.
- The command line (caselib/) imports the web app only in `caselib serve`.
- docs/architecture.md's module table names exactly the modules on disk.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import indexer

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("indexer", "webapp", "caselib")
KEYWORD_MODULES = {"indexer/keyword.py", "indexer/keyword_schema.py", "indexer/terms.py"}
FRAMEWORKS = {"flask", "flask_babel", "werkzeug", "jinja2", "click", "waitress"}


# Known crossings being removed by a branch in flight, each with its reason; keep this empty.
PENDING = {
}


# command-line modules that may import the web app, and why
WEB_IMPORTERS = {
    "caselib/serving.py": "caselib serve runs the web app",
    "caselib/portal.py": "the portal's storage and review flow live in webapp/portal and webapp/review",
}


def modules() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def name_of(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def imports(source: str, module: str) -> list[tuple[str, str | None, int]]:
    """(imported module, imported name or None, line) for every import in ``source``, at any depth
    (imports inside functions count); relative imports resolved against ``module`` (a dotted name)."""
    found = []
    package = module.split(".")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(alias.name, None, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package[: len(package) - node.level]
                base = ".".join([*parent, base] if base else parent)
            found += [(base, alias.name, node.lineno) for alias in node.names]
    return found


def violations(path_name: str, source: str) -> list[str]:
    """What ``source`` (the file at ``path_name``, e.g. ``webapp/data.py``) imports across a boundary."""
    module = path_name.removesuffix(".py").replace("/", ".")
    out = []
    for target, name, line in imports(source, module):
        top = target.split(".")[0]
        where = f"{path_name}:{line}: {target}" + (f".{name}" if name else "")
        if top == "whoosh" and path_name not in KEYWORD_MODULES:
            out.append(f"{where}: Whoosh outside the keyword modules ({', '.join(sorted(KEYWORD_MODULES))})")
        if path_name.startswith("indexer/") and (top in FRAMEWORKS or top in ("webapp", "caselib")):
            out.append(f"{where}: the engine imports {top}")
        if path_name.startswith("webapp/") and top == "indexer":
            if target == "indexer" and name is not None:
                if name not in indexer.__all__:
                    out.append(f"{where}: not in the engine's public API (indexer.PUBLIC)")
            elif target.startswith("indexer.") and name is not None:
                # `from indexer.numbers import whole_number` names the defining module of a public name;
                # a public module (`indexer.messages`) may be imported from as a whole
                module = target.removeprefix("indexer.")
                if indexer.PUBLIC.get(name) != module and not (
                    module in indexer.PUBLIC and indexer.PUBLIC[module] is None
                ):
                    out.append(f"{where}: not in the engine's public API (indexer.PUBLIC); import it from indexer")
            else:
                out.append(f"{where}: import public names from indexer (`from indexer import ...`)")
        if path_name.startswith("webapp/") and top == "caselib":
            out.append(f"{where}: the web app imports the command line")
        if path_name.startswith("caselib/") and top == "webapp" and path_name not in WEB_IMPORTERS:
            out.append(f"{where}: only `caselib serve` (caselib/serving.py) imports the web app")
    return out


def test_the_walker_sees_what_today_would_break():
    """Guards the checker itself, on the imports this test was written against (issue 16)."""
    old_web = (
        "from indexer.collections import saved_search_text\n"
        "from indexer.keyword import FACET_FIELDS\n"
        "def f():\n    from indexer.build import IndexError_\n"
        "import indexer.collections\n"
        "from indexer import Searcher, vocab\n"
        "from indexer.search import Searcher\n"
    )
    found = violations("webapp/data.py", old_web)
    assert len(found) == 4, found
    assert all("public API" in v or "import public names" in v for v in found)
    assert violations("indexer/crosslingual.py", "def f():\n    from whoosh.lang import stopwords_for_language\n")
    assert violations("indexer/cli.py", "import click\nfrom webapp import create_app\n")
    assert violations("caselib/querying.py", "from webapp import create_app\n")
    assert not violations("caselib/serving.py", "from webapp import create_app\n")
    assert imports("from .errors import X", "indexer.build") == [("indexer.errors", "X", 1)]
    assert imports("from . import vocab", "indexer.__init__") == [("indexer", "vocab", 1)]


@pytest.mark.parametrize("path", modules(), ids=name_of)
def test_module_keeps_the_boundaries(path):
    found = violations(name_of(path), path.read_text(encoding="utf-8"))
    assert [v for v in found if v.split(": not in")[0] not in PENDING] == []


def test_every_public_name_exists():
    for name in indexer.PUBLIC:
        assert getattr(indexer, name) is not None, name


# --- docs/architecture.md's module table -----------------------------------------------------------


def documented_modules() -> set[str]:
    """Every path in the first column of the module table (`pkg/x.py`, or `pkg/folder/` for all below)."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    table = re.search(r"^## Modules\n(.*?)(?=^## )", text, re.M | re.S)
    assert table, "docs/architecture.md has no '## Modules' section"
    paths: set[str] = set()
    for row in re.findall(r"^\|([^|\n]+)\|", table.group(1), re.M):
        paths |= set(re.findall(r"`([a-z_]+/[^`]*)`", row))
    return paths


def test_architecture_table_lists_exactly_the_modules_on_disk():
    documented = documented_modules()
    folders = {d for d in documented if d.endswith("/")}
    on_disk = {name_of(p) for p in modules()}
    undocumented = {m for m in on_disk - documented if not any(m.startswith(f) for f in folders)}
    assert undocumented == set(), "add a row to the module table of docs/architecture.md"
    gone = {d for d in documented if not (ROOT / d).exists()}
    assert gone == set(), "docs/architecture.md lists modules that do not exist"
