"""Section-aware chunks that fit the embedding model; pure functions.

Each case yields one chunk per summary language and one or more chunks per body section
(the Sources section is left to the keyword index). Every chunk's embedded text starts with
the case title and the section heading, so a chunk read alone still says what it is about.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from .model import Case

MAX_TOKENS = 200  # word pieces per chunk, prefix included (the model reads up to 256)
_SENTENCE = re.compile(r"(?<=[.!?;])\s+")
_MD = re.compile(r"[*_`>#]+|\[([^\]]*)\]\([^)]*\)")
SUMMARY_HEADINGS = {"en": "Summary", "es": "Resumen", "pt": "Resumo", "fr": "Résumé"}


@dataclass(frozen=True)
class Chunk:
    case_id: str
    key: str  # 'summary-en', 'summary-es', 'context', 'practice', ...; a translation's sections 'es:context'
    heading: str
    text: str  # what is shown as a snippet (no prefix)
    embed_text: str  # what the model reads: prefix + text
    lang: str = ""  # language of the text ('' in indexes built before translations)

    @property
    def hash(self) -> str:
        return hashlib.sha1(self.embed_text.encode("utf-8")).hexdigest()


def plain(markdown: str) -> str:
    """Markdown to plain text, enough for embedding and snippets."""
    text = _MD.sub(lambda m: m.group(1) or "", markdown)
    text = re.sub(r"^\s*[-+]\s+", "", text, flags=re.M)
    return re.sub(r"[ \t]+", " ", text).strip()


def _pieces(text: str, budget: int, count: Callable[[str], int]) -> list[str]:
    """Greedy packing of paragraphs, then sentences, then words, into pieces of <= budget tokens.

    Each unit is tokenised once; a piece's size is the sum of its units' sizes (tokenising the
    joined text again would make chunking cost more than a fraction of encoding)."""
    units: list[tuple[str, int]] = []
    for para in re.split(r"\n\s*\n", text):
        para = " ".join(para.split())
        if not para:
            continue
        n = count(para)
        if n <= budget:
            units.append((para, n))
            continue
        for sentence in _SENTENCE.split(para):
            n = count(sentence)
            if n <= budget:
                units.append((sentence, n))
            else:  # a very long sentence: cut by words
                words = sentence.split()
                step = max(1, int(budget * 0.6))
                for i in range(0, len(words), step):
                    part = " ".join(words[i : i + step])
                    units.append((part, count(part)))
    pieces: list[str] = []
    current, size = "", 0
    for unit, n in units:
        if current and size + n > budget:
            pieces.append(current)
            current, size = "", 0
        current = f"{current} {unit}" if current else unit
        size += n
    if current:
        pieces.append(current)
    return pieces


def chunk_case(case: Case, count_tokens: Callable[[str], int], max_tokens: int = MAX_TOKENS) -> list[Chunk]:
    """All chunks of one case, in reading order."""
    title = case.title
    if case.title_original and case.title_original != title:
        title = f"{title} ({case.title_original})"
    chunks: list[Chunk] = []
    summaries = dict(case.summary)
    for tr in case.translations:  # a translation's summary, unless the case carries that language inline
        if tr.meta and tr.summary and tr.language not in summaries:
            summaries[tr.language] = tr.summary
    titles = {tr.language: tr.title for tr in case.translations if tr.meta and tr.title}
    for lang, text in summaries.items():
        heading = SUMMARY_HEADINGS.get(lang, "Summary")
        prefix = f"{titles.get(lang, title)}. {heading}: "
        for piece in _pieces(text, max_tokens - count_tokens(prefix), count_tokens):
            chunks.append(Chunk(case.id, f"summary-{lang}", heading, piece, prefix + piece, lang))
    _section_chunks(chunks, case.id, title, case.sections, "", case.language, count_tokens, max_tokens)
    # complete translations' sections too (partial ones may carry a few sections: those are indexed by
    # keyword only): every chunk costs a model encoding, and a complete version is a whole reading of the case
    for tr in case.translations:
        if tr.meta and tr.complete:
            _section_chunks(
                chunks, case.id, tr.title, tr.sections, f"{tr.language}:", tr.language, count_tokens, max_tokens
            )
    if not chunks:  # a case with neither summary nor body still gets found by its title
        chunks.append(Chunk(case.id, "title", "Title", title, title, "en"))
    return chunks


def _section_chunks(out, case_id, title, sections, key_prefix, lang, count_tokens, max_tokens) -> None:  # noqa: ANN001
    for section in sections:
        if section.key == "sources" or not section.text.strip():
            continue
        prefix = f"{title}. {section.heading}: "
        budget = max(32, max_tokens - count_tokens(prefix))
        for piece in _pieces(plain(section.text), budget, count_tokens):
            out.append(Chunk(case_id, key_prefix + section.key, section.heading, piece, prefix + piece, lang))
