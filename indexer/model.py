"""Frozen dataclasses shared by every layer: problems, cases, sections."""

from __future__ import annotations

import hashlib
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
class Translation:
    """A valid translation file ``cases/<id>.<lang>.md``: translated title, summary, text fields and body.

    A stand-in (``meta == {}``) is a translation an incremental build found unchanged: only its
    language, path and hash are known, which is all the build needs of it."""

    case_id: str
    language: str
    path: str
    meta: dict[str, Any]
    sections: tuple[Section, ...]
    content_hash: str  # sha256 of the file's bytes
    warnings: tuple[Problem, ...] = field(default=(), compare=False)
    key_lines: dict[str, int] = field(default_factory=dict, compare=False)

    @property
    def status(self) -> str:
        return self.meta.get("status", "partial")

    @property
    def complete(self) -> bool:
        return self.status == "complete"

    @property
    def title(self) -> str:
        return self.meta.get("title", "")

    @property
    def summary(self) -> str:
        return self.meta.get("summary", "")

    def as_dict(self) -> dict[str, Any]:
        """What a full record stores of it (see ``versions.localize``)."""
        return {
            "language": self.language,
            "meta": self.meta,
            "sections": [{"key": s.key, "heading": s.heading, "text": s.text} for s in self.sections],
            "path": self.path,
            "hash": self.content_hash,
        }


@dataclass(frozen=True)
class Case:
    """A valid case file: its front matter, body and derived fields.

    ``translations`` holds its valid translation files (``cases/<id>.<lang>.md``), by language order;
    ``localized(lang)`` gives the view of the case in one language (see ``indexer.versions``)."""

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
    translations: tuple[Translation, ...] = field(default=(), compare=False)

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

    @property
    def index_hash(self) -> str:
        """Hash of the case file and its translation files: an index build re-indexes the case when it changes."""
        if not self.translations:
            return self.content_hash
        parts = [self.content_hash] + sorted(f"{t.language}:{t.content_hash}" for t in self.translations)
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()

    def translation(self, lang: str) -> Translation | None:
        return next((t for t in self.translations if t.language == lang), None)

    @property
    def languages(self) -> list[str]:
        """The original's language, then every translation's (complete or partial)."""
        return [self.meta.get("language", "en")] + sorted(t.language for t in self.translations)

    @property
    def readable_languages(self) -> list[str]:
        """Languages the whole case can be read in: the original's and its complete translations'."""
        return [self.meta.get("language", "en")] + sorted(t.language for t in self.translations if t.complete)

    def localized(self, lang: str) -> dict[str, Any]:
        """The case in language ``lang`` as far as versions exist (see ``indexer.versions.localize``)."""
        from .versions import localize, record_versions

        return localize(self.meta, [s.__dict__ for s in self.sections], record_versions(self), lang)

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
            "problems": list(m.get("problems") or []),
            "target_population": list(m.get("target_population") or []),
            "setting": list(m.get("setting") or []),
            "translation": self.readable_languages,
        }

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)
