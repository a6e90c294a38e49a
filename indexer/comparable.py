"""Comparable cases for a planner's problem (the /start page), with the reasons, and the gaps.

A planner describes a situation: a problem from the format's vocabulary (``problems``), who is
affected (``target_population``), the setting, the country, and a description in their own words.
``comparable()`` ranks the library's cases against it and says *why* each one is comparable;
``gaps()`` states, from the library's own counts, how much of it has been evaluated. Pure engine:
it reads one ``Catalog`` (masks and facet counts) and the ``Searcher`` (hybrid search of the
description), never Flask.

Ranking (docs/search.md, "Start from your problem") is a weighted sum of what a case shares with
the profile, each weight a plain number so that the reasons shown are the score's own parts:

- the same problem 3, the same target population 2, the same setting 2;
- the same country 1, another country of the same UN M49 sub-region 0.5 (``indexer.regions``);
- the description: 3 × the case's hybrid score divided by the best score of that search (its
  best 50 cases; the others get nothing for the description).

A case is listed when it shares the problem, the population or the setting, or when the Searcher
calls it a close match to the description; a country or a related-ground match alone only moves
cases up, it does not make them comparable. Ties go to the more evaluated case, then by title.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .regions import same_subregion, subregion

FIELDS = ("problems", "target_population", "setting")
PROFILE_FIELDS = FIELDS  # the names the web app imports (indexer.PUBLIC; a module's own name would be the module)
WEIGHTS = {"problems": 3.0, "target_population": 2.0, "setting": 2.0, "country": 1.0, "subregion": 0.5}
DESCRIPTION_WEIGHT = 3.0
DESCRIPTION_CANDIDATES = 50  # cases scored by the description's hybrid search (its best 50)
# evaluation stages, weakest first: the tie-break, and which stages count as "evaluated" in the gaps
STAGES = ("not-evaluated", "monitored", "evaluated", "independently-evaluated", "replicated")
EVALUATED = ("evaluated", "independently-evaluated", "replicated")


@dataclass(frozen=True)
class Profile:
    """What the planner described; every part optional (an empty profile matches nothing)."""

    problems: str | None = None
    target_population: str | None = None
    setting: str | None = None
    country: str | None = None
    description: str = ""

    def values(self) -> dict[str, str]:
        """The chosen vocabulary values by facet field (``problems``, ``target_population``, ``setting``)."""
        return {f: getattr(self, f) for f in FIELDS if getattr(self, f)}

    @property
    def empty(self) -> bool:
        return not (self.values() or self.country or self.description.strip())


@dataclass(frozen=True)
class Comparable:
    id: str
    score: float
    shared: dict[str, str]  # facet field -> the profile's value the case shares
    country: str | None  # "same", "subregion" or None
    countries: list[str]  # the case's countries that are the same or in the same sub-region
    description: str | None  # "close" or "related" to the description (the Searcher's label), else None
    record: dict[str, Any] = field(repr=False, default_factory=dict)  # the case's light record


@dataclass(frozen=True)
class Gap:
    """One line of the gap statement: the cases matching ``filters``, and how many were evaluated."""

    filters: dict[str, list[str]]
    total: int
    evaluated: int
    stages: dict[str, int]  # evidence stage -> cases, over all ``total``
    ratings: dict[str, int]  # evidence rating -> cases, over the evaluated ones


@dataclass(frozen=True)
class Answer:
    total: int  # comparable cases in all
    cases: list[Comparable]  # the requested page of them
    gaps: list[Gap]
    subregion: str | None  # the profile country's M49 sub-region


def comparable(searcher, profile: Profile, lang: str = "en", page: int = 1, per_page: int = 10) -> Answer:  # noqa: ANN001
    """The cases comparable to ``profile``, best first (one page of them), and the gap statement."""
    cat = searcher.catalog
    n = len(cat)
    score = np.zeros(n, dtype=np.float64)
    listed = np.zeros(n, dtype=bool)
    for name, value in profile.values().items():
        m = cat.mask({name: [value]})
        score += WEIGHTS[name] * m
        listed |= m
    same = near = np.zeros(n, dtype=bool)
    if profile.country:
        same = cat.mask({"countries": [profile.country]})
        others = list(same_subregion(profile.country))
        near = (cat.mask({"countries": others}) & ~same) if others else near
        score += WEIGHTS["country"] * same + WEIGHTS["subregion"] * near
    description: dict[int, str] = {}
    q = profile.description.strip()
    if q:
        result = searcher.search(
            q, mode="hybrid", per_page=DESCRIPTION_CANDIDATES, cut=False, snippets=False, lang=lang
        )
        best = max((h.score for h in result.hits), default=0.0)
        for h in result.hits:
            row = cat.row.get(h.id)
            if row is None or best <= 0:
                continue
            score[row] += DESCRIPTION_WEIGHT * max(h.score, 0.0) / best
            description[row] = h.match
            if h.match == "close":
                listed[row] = True
    rows = np.flatnonzero(listed)
    strength = _strength(cat)
    order = rows[np.lexsort((cat.title_rank()[rows], -strength[rows], -score[rows]))]
    start = (max(1, page) - 1) * per_page
    cases = []
    for row in order[start : start + per_page].tolist():
        rec = cat.records[row]
        facets = rec.get("facets") or {}
        shared = {f: v for f, v in profile.values().items() if v in (facets.get(f) or [])}
        where = None
        countries: list[str] = []
        if same[row]:
            where, countries = "same", [profile.country]
        elif near[row]:
            region = set(same_subregion(profile.country))
            where, countries = "subregion", [c for c in rec.get("countries") or [] if c in region]
        cases.append(
            Comparable(rec["id"], round(float(score[row]), 4), shared, where, countries, description.get(row), rec)
        )
    return Answer(len(order), cases, gaps(cat, profile), subregion(profile.country) if profile.country else None)


def _strength(cat) -> np.ndarray:  # noqa: ANN001
    """Each row's evaluation stage as a number (0 not evaluated … 4 replicated)."""
    out = np.zeros(len(cat), dtype=np.int64)
    for i, stage in enumerate(STAGES):
        if i:
            out[cat.mask({"evidence_stage": [stage]})] = i
    return out


def gap(cat, filters: dict[str, list[str]]) -> Gap:  # noqa: ANN001
    """How many cases match ``filters``, by evaluation stage, and the ratings of the evaluated ones.

    The counts are the catalog's facet counts for those filters, so they equal what the search page
    shows for the same filters (``tests/test_start.py``)."""
    counts = cat.facet_counts(cat.mask(filters))
    stages = counts.get("evidence_stage", {})
    evaluated = sum(stages.get(s, 0) for s in EVALUATED)
    ratings = {}
    if evaluated:
        ratings = cat.facet_counts(cat.mask({**filters, "evidence_stage": list(EVALUATED)})).get("evidence_rating", {})
    return Gap(filters, sum(stages.values()), evaluated, stages, ratings)


def gaps(cat, profile: Profile) -> list[Gap]:  # noqa: ANN001
    """The gap statement's lines, most specific first: the problem with the population and setting
    chosen, then the problem alone, then the problem in the country's sub-region."""
    chosen = {f: [v] for f, v in profile.values().items()}
    lines = []
    if chosen:
        lines.append(gap(cat, chosen))
    if profile.problems and len(chosen) > 1:
        lines.append(gap(cat, {"problems": [profile.problems]}))
    if profile.problems and profile.country:
        region = subregion(profile.country)
        countries = [profile.country, *same_subregion(profile.country)] if region else [profile.country]
        lines.append(gap(cat, {"problems": [profile.problems], "countries": countries}))
    return lines


rank_comparable = comparable
