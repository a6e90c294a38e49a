"""The speller (issue 13): real words of es, pt and en are never "corrected"; typos still are."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from indexer import speller

DATA = Path(__file__).resolve().parent / "data"

WORDS = yaml.safe_load((DATA / "real-words.yml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("lang", ["es", "pt", "en"])
def test_real_words_are_never_corrected(hash_searcher, lang):
    words = list(dict.fromkeys(WORDS[lang].split()))
    assert len(words) >= 200
    kw = hash_searcher._state.keyword
    changed = {w: kw.suggest(w) for w in words if kw.suggest(w) is not None}
    assert changed == {}
    # whole queries too, as typed: punctuation and accents kept, nothing changed
    for phrase in WORDS.get(f"{lang}_phrases", []):
        assert kw.suggest(phrase) is None, phrase


def test_issue_words_are_real_in_their_language():
    pairs = [("maras", "es"), ("mujeres", "es"), ("pandillas", "es"), ("extorsión", "es"), ("milícias", "pt")]
    for word, lang in pairs:
        assert lang in speller.zipf(word)
        assert speller.zipf(word.upper()) == speller.zipf(word)  # folded: case and accents do not matter
    assert speller.zipf("xqzzv") == {} and not speller.is_real("blorft")


def test_query_language():
    assert speller.query_language("cómo reducir los homicidios de jóvenes en los barrios".split()) == "es"
    assert speller.query_language("como reduzir os homicídios de jovens nas favelas".split()) == "pt"
    assert speller.query_language("how to reduce youth homicide in the neighbourhoods".split()) == "en"
    assert speller.query_language(["xqzzv"]) is None


def test_typos_are_still_corrected_keeping_accents_and_punctuation(hash_searcher):
    kw = hash_searcher._state.keyword
    assert kw.suggest("¿polica comunitaria?") == "¿policía comunitaria?"
    assert kw.suggest("homocide prevention") == "homicide prevention"
    assert kw.suggest("maras y pandilas") == "maras y pandillas"
    assert kw.suggest("xqzzv blorft") is None  # nothing close: no suggestion
