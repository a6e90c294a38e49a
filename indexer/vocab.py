"""The published registration format: the JSON Schema, its controlled values and their labels."""

from __future__ import annotations

import json
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any

from .frontmatter import safe_load

SCHEMA_DIR = Path(__file__).parent / "schema"
SCHEMA_PATH = SCHEMA_DIR / "case.schema.json"
VOCABULARY_PATH = SCHEMA_DIR / "vocabulary.yml"

# Required body sections, in order, with the headings accepted per body language.
SECTIONS: list[tuple[str, dict[str, str]]] = [
    ("context", {"en": "Context and problem", "es": "Contexto y problema", "pt": "Contexto e problema"}),
    ("practice", {"en": "The practice", "es": "La práctica", "pt": "A prática"}),
    ("implementation", {"en": "Implementation", "es": "Implementación", "pt": "Implementação"}),
    ("results", {"en": "Results and evidence", "es": "Resultados y evidencia", "pt": "Resultados e evidências"}),
    ("lessons", {"en": "Lessons and replication", "es": "Lecciones y replicación", "pt": "Lições e replicação"}),
    ("sources", {"en": "Sources", "es": "Fuentes", "pt": "Fontes"}),
]

# Facet (and filter) name -> the vocabulary of its labels, in the order the results page shows them.
# The keyword index's facet fields are these (keyword.FACET_FIELDS).
FACET_VOCAB = {
    "problems": "problems",
    "pillars": "pillars",
    "themes": "themes",
    "target_population": "target_population",
    "setting": "setting",
    "countries": "countries",
    "institution_type": "institution_type",
    "scale": "scale",
    "evidence_stage": "evidence_stage",
    "evidence_rating": "evidence_rating",
    "status": "status",
    "channel": "channel",
    "language": "language",
    "translation": "language",  # languages a case can be read in (original and translations)
}

# Fields added in version 2 of the format: missing ones are warnings (so v1 files still load,
# and `caselib check --strict` fails until they are filled).
V2_FIELDS = ("problems", "target_population", "setting", "mechanism", "resources", "evaluations")
NOT_DOCUMENTED = "not-documented"


def fold(text: str) -> str:
    """Lowercase and strip accents: 'Policía' -> 'policia'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def vocabulary() -> dict[str, dict[str, dict[str, str]]]:
    return safe_load(VOCABULARY_PATH.read_text(encoding="utf-8"))


def schema_version() -> int:
    return int(schema()["x-schema-version"])


def enum_values(vocab_key: str) -> list[str]:
    """Allowed values of a controlled field, in schema order."""
    props = schema()["properties"]
    where = {
        "scale": props["scale"],
        "institution_type": props["institution"]["properties"]["type"],
        "pillars": props["pillars"]["items"],
        "themes": props["themes"]["items"],
        "status": props["status"],
        "evidence_stage": props["evidence"]["properties"]["stage"],
        "evidence_rating": props["evidence"]["properties"]["rating"],
        "channel": props["channel"],
        "documentation_status": props["documentation"]["properties"]["status"],
        "language": props["language"],
        "problems": props["problems"]["items"],
        "target_population": props["target_population"]["items"],
        "setting": props["setting"]["items"],
        "evaluation_design": props["evaluations"]["items"]["properties"]["design"],
        "outcome_direction": props["evaluations"]["items"]["properties"]["outcomes"]["items"]["properties"][
            "direction"
        ],
        "independent": props["evaluations"]["items"]["properties"]["independent"],
    }[vocab_key]
    return list(where["enum"])


def label(vocab_key: str, value: str, lang: str = "en") -> str:
    """Human label of a controlled value in 'en', 'es' or 'pt' (falls back to English, then the value)."""
    if vocab_key == "countries":
        return country_name(value, lang)
    entry = vocabulary().get(vocab_key, {}).get(value)
    if not entry:
        return value
    return entry.get(lang) or entry.get("en") or value


def definition(vocab_key: str, value: str, lang: str = "en") -> str | None:
    entry = vocabulary().get(vocab_key, {}).get(value) or {}
    return entry.get(f"definition_{lang}") or entry.get("definition_en")


@lru_cache(maxsize=1024)
def country_name(code: str, lang: str = "en") -> str:
    """Country name for an ISO 3166-1 alpha-2 code as ``lang`` writes it: CLDR's short names through Babel
    ('Bolivia', 'Venezuela'; 'Surinam' in Spanish, 'Suriname' in Portuguese), never the formal ones."""
    from babel import Locale, UnknownLocaleError

    try:
        names = Locale.parse(lang).territories
    except (UnknownLocaleError, ValueError):
        names = Locale.parse("en").territories
    return names.get(str(code).upper()) or Locale.parse("en").territories.get(str(code).upper()) or code


def suggest_country(value: str) -> str | None:
    """Best guess at the ISO alpha-2 code a documenter meant ('Panama', 'PAN', 'pa' -> 'PA')."""
    import pycountry

    text = str(value).strip()
    if not text:
        return None
    for attr in ("alpha_2", "alpha_3"):
        c = pycountry.countries.get(**{attr: text.upper()}) if len(text) in (2, 3) else None
        if c:
            return c.alpha_2
    folded = fold(text)
    for c in pycountry.countries:
        names = [c.name, getattr(c, "common_name", ""), getattr(c, "official_name", "")]
        if folded in {fold(n) for n in names if n}:
            return c.alpha_2
    try:
        return pycountry.countries.search_fuzzy(text)[0].alpha_2
    except LookupError:
        return None


def is_country(code: str) -> bool:
    import pycountry

    return isinstance(code, str) and pycountry.countries.get(alpha_2=code) is not None
