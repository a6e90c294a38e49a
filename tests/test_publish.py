"""Publishing a submission without loss (indexer/publish.py): check, write atomically, commit, re-index."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

import indexer.publish as pub
from indexer.build import build_index
from indexer.embedders import HashEmbedder
from indexer.publish import Person, PublishError, check_files, file_hashes, publish
from indexer.search import Searcher

DATA = Path(__file__).resolve().parent / "data"
CASES = Path(__file__).resolve().parents[1] / "cases"
CASE_ID = "portal-quadrant-plan"
EN = (DATA / "valid_cases" / "valid-english-case.md").read_text(encoding="utf-8").replace("valid-english-case", CASE_ID)
ES = (
    (DATA / "translations" / "valid-english-case.es.md")
    .read_text(encoding="utf-8")
    .replace("valid-english-case", CASE_ID)
)
FILES = {f"{CASE_ID}.md": EN, f"{CASE_ID}.es.md": ES}
AUTHOR = Person("Policía Nacional de Colombia", "planeacion@policia.example")
EDITOR = Person("Ana Editor", "ana@oas.example")
EMB = HashEmbedder()


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """The shipped cases and an index of them, built once (with relative paths: cwd is the folder)."""
    root = tmp_path_factory.mktemp("site")
    shutil.copytree(CASES, root / "cases")
    cwd = os.getcwd()
    os.chdir(root)
    try:
        build_index(Path("cases"), Path("index"), embedder=EMB, log=lambda m: None)
    finally:
        os.chdir(cwd)
    return root


@pytest.fixture()
def site(tmp_path, template, monkeypatch):
    """A git repository holding a copy of the shipped cases, and an index built from them (cwd: the repo)."""
    repo = tmp_path / "repo"
    shutil.copytree(template, repo, symlinks=True)
    monkeypatch.chdir(repo)
    git(repo, "init", "-q", "-b", "main")
    (repo / ".gitignore").write_text("index/\n")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "add", "cases", ".gitignore")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "cases")
    return repo / "cases", repo / "index"


def run(cases: Path, index: Path, files=FILES, **kw):
    kw.setdefault("submission", "S-42")
    kw.setdefault("author", AUTHOR)
    kw.setdefault("committer", EDITOR)
    return publish(files, cases, index, embedder=EMB, **kw)


def commits(repo: Path) -> int:
    return int(git(repo, "rev-list", "--count", "HEAD").strip())


def test_publish_writes_commits_and_indexes_without_restart(site):
    cases, index = site
    searcher = Searcher.open(index, embedder=EMB)  # the running site, opened before the publication
    assert searcher.get(CASE_ID) is None
    result = publish(
        FILES, cases, index, submission="S-42", author=AUTHOR, committer=EDITOR, embedder=EMB, new_case=True
    )
    assert not result.already and result.indexed and result.commit
    assert (cases / f"{CASE_ID}.md").read_text(encoding="utf-8") == EN
    assert (cases / f"{CASE_ID}.es.md").read_text(encoding="utf-8") == ES
    repo = cases.parent
    show = git(repo, "show", "-s", "--format=%an|%ae|%cn|%ce|%B", "HEAD")
    assert show.startswith("Policía Nacional de Colombia|planeacion@policia.example|Ana Editor|ana@oas.example|")
    assert "S-42" in show.splitlines()[0] and CASE_ID in show
    assert sorted(git(repo, "show", "--name-only", "--format=", "HEAD").split()) == [
        f"cases/{CASE_ID}.es.md",
        f"cases/{CASE_ID}.md",
    ]
    assert git(repo, "status", "--porcelain") == ""
    assert not list(cases.glob(".publish-*"))
    assert searcher.refresh() is True  # what the web app does on every request
    assert searcher.get(CASE_ID) is not None
    hits = searcher.search("Quadrant-based community policing plan", mode="keyword").hits
    assert hits[0].id == CASE_ID


def test_invalid_submission_writes_nothing(site):
    cases, index = site
    before = commits(cases.parent)
    live = os.readlink(index / "current")
    bad = dict(FILES, **{f"{CASE_ID}.md": EN.replace("countries: [CO]", "countries: [XX]")})
    with pytest.raises(PublishError) as err:
        run(cases, index, bad)
    assert err.value.step == "check" and not err.value.retryable
    assert any(p.field.startswith("countries") and p.path.endswith(f"cases/{CASE_ID}.md") for p in err.value.problems)
    assert not (cases / f"{CASE_ID}.md").exists() and not (cases / f"{CASE_ID}.es.md").exists()
    assert commits(cases.parent) == before and os.readlink(index / "current") == live
    # the message comes in the reader's language too
    assert "caselib check" in err.value.render("es") and err.value.render("es") != err.value.render("en")


def test_check_counts_warnings_and_checks_translations_against_the_original(site):
    cases, _ = site
    todo = EN.replace("mechanism: A fixed team", 'mechanism: "TODO: say how it works" #')
    errors, warnings = check_files({f"{CASE_ID}.md": todo}, cases)
    assert errors and all(p.severity == "warning" for p in errors)
    errors, warnings = check_files({f"{CASE_ID}.md": todo}, cases, strict=False)
    assert not errors and warnings
    # a translation alone is checked against the original, which must exist
    with pytest.raises(PublishError) as err:
        check_files({f"{CASE_ID}.es.md": ES}, cases)
    assert err.value.code == "no_original"
    # related ids are checked against the real library
    rel = EN.replace("related: []", "related: [brazil-fica-vivo-homicide-control, no-such-case]")
    errors, _ = check_files({f"{CASE_ID}.md": rel}, cases)
    assert [p.field for p in errors] == ["related"] and "no-such-case" in errors[0].message
    assert "brazil-fica-vivo" not in errors[0].message
    # an edited original is checked against the case's existing translations
    cid = "brazil-fica-vivo-homicide-control"
    orig = (cases / f"{cid}.md").read_text(encoding="utf-8")
    added = orig.replace("## Sources", "## Costs\n\nNot documented.\n\n## Sources")
    errors, _ = check_files({f"{cid}.md": added}, cases)
    assert sorted(p.path for p in errors) == [f"cases/{cid}.es.md", f"cases/{cid}.pt.md"]
    assert all("sections differ" in p.message for p in errors)
    # ... and passes once its translations come with it
    files = {f"{cid}.md": added}
    for lang, head in (("es", "Costos"), ("pt", "Custos")):
        tr = (cases / f"{cid}.{lang}.md").read_text(encoding="utf-8")
        sources = "## Fuentes" if lang == "es" else "## Fontes"
        files[f"{cid}.{lang}.md"] = tr.replace(sources, f"## {head}\n\nNo documentado.\n\n{sources}")
    assert check_files(files, cases) == ([], [])


@pytest.mark.parametrize("name", ["../evil.md", "x/y.md", "Caps.md", "a.md.txt", "a.xx.md"])
def test_names_outside_the_format_are_refused(site, name):
    cases, index = site
    with pytest.raises(PublishError) as err:
        run(cases, index, {name: EN})
    assert err.value.code == "bad_name"
    assert not (cases.parent / "evil.md").exists()


def test_several_cases_at_once_are_refused(site):
    cases, index = site
    with pytest.raises(PublishError) as err:
        run(cases, index, {f"{CASE_ID}.md": EN, "other-case.md": EN})
    assert err.value.code == "mixed_ids"


def test_a_failed_write_puts_every_file_back(site, monkeypatch):
    cases, index = site
    cid = "brazil-fica-vivo-homicide-control"
    old = {n: (cases / n).read_bytes() for n in (f"{cid}.md", f"{cid}.es.md")}
    files = {n: v.decode().replace("Fica Vivo!", "Fica Vivo") for n, v in old.items()}
    real = pub._write_atomic
    calls = []

    def failing(path, data, tag):
        calls.append(path.name)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real(path, data, tag)

    monkeypatch.setattr(pub, "_write_atomic", failing)
    before = commits(cases.parent)
    with pytest.raises(PublishError) as err:
        run(cases, index, files)
    assert err.value.step == "write" and err.value.retryable
    assert calls[0] == f"{cid}.md"  # the original goes first
    assert {n: (cases / n).read_bytes() for n in old} == old  # the first file was put back
    assert git(cases.parent, "status", "--porcelain") == "" and commits(cases.parent) == before
    assert not list(cases.glob(".publish-*"))
    monkeypatch.setattr(pub, "_write_atomic", real)
    assert run(cases, index, files).commit  # the retry publishes


def test_a_failed_commit_leaves_nothing_and_a_retry_publishes_once(site):
    cases, index = site
    repo = cases.parent
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 'refused by policy' >&2\nexit 1\n")
    hook.chmod(0o755)
    before = commits(repo)
    live = os.readlink(index / "current")
    with pytest.raises(PublishError) as err:
        run(cases, index)
    assert err.value.step == "commit" and err.value.retryable and "refused by policy" in str(err.value)
    assert not (cases / f"{CASE_ID}.md").exists() and not (cases / f"{CASE_ID}.es.md").exists()
    assert git(repo, "status", "--porcelain") == "" and commits(repo) == before
    assert os.readlink(index / "current") == live
    hook.unlink()
    result = run(cases, index)
    assert result.commit and commits(repo) == before + 1


def test_a_failed_index_update_is_finished_by_a_retry(site, monkeypatch):
    cases, index = site
    repo = cases.parent
    import indexer.build

    def broken(*a, **kw):
        raise indexer.build.IndexError_("disk full")

    real = indexer.build.build_index
    monkeypatch.setattr(indexer.build, "build_index", broken)
    with pytest.raises(PublishError) as err:
        run(cases, index)
    assert err.value.step == "index" and err.value.retryable and "caselib index" in str(err.value)
    assert (cases / f"{CASE_ID}.md").exists() and commits(repo) == 2  # published: files and commit kept
    monkeypatch.setattr(indexer.build, "build_index", real)
    result = run(cases, index)
    assert result.already and result.commit is None and result.indexed
    assert commits(repo) == 2
    assert Searcher.open(index, embedder=EMB).get(CASE_ID) is not None


def test_two_editors_approving_at_once_publish_once(site):
    cases, index = site
    repo = cases.parent
    barrier = threading.Barrier(2)
    results, errors = [], []

    def approve(editor):
        barrier.wait()
        try:
            results.append(run(cases, index, committer=editor))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=approve, args=(Person(n, f"{n}@oas.example"),)) for n in ("ana", "ben")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(r.already for r in results) == [False, True]
    assert commits(repo) == 2
    log = git(repo, "log", "--format=%s")
    assert log.count("S-42") == 1


def test_an_edit_made_from_an_old_version_is_a_conflict(site):
    cases, index = site
    cid = "brazil-fica-vivo-homicide-control"
    base = file_hashes(cases, cid)
    assert set(base) == {f"{cid}.md", f"{cid}.es.md", f"{cid}.pt.md"}
    original = (cases / f"{cid}.md").read_text(encoding="utf-8")
    # someone publishes another version first
    run(cases, index, {f"{cid}.md": original.replace("Sebrae", "SEBRAE")}, submission="S-1")
    with pytest.raises(PublishError) as err:
        run(cases, index, {f"{cid}.md": original.replace("Sebrae", "Sebrae (Brazil)")}, submission="S-2", base=base)
    assert err.value.code == "conflict"
    assert "SEBRAE" in (cases / f"{cid}.md").read_text(encoding="utf-8")


def test_a_new_case_may_not_overwrite_a_published_one(site):
    cases, index = site
    cid = "brazil-fica-vivo-homicide-control"
    text = (cases / f"{cid}.md").read_text(encoding="utf-8").replace("Sebrae", "SEBRAE")
    with pytest.raises(PublishError) as err:
        run(cases, index, {f"{cid}.md": text}, new_case=True)
    assert err.value.code == "exists"


def test_outside_git_the_files_are_published_without_a_commit(site):
    cases, index = site
    shutil.rmtree(cases.parent / ".git")
    result = run(cases, index)
    assert result.commit is None and result.indexed and (cases / f"{CASE_ID}.md").exists()


def test_a_busy_lock_is_a_retryable_error(site):
    cases, index = site
    with pub.publish_lock(index):
        with pytest.raises(PublishError) as err:
            run(cases, index, lock_timeout=0.2)
    assert err.value.step == "lock" and err.value.retryable


def test_identities_git_refuses_are_cleaned(site):
    cases, index = site
    result = run(cases, index, author=Person("Evil <x@y>\nInjected: 1", ""))
    assert result.commit
    show = git(cases.parent, "show", "-s", "--format=%an|%ae", "HEAD").strip()
    assert show == "Evil x@y Injected: 1|no-reply@caselib.invalid"


def test_load_submission_gives_the_case_as_it_would_be_published(site):
    cases, _ = site
    case, errors, warnings = pub.load_submission(FILES, cases)
    assert errors == [] and case.id == CASE_ID and case.path == f"cases/{CASE_ID}.md"
    assert [t.language for t in case.translations] == ["es"]
    assert case.translations[0].meta["title"] == "Plan de policía comunitaria por cuadrantes"
    # a case file with errors gives no case, only its problems
    case, errors, _ = pub.load_submission({f"{CASE_ID}.md": EN.replace("countries: [CO]", "countries: [XX]")}, cases)
    assert case is None and errors
