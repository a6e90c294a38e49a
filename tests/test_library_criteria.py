"""Issue 17's measurable "done when" criteria, checked on the shipped library.

Only the mechanical criteria are here: counts, fields present, evaluations with design and a
source that resolves, and the number of cases whose Implementation and Results both open by saying
"not documented" (each of which must say what was searched). Whether the content is true is a
fact-check (docs/fact-check-2026-11.md), not a test.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from indexer.loader import load_library

CASES = Path(__file__).resolve().parents[1] / "cases"

RESOURCE_KEYS = ("staff", "training", "equipment", "duration", "budget")
NOT_DOCUMENTED = re.compile(r"not documented|no documentad|não documentad", re.I)
SEARCHED = re.compile(r"\bsearched\b|\bsearches made\b|\bse busc|\bbúsquedas\b|\bpesquis|\bbuscas\b", re.I)
MAX_BOTH_NOT_DOCUMENTED = 3


def opening(case, key: str) -> str:
    """The first sentence of a body section ('' when the section is missing)."""
    section = case.section(key)
    if section is None:
        return ""
    return re.split(r"(?<=[.!?])\s+", section.text.strip(), maxsplit=1)[0]


def both_not_documented(cases) -> list:
    """Cases whose Implementation and Results both open by saying 'not documented'."""
    return [
        c
        for c in cases
        if NOT_DOCUMENTED.search(opening(c, "implementation")) and NOT_DOCUMENTED.search(opening(c, "results"))
    ]


@pytest.fixture(scope="module")
def cases():
    result = load_library(CASES)
    assert result.cases, "no case loaded"
    return result.cases


def test_at_least_70_cases(cases):
    assert len(cases) >= 70


def test_national_or_local_practices_from_at_least_20_countries(cases):
    local = {cc for c in cases if len(c.countries) <= 2 for cc in c.countries}
    assert len(local) >= 20, sorted(local)


def test_every_case_has_problems_population_mechanism_and_resources(cases):
    missing = []
    for c in cases:
        m = c.meta
        for key in ("problems", "target_population"):
            if not m.get(key):
                missing.append((c.id, key))
        if not (isinstance(m.get("mechanism"), str) and m["mechanism"].strip()):
            missing.append((c.id, "mechanism"))
        res = m.get("resources")
        if not isinstance(res, dict):
            missing.append((c.id, "resources"))
            continue
        for key in RESOURCE_KEYS:  # a value, or the explicit token not-documented
            value = res.get(key)
            if not (isinstance(value, dict) or (isinstance(value, str) and value.strip())):
                missing.append((c.id, f"resources.{key}"))
    assert missing == []


def test_every_evaluation_records_its_design_and_a_source_that_resolves(cases):
    bad = []
    for c in cases:
        ids = {s.get("id") for s in c.meta.get("sources") or [] if isinstance(s, dict)}
        for i, e in enumerate(c.meta.get("evaluations") or []):
            if not e.get("design") or e.get("source") not in ids:
                bad.append((c.id, i, e.get("design"), e.get("source")))
    assert bad == []


def test_at_least_five_cases_rated_mixed_or_no_effect_from_cited_evaluations(cases):
    rated = [
        c.id
        for c in cases
        if (c.meta.get("evidence") or {}).get("rating") in ("mixed", "no-effect")
        and any(e.get("design") != "descriptive" for e in c.meta.get("evaluations") or [])
    ]
    assert len(rated) >= 5, rated


def test_at_most_three_cases_leave_implementation_and_results_undocumented_and_each_says_what_was_searched(cases):
    empty = both_not_documented(cases)
    assert len(empty) <= MAX_BOTH_NOT_DOCUMENTED, [c.id for c in empty]
    assert [c.id for c in empty if not SEARCHED.search(c.body)] == []


def test_the_not_documented_detector_counts_a_case_emptied_on_purpose(cases, tmp_path):
    """The criterion above can fail: empty the two sections of one more case and it is counted."""
    lib = tmp_path / "cases"
    shutil.copytree(CASES, lib)
    before = {c.id for c in both_not_documented(cases)}
    target = lib / "brazil-fica-vivo-homicide-control.md"
    text = target.read_text(encoding="utf-8")
    for heading in ("## Implementation", "## Results and evidence"):
        start = text.index(heading) + len(heading)
        end = text.index("\n## ", start)
        text = text[:start] + "\n\nNot documented in the sources.\n" + text[end:]
    target.write_text(text, encoding="utf-8")
    flagged = both_not_documented(load_library(lib).cases)
    assert {c.id for c in flagged} - before == {"brazil-fica-vivo-homicide-control"}
    emptied = next(c for c in flagged if c.id == "brazil-fica-vivo-homicide-control")
    assert not SEARCHED.search(emptied.body)  # and it would fail the "says what was searched" check


# --- the language of front-matter free texts (docs/registration-format.md#language-of-free-texts) ---

MARKERS = {
    "en": {"the", "and", "of", "to", "with", "which", "from", "were", "was", "is", "are", "by", "for", "in", "its"},
    "es": {"el", "la", "los", "las", "del", "que", "y", "en", "con", "por", "para", "se", "una", "un", "sus"},
    "pt": {"o", "os", "as", "do", "da", "dos", "das", "que", "e", "em", "com", "por", "para", "uma", "um", "no"},
}
TOKENS = {"not-documented", "not-reported"}


def free_texts(meta: dict) -> list[tuple[str, str]]:
    """(field, text) of the sentences a translation file translates: mechanism, rationale, resources, evaluations."""
    out = []
    if isinstance(meta.get("mechanism"), str):
        out.append(("mechanism", meta["mechanism"]))
    rationale = (meta.get("evidence") or {}).get("rationale")
    if isinstance(rationale, str):
        out.append(("evidence.rationale", rationale))
    res = meta.get("resources") if isinstance(meta.get("resources"), dict) else {}
    for key, value in res.items():
        if isinstance(value, dict):
            value = value.get("covers")
            key = "budget.covers"
        if isinstance(value, str):
            out.append((f"resources.{key}", value))
    for i, e in enumerate(meta.get("evaluations") or []):
        for key in ("comparison", "displacement"):
            if isinstance(e.get(key), str):
                out.append((f"evaluations[{i}].{key}", e[key]))
        for o in e.get("outcomes") or []:
            for key in ("measure", "size", "significance"):
                if isinstance(o.get(key), str):
                    out.append((f"evaluations[{i}].outcomes.{key}", o[key]))
    return [(f, t) for f, t in out if t not in TOKENS]


def language_guess(text: str) -> str | None:
    """The language whose function words the text uses most, or None when it has too few to tell."""
    words = re.findall(r"[a-zà-ÿ]+", text.lower())
    counts = {lang: sum(w in marks for w in words) for lang, marks in MARKERS.items()}
    best = max(counts, key=counts.get)
    if counts[best] < 3 or sorted(counts.values())[-2] == counts[best]:
        return None
    return best


def test_front_matter_free_texts_are_in_the_case_language(cases):
    wrong = []
    for c in cases:
        for field, text in free_texts(c.meta):
            guess = language_guess(text)
            if guess is not None and guess != c.language:
                wrong.append((c.id, c.language, field, guess))
        for tr in c.translations:  # and the translation files carry them in their own language
            for field, text in free_texts(tr.meta or {}):
                guess = language_guess(text)
                if guess is not None and guess != tr.language:
                    wrong.append((f"{c.id}.{tr.language}", tr.language, field, guess))
    assert wrong == []


def test_the_language_guess_tells_the_three_languages_apart():
    assert language_guess("Police patrols on the highest-crime segments of the city were doubled.") == "en"
    assert language_guess("La policía duplicó el patrullaje en los segmentos con más delitos de la ciudad.") == "es"
    assert language_guess("A polícia dobrou o patrulhamento nos segmentos com mais crimes da cidade.") == "pt"
    assert language_guess("2007-2011") is None
