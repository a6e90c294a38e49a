"""The precomputed keyword matrix gives Whoosh's own BM25F scores, after full and incremental builds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import originals

from indexer.build import current_build
from indexer.keyword import KeywordIndex

QUERIES = [
    "community policing",
    "police police police training",  # repeated words count every time, as in Whoosh
    "violencia doméstica contra las mujeres",
    "policía comunitaria en los barrios",
    "prevenção da violência juvenil",
    "crime observatory data Jamaica",
    "Vecinos Vigilantes",
    "AMERIPOL",
    "zzzz unknownword",
]


def whoosh_scores(kw: KeywordIndex, query: str) -> dict[str, float]:
    hits = kw.search(query, limit=None)
    return dict(zip(hits.ids, hits.scores, strict=True))


def matrix_scores(kw: KeywordIndex, query: str) -> dict[str, float]:
    dense = kw.scores(query)
    return {kw.terms.ids[i]: float(dense[i]) for i in np.flatnonzero(dense > 0)}


@pytest.mark.parametrize("query", QUERIES)
def test_matrix_equals_whoosh(hash_index, query):
    kw = KeywordIndex.open(current_build(hash_index) / "keyword")
    try:
        expected, got = whoosh_scores(kw, query), matrix_scores(kw, query)
        assert set(got) == set(expected)
        for cid, score in expected.items():
            assert got[cid] == pytest.approx(score, rel=1e-5), cid
        if query != "zzzz unknownword":
            assert expected, f"golden query {query!r} should match something"
    finally:
        kw.close()


def test_query_language_is_left_to_whoosh(hash_index):
    kw = KeywordIndex.open(current_build(hash_index) / "keyword")
    try:
        assert kw.scores('"community policing"') is None
        assert kw.scores("police AND training") is None
        assert kw.scores("police training") is not None
    finally:
        kw.close()


def test_incremental_matrix_equals_a_full_build(tmp_path, library, build):
    """Editing, adding and removing cases updates the weights of every case (idf, average lengths)."""
    inc = tmp_path / "inc"
    build(library, inc)
    first = current_build(inc)
    before = KeywordIndex.open(first / "keyword")
    before_scores = whoosh_scores(before, "community policing")
    before.close()
    files = originals(library)
    edited = files[0]
    added_text = "\nCommunity policing and police training.\n"
    edited.write_text(edited.read_text(encoding="utf-8") + added_text, encoding="utf-8")
    files[1].unlink()
    added = library / "zz-copy.md"
    text = files[2].read_text(encoding="utf-8")
    stem = files[2].stem
    added.write_text(text.replace(f"id: {stem}", "id: zz-copy", 1), encoding="utf-8")
    report = build(library, inc)
    assert not report.full and report.indexed == 2 and report.removed == 1
    old = KeywordIndex.open(first / "keyword")  # the previous build (hard-linked files) is untouched
    try:
        assert whoosh_scores(old, "community policing") == before_scores
    finally:
        old.close()
    full = tmp_path / "full"
    build(library, full)
    a = KeywordIndex.open(current_build(inc) / "keyword")
    b = KeywordIndex.open(current_build(full) / "keyword")
    try:
        assert a.terms.ids == b.terms.ids and "zz-copy" in a.terms.ids
        for query in QUERIES:
            np.testing.assert_allclose(a.scores(query), b.scores(query), rtol=1e-5, err_msg=query)
        assert matrix_scores(a, "police training")  # the edited case's new words are found
    finally:
        a.close()
        b.close()


def test_damaged_matrix_is_reported(tmp_path, library, build, hash_embedder):
    from indexer.errors import IndexFolderError
    from indexer.search import Searcher

    ix = tmp_path / "ix"
    build(library, ix)
    (current_build(ix) / "keyword" / "terms" / "ids.json").write_text('["not-a-case"]')
    with pytest.raises(IndexFolderError, match="rebuild"):
        Searcher.open(ix, embedder=hash_embedder)


def test_files_are_listed(hash_index):
    from indexer import terms

    folder = current_build(hash_index) / "keyword" / "terms"
    assert {p.name for p in Path(folder).iterdir()} >= set(terms.FILES)


def test_edit_distance():
    from indexer.speller import edit_distance

    assert edit_distance("homocide", "homicide") == 1
    assert edit_distance("homocide", "homicides") == 2
    assert edit_distance("polcia", "policia") == 1  # a transposition is one edit
    assert edit_distance("", "abc") == 3 and edit_distance("same", "same") == 0


def test_suggestions_never_correct_stop_words(hash_searcher):
    r = hash_searcher.search("cómo prevenir homocide")
    assert r.suggestion is not None and r.suggestion.split()[0] == "cómo"
    assert r.suggestion.endswith("homicide")


def test_cooccurrence_counts_cases_with_every_word(hash_index):
    from indexer.speller import cooccurring

    kw = KeywordIndex.open(current_build(hash_index) / "keyword")
    try:
        both = set(kw.terms.docs("spell", "community")) & set(kw.terms.docs("spell", "policing"))
        assert both and cooccurring(kw, ["community", "policing"]) == len(both)
        assert cooccurring(kw, ["community", "zzzzunknown"]) == 0
        assert kw.knows("Policía") and not kw.knows("zzzzunknown")
    finally:
        kw.close()


def test_incremental_centroids_equal_a_full_build(tmp_path, library, build):
    """Similar cases after an incremental build: reused centroids plus recomputed ones, as a full build."""
    from indexer.vectors import VectorIndex

    inc, full = tmp_path / "inc", tmp_path / "full"
    build(library, inc)
    files = originals(library)
    for f in (files[0], files[len(files) // 2]):
        f.write_text(f.read_text(encoding="utf-8") + "\nA new paragraph on police training.\n", encoding="utf-8")
    files[-1].unlink()
    assert not build(library, inc).full
    build(library, full)
    a = VectorIndex.open(current_build(inc) / "vectors")
    b = VectorIndex.open(current_build(full) / "vectors")
    assert a.case_ids() == b.case_ids()
    np.testing.assert_allclose(a.centroids.astype(np.float32), b.centroids.astype(np.float32), atol=1e-3)
    assert np.abs(a.centroids.astype(np.float32)).sum(axis=1).min() > 0  # no case left without a centroid


def test_hybrid_candidates_tied_at_the_cut_keep_the_lowest_rows():
    from types import SimpleNamespace

    from indexer.ranking import keyword_rows

    dense = np.array([0.0, 2.0, 1.0, 1.0, 3.0, 1.0, 1.0, 0.5])
    st = SimpleNamespace(keyword=SimpleNamespace(scores=lambda q: dense.copy()))
    rows, scores = keyword_rows(st, "q", np.ones(len(dense), dtype=bool), {}, (None, None), 4)
    assert rows.tolist() == [4, 1, 2, 3] and scores.tolist() == [3.0, 2.0, 1.0, 1.0]
    every, _ = keyword_rows(st, "q", np.ones(len(dense), dtype=bool), {}, (None, None), None)
    assert every.tolist() == [4, 1, 2, 3, 5, 6, 7]


def test_an_incremental_build_never_rewrites_the_live_builds_files(tmp_path, library, build):
    """Unchanged Whoosh files are hard-linked into the next build; forms.json must not be written through the link."""
    ix = tmp_path / "ix"
    build(library, ix)
    live = current_build(ix)
    before = {p.name: p.read_bytes() for p in (live / "keyword").iterdir() if p.is_file()}
    case = originals(library)[0]
    case.write_text(case.read_text(encoding="utf-8") + "\nUn informe sobre el ñandúbay.\n", encoding="utf-8")
    build(library, ix)
    assert current_build(ix) != live
    after = {p.name: p.read_bytes() for p in (live / "keyword").iterdir() if p.is_file()}
    assert after == before
    new_forms = (current_build(ix) / "keyword" / "forms.json").read_text(encoding="utf-8")
    assert "ñandúbay" in new_forms  # a new accented spelling: the new build's forms.json changed


def test_portuguese_text_goes_to_portuguese_fields(cases_dir):
    """Issue 13: Portuguese is analysed as Portuguese wherever it appears (title, summary, body)."""
    from indexer.keyword import document, make_schema
    from indexer.loader import load_library

    cases = {c.id: c for c in load_library(cases_dir).cases}
    case = cases["brazil-pernambuco-pact-for-life"]
    doc = document(case)
    assert doc["title_pt"] == "Pacto pela Vida" and "title_original" not in doc
    assert "Pacto pela Vida" in doc["body_pt"] and "Contexto e problema" in doc["body_pt"]
    assert "Contexto e problema" not in doc.get("body_en", "")  # the English version has its own fields
    assert "summary_pt" in doc or "pt" not in case.summary
    schema = make_schema()
    # the Portuguese stemmer: "vidas" and "vida" meet; Spanish or English stemming would differ on "pela"/"políticas"
    stems = [[t.text for t in schema["title_pt"].analyzer(w)] for w in ("vidas", "vida")]
    assert stems[0] == stems[1]
    assert [t.text for t in schema["title_pt"].analyzer("pela")] == []  # a Portuguese stop word


def test_the_query_languages_stop_words_score_nowhere(hash_index):
    """A Portuguese query's ``na``/``que`` are no Spanish or English stop words: they used to score in
    Spanish and English text. The query's own language's stop words are dropped in every field."""
    kw = KeywordIndex.open(current_build(hash_index) / "keyword")
    try:
        content = kw.scores("violência doméstica")
        assert np.array_equal(kw.scores("violência doméstica na que"), content)
        assert kw.scores("na que") is not None  # nothing but stop words: left as typed
        assert kw.scores("the police") is not None and kw.scores("the police").any()
    finally:
        kw.close()
