"""caselib's engine: load and validate case files, build and search the indexes.

Pure Python, no web framework: the web app (``webapp/``) and the command line (``caselib/``) both
call into it. ``PUBLIC`` below is the engine's public API: the only names the web app may import
(``from indexer import Searcher, vocab``), each with the module that defines it.
``tests/test_boundaries.py`` walks the web app's imports and fails on anything else; a name is
imported on first use, so ``import indexer`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module (inside indexer) that defines it; a module itself maps to None
PUBLIC: dict[str, str | None] = {
    # modules used whole: the published format, validation messages, the gettext catalogs
    "vocab": None,
    "messages": None,
    "i18n": None,
    # searching an index
    "Searcher": "search",
    "FILTER_FIELDS": "search",
    "MODES": "search",
    "SORTS": "search",
    "LRU": "search",
    "localize_record": "versions",
    "SUMMARY_HEADINGS": "chunking",
    # errors
    "CaselibError": "errors",
    "IndexFolderError": "errors",
    # numbers typed by users (query strings, form fields)
    "NumberError": "numbers",
    "whole_number": "numbers",
    "YEAR_MIN": "numbers",
    "YEAR_MAX": "numbers",
    "NUMBER_MESSAGES": "numbers",
    # case files: read, check and write them (the draft form)
    "Problem": "model",
    "ERROR": "model",
    "WARNING": "model",
    "split": "frontmatter",
    "parse_yaml": "frontmatter",
    "dump_yaml": "frontmatter",
    "FrontMatterError": "frontmatter",
    "full_record": "catalog",
    "validate": "validate",
    "parse_sections": "validate",
    "load_library": "loader",
    "problem": "messages",
    "slugify": "template",
    # collections and exports
    "Collection": "collections",
    "collection_files": "collections",
    "load_collections": "collections",
    "write_csv": "export",
    # /start (comparable cases, gaps) and /evidence (the evidence-gap matrix)
    "clean_query": "search",
    "Profile": "comparable",
    "Answer": "comparable",
    "Gap": "comparable",
    "PROFILE_FIELDS": "comparable",
    "rank_comparable": "comparable",
    "Matrix": "matrix",
    "MATRIX_VIEWS": "matrix",
    "count_matrix": "matrix",
    "shade": "matrix",
    "OAS_MEMBERS": "regions",
    "SUBREGIONS": "regions",
    "region_name": "regions",
    "subregion": "regions",
    # publishing a reviewed submission (the review flow)
    "publish": "publish",
    "load_submission": "publish",
    "Person": "publish",
    "PublishError": "publish",
}
__all__ = ["__version__", *PUBLIC]


def __getattr__(name: str) -> Any:
    if name not in PUBLIC:
        raise AttributeError(f"module 'indexer' has no attribute '{name}'")
    module = importlib.import_module(f"{__name__}.{PUBLIC[name] or name}")
    value = module if PUBLIC[name] is None else getattr(module, name)
    globals()[name] = value
    return value
