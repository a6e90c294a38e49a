"""Synthetic case libraries for benchmarks: N valid case files generated from a seed.

Front matter spans every facet; bodies have the six sections at realistic length (about
400–700 words), two thirds in English and one third in Spanish. The text is recombined from
neutral phrase banks: it is benchmark filler, never library content.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

import yaml

from indexer import vocab

EN = [
    "The institution reviewed its procedures for {topic} in {place}.",
    "Officers were trained to apply the new {topic} protocol with community leaders.",
    "A working group met every month to follow {topic} indicators and adjust the plan.",
    "The programme combined patrols, data analysis and meetings with residents about {topic}.",
    "Local authorities shared information on {topic} with the national police.",
    "Funding came from the national budget and an international partner for {topic}.",
    "Reports describe the outputs of the {topic} effort but not its outcomes.",
    "Staff turnover and short budgets slowed the {topic} work in the second year.",
    "The unit documented its {topic} experience so that other institutions could adapt it.",
    "Residents were invited to identify priorities for {topic} in their neighbourhoods.",
]
ES = [
    "La institución revisó sus procedimientos de {topic} en {place}.",
    "Los agentes recibieron capacitación para aplicar el nuevo protocolo de {topic} con líderes comunitarios.",
    "Un grupo de trabajo se reunió cada mes para seguir indicadores de {topic} y ajustar el plan.",
    "El programa combinó patrullaje, análisis de datos y reuniones con vecinos sobre {topic}.",
    "Las autoridades locales compartieron información sobre {topic} con la policía nacional.",
    "El financiamiento provino del presupuesto nacional y de un socio internacional para {topic}.",
    "Los informes describen los productos del esfuerzo de {topic}, pero no sus resultados.",
    "La rotación de personal y la falta de presupuesto retrasaron el trabajo de {topic} en el segundo año.",
    "La unidad documentó su experiencia de {topic} para que otras instituciones pudieran adaptarla.",
    "Se invitó a los vecinos a identificar prioridades de {topic} en sus barrios.",
]
PLACES = [
    "the capital",
    "a border province",
    "three municipalities",
    "coastal towns",
    "the northern region",
    "two pilot districts",
    "rural areas",
    "the metropolitan area",
]
COUNTRIES = [
    "AR",
    "BO",
    "BR",
    "CL",
    "CO",
    "CR",
    "DO",
    "EC",
    "SV",
    "GT",
    "HN",
    "JM",
    "MX",
    "NI",
    "PA",
    "PY",
    "PE",
    "TT",
    "UY",
    "BS",
    "BB",
    "BZ",
    "GY",
    "CA",
    "US",
]


def _paragraph(rng: random.Random, bank: list[str], topic: str, n: int) -> str:
    return " ".join(rng.choice(bank).format(topic=topic, place=rng.choice(PLACES)) for _ in range(n))


PROBLEMS = vocab.enum_values("problems")
POPULATIONS = vocab.enum_values("target_population")
SETTINGS = vocab.enum_values("setting")


def make_translation(i: int, case_text: str) -> str:
    """A partial translation (title and summary) of case ``i`` into English or Spanish, as
    ``cases/<id>.<lang>.md``: the library has two translation files per case (format v2)."""
    spanish = i % 3 == 2
    lang = "en" if spanish else "es"
    meta = {
        "translation_of": f"synthetic-case-{i:06d}",
        "language": lang,
        "status": "partial",
        "translated_by": "caselib benchmarks",
        "translated_on": "2026-11-28",
        "title": f"{'Synthetic practice' if spanish else 'Práctica sintética'} {i}",
        "summary": f"{'Translated summary of practice' if spanish else 'Resumen traducido de la práctica'} {i}.",
    }
    return "---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True) + "---\n"


def make_case(i: int, rng: random.Random) -> str:
    spanish = i % 3 == 2
    theme = rng.choice(vocab.enum_values("themes"))
    topic_en = vocab.label("themes", theme, "en").lower()
    topic_es = vocab.label("themes", theme, "es").lower()
    lang = "es" if spanish else "en"
    bank, topic = (ES, topic_es) if spanish else (EN, topic_en)
    start = rng.randint(1995, 2024)
    meta = {
        "id": f"synthetic-case-{i:06d}",
        "title": f"Synthetic practice {i}: {topic_en} in {rng.choice(PLACES)}",
        **({"title_original": f"Práctica sintética {i}: {topic_es}"} if spanish else {}),
        "language": lang,
        "countries": rng.sample(COUNTRIES, rng.choice([1, 1, 1, 2, 3])),
        "scale": rng.choice(vocab.enum_values("scale")),
        "institution": {"name": f"Institution {i % 97}", "type": rng.choice(vocab.enum_values("institution_type"))},
        "pillars": rng.sample(vocab.enum_values("pillars"), rng.choice([1, 2])),
        "themes": list(dict.fromkeys([theme, rng.choice(vocab.enum_values("themes"))])),
        "period": {"start": start, "end": rng.choice([None, min(2025, start + rng.randint(1, 8))])},
        "status": rng.choice(vocab.enum_values("status")),
        "evidence": {"stage": "not-evaluated", "rating": "not-rated", "rationale": "Synthetic: no evaluation."},
        "evaluations": [],
        # format-v2 fields chosen from i, not from rng: the rest of the synthetic text stays as before
        "problems": [PROBLEMS[i % len(PROBLEMS)]],
        "target_population": [POPULATIONS[i % len(POPULATIONS)]],
        "setting": [SETTINGS[i % len(SETTINGS)]],
        "mechanism": f"Synthetic mechanism of practice {i}: how it is meant to work.",
        "resources": {k: "not-documented" for k in ("staff", "training", "equipment", "duration", "budget")},
        "channel": rng.choice(vocab.enum_values("channel")),
        "sources": [{"title": f"Synthetic source {i}", "publisher": "caselib benchmarks", "year": 2026}],
        "summary": {"en": _paragraph(rng, EN, topic_en, 3), "es": _paragraph(rng, ES, topic_es, 3)},
        "documentation": {"status": "draft", "documented_by": "caselib benchmarks", "last_reviewed": "2026-11-22"},
    }
    body = []
    for key, names in vocab.SECTIONS:
        n = 1 if key == "sources" else rng.randint(4, 9)
        text = (
            f"- Synthetic source {i}, caselib benchmarks (2026)."
            if key == "sources"
            else "\n\n".join(_paragraph(rng, bank, topic, n) for _ in range(rng.randint(1, 2)))
        )
        body.append(f"## {names[lang]}\n\n{text}\n")
    return "---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True) + "---\n\n" + "\n".join(body)


def generate(out: Path, n: int, seed: int = 7, translations: bool = False) -> Path:
    """Write ``n`` cases into ``out`` (created), each with a partial translation file when
    ``translations``; returns ``out``."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        text = make_case(i, rng)
        (out / f"synthetic-case-{i:06d}.md").write_text(text, encoding="utf-8")
        if translations:
            lang = "en" if i % 3 == 2 else "es"
            (out / f"synthetic-case-{i:06d}.{lang}.md").write_text(make_translation(i, text), encoding="utf-8")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("n", type=int)
    ap.add_argument("out", type=Path)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--translations", action="store_true", help="a partial translation file beside every case")
    args = ap.parse_args()
    generate(args.out, args.n, args.seed, args.translations)
    print(f"wrote {args.n} cases to {args.out}")


if __name__ == "__main__":
    main()
