"""Frozen dataclasses shared by every layer: problems, cases, sections."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: where, which field, what, and how to fix it."""

    path: str
    line: int
    field: str
    message: str  # in English (what `caselib check` prints by default)
    severity: str = ERROR
    # what went wrong as a code and its parameters (indexer.messages), so the message can be shown in
    # the reader's language; "" for problems reported only in English (e.g. YAML syntax errors)
    code: str = ""
    params: dict[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def __str__(self) -> str:
        tag = "" if self.severity == ERROR else "warning: "
        where = f"{self.path}:{self.line}" if self.line else self.path
        fld = f"{self.field}: " if self.field else ""
        return f"{where}: {tag}{fld}{self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "field": self.field,
            "message": self.message,
            "severity": self.severity,
            "code": self.code,
            "params": {
                k: v if isinstance(v, (int, float, bool)) or v is None else str(v) for k, v in self.params.items()
            },
        }


@dataclass(frozen=True)
class Section:
    """A level-2 section of a case body."""

    key: str  # canonical key: context, practice, implementation, results, lessons, sources, or a slug
    heading: str  # heading as written
    text: str  # Markdown under the heading
    line: int  # line of the heading in the file


@dataclass(frozen=True)
class Case:
    """A valid case file: its front matter, body and derived fields."""

    id: str
    path: str
    meta: dict[str, Any]
    body: str
    sections: tuple[Section, ...]
    content_hash: str
    warnings: tuple[Problem, ...] = field(default=(), compare=False)
    key_lines: dict[str, int] = field(default_factory=dict, compare=False)  # top-level key -> file line
    # the ``related`` ids as written, when the loader dropped some (unknown ids) from ``meta``
    related_declared: tuple[str, ...] | None = field(default=None, compare=False)

    # Convenience accessors over the front matter (validated, so keys exist).
    @property
    def title(self) -> str:
        return self.meta["title"]

    @property
    def title_original(self) -> str | None:
        return self.meta.get("title_original")

    @property
    def language(self) -> str:
        return self.meta["language"]

    @property
    def countries(self) -> list[str]:
        return list(self.meta["countries"])

    @property
    def pillars(self) -> list[str]:
        return list(self.meta["pillars"])

    @property
    def themes(self) -> list[str]:
        return list(self.meta["themes"])

    @property
    def summary(self) -> dict[str, str]:
        return dict(self.meta["summary"])

    @property
    def related(self) -> list[str]:
        return list(self.meta.get("related") or [])

    @property
    def start_year(self) -> int:
        return int(str(self.meta["period"]["start"])[:4])

    @property
    def end_year(self) -> int | None:
        end = self.meta["period"].get("end")
        return int(str(end)[:4]) if end is not None else None

    def facet_values(self) -> dict[str, list[str]]:
        """Values of every facet field, as lists of strings."""
        m = self.meta
        return {
            "pillars": self.pillars,
            "countries": self.countries,
            "themes": self.themes,
            "institution_type": [m["institution"]["type"]],
            "evidence_stage": [m["evidence"]["stage"]],
            "evidence_rating": [m["evidence"]["rating"]],
            "status": [m["status"]],
            "channel": [m["channel"]],
            "language": [m["language"]],
            "scale": [m["scale"]],
        }

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)
