"""Cached search answers never outlive their index build."""

from __future__ import annotations

from conftest import originals

from indexer.search import LRU, Searcher


def test_repeated_search_is_answered_from_the_cache(hash_searcher):
    first = hash_searcher.search("community policing", mode="keyword")
    again = hash_searcher.search("community policing", mode="keyword")
    assert again is first
    other = hash_searcher.search("community policing", mode="keyword", page=2, per_page=5)
    assert other is not first and other.page == 2
    spanish = hash_searcher.search("community policing", mode="keyword", lang="es")
    assert spanish is not first


def test_a_rebuilt_index_is_not_answered_from_the_old_cache(tmp_path, library, build, hash_embedder):
    ix = tmp_path / "ix"
    build(library, ix)
    searcher = Searcher.open(ix, embedder=hash_embedder)
    assert searcher.search("quetzalcoatlus", mode="keyword").total == 0
    case = originals(library)[0]
    case.write_text(case.read_text(encoding="utf-8") + "\nThe quetzalcoatlus unit.\n", encoding="utf-8")
    build(library, ix)
    assert searcher.refresh()
    found = searcher.search("quetzalcoatlus", mode="keyword")
    assert found.total == 1 and found.hits[0].id == case.stem


def test_lru_evicts_the_least_recently_used():
    lru = LRU(2)
    lru.put("a", 1)
    lru.put("b", 2)
    assert lru.get("a") == 1  # a is now the most recent
    lru.put("c", 3)
    assert lru.get("b") is None and lru.get("a") == 1 and lru.get("c") == 3 and len(lru) == 2


def test_web_pages_follow_a_new_build(tmp_path, library, build, hash_embedder):
    from webapp import create_app

    ix = tmp_path / "ix"
    build(library, ix)
    searcher = Searcher.open(ix, embedder=hash_embedder)
    client = create_app({"SEARCHER": searcher, "INDEX_DIR": str(ix), "TESTING": True}).test_client()
    url = "/api/search?q=quetzalcoatlus&mode=keyword"
    assert client.get(url).get_json()["total"] == 0
    assert client.get(url).get_json()["total"] == 0  # answered from the page cache
    case = originals(library)[0]
    case.write_text(case.read_text(encoding="utf-8") + "\nThe quetzalcoatlus unit.\n", encoding="utf-8")
    build(library, ix)
    found = client.get(url).get_json()
    assert found["total"] == 1 and found["results"][0]["id"] == case.stem
    page = client.get("/search?q=quetzalcoatlus&mode=keyword")
    assert case.stem in page.get_data(as_text=True)
