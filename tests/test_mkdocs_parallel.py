"""MkDocs' page pass spread over forked workers (builder/mkdocs_parallel.py, issue 15): the
same bytes as MkDocs' own build, the same strict-mode failures, a French message when a
worker dies.

Each check runs in a fresh interpreter: in a test session other tests' fixtures leave
threads running, and the pipeline never forks beside a thread (``pool.can_fork``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ONE_PROCESS_CHECK, REPO, copy_project, repo_project_copy, run_fresh, run_fresh_ok

PRELUDE = r"""
import hashlib, os, sys
from pathlib import Path
from builder import build as pipeline, mkdocs_parallel, pool, site
from builder.config import Project
assert pool.can_fork(), "a fresh interpreter runs no other thread"
project, work = Project(Path(sys.argv[1])), Path(sys.argv[2])
_, kit, generated, config_file = pipeline.render(project, work / "travail")
pool.worker_count = lambda items: 2  # two workers, even on a one-core machine
used = []
real_build = mkdocs_parallel.build
def counted(config, workers=None, page_hook=None):
    used.append(workers)
    return real_build(config, workers, page_hook)
mkdocs_parallel.build = counted

def tree(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}

def built(label, minimum):
    mkdocs_parallel.MIN_PARALLEL_PAGES = minimum
    try:
        site.run_mkdocs(config_file, work / label)
        return "ok", tree(work / label)
    except site.MkDocsFailed as error:
        return "échec", str(error)
"""

SAME_BYTES = PRELUDE + r"""
alone = built("mkdocs", 10**9)
spread = built("coeurs", 1)
assert used == [None], used
assert alone[0] == spread[0] == "ok", (alone, spread)
assert sum(name.endswith(".html") for name in spread[1]) >= 5, len(spread[1])
assert spread[1] == alone[1], sorted(n for n in alone[1] if alone[1][n] != spread[1].get(n))
print("identiques", len(spread[1]))
"""

SAME_FAILURE = PRELUDE + r"""
# Faults MkDocs warns about, put straight into the generated Markdown (kit check would refuse
# them earlier): a link to a missing page (warned while a worker reads the page) and one to a
# missing anchor of another page (warned by the anchor check, from what the workers found).
page = sorted(p for p in generated.docs_dir.rglob("*.md") if p.name != "index.md")[0]
home = Path(os.path.relpath(generated.docs_dir / "index.md", page.parent)).as_posix()
page.write_text(page.read_text(encoding="utf-8") + f"\n\n[absente](page-absente.md) [ancre]({home}#ancre-absente)\n",
                encoding="utf-8")
alone = built("mkdocs", 10**9)
spread = built("coeurs", 1)
assert used == [None], used
assert alone[0] == spread[0] == "échec", (alone, spread)
assert sorted(spread[1].splitlines()) == sorted(alone[1].splitlines()), (alone, spread)
print(spread[1])
"""

WORKER_DIES = PRELUDE + r"""
def dies(numbers):
    os._exit(3)
mkdocs_parallel._build_share = dies
outcome = built("coeurs", 1)
assert outcome[0] == "échec", outcome
print(outcome[1])
"""


@pytest.mark.parametrize("kit", ["dépôt", "autre-kit"])
def test_pages_built_by_workers_are_mkdocs_own(kit: str, tmp_path: Path, fixed_epoch: str) -> None:
    if kit == "dépôt":
        project = repo_project_copy(tmp_path / "kit")
    else:
        project = copy_project(REPO / "tests" / "fixtures" / "autre-kit", tmp_path / "kit")
    run_fresh_ok(SAME_BYTES, project.root, tmp_path, prints="identiques")


def test_a_warning_in_a_worker_fails_the_strict_build_as_mkdocs_does(tmp_path: Path, fixed_epoch: str) -> None:
    project = repo_project_copy(tmp_path / "kit")
    done = run_fresh(SAME_FAILURE, project.root, tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    # MkDocs' warnings, replayed from the worker into the build's messages
    assert "page-absente.md" in done.stdout
    assert "ancre-absente" in done.stdout
    assert "Traceback" not in done.stdout


def test_a_dead_worker_is_told_in_french(tmp_path: Path, fixed_epoch: str) -> None:
    project = repo_project_copy(tmp_path / "kit")
    done = run_fresh(WORKER_DIES, project.root, tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Un processus de travail de la construction s'est arrêté sans répondre" in done.stdout


# kit build whose post-build page work (search reading, typography, policy) is done by
# MkDocs' workers on each page before it is written (builder.build.PagePass), against the
# same build in one process (stages after MkDocs): the same bytes, search files and zip included.
PAGE_PASS_BUILD = ONE_PROCESS_CHECK + r"""
import hashlib, sys
from pathlib import Path
from builder import build as pipeline, mkdocs_parallel, pool
from builder.config import Project
assert pool.can_fork(), "a fresh interpreter runs no other thread"
project, work = Project(Path(sys.argv[1])), Path(sys.argv[2])
pool.worker_count = lambda items: 2  # two workers, even on a one-core machine
mkdocs_parallel.MIN_PARALLEL_PAGES = 1
hooked, rewritten = [], []
real_build, real_rewrite = mkdocs_parallel.build, pool.rewrite_pages
def build(config, workers=None, page_hook=None):
    found = real_build(config, workers, page_hook)
    hooked.append(sorted(found))
    return found
def rewrite(site_dir, transforms, workers=None, skip=()):
    rewritten.append(sorted(p for p in pool.html_pages(site_dir) if p not in skip))
    return real_rewrite(site_dir, transforms, workers, skip)
mkdocs_parallel.build, pool.rewrite_pages = build, rewrite
pipeline.build(project, work / "site-coeurs")
pages = pool.html_pages(work / "site-coeurs")
assert len(hooked) == 1 and len(hooked[0]) >= 5, hooked
assert set(hooked[0]) | set(rewritten[0]) == set(pages), (hooked, rewritten)
assert not set(hooked[0]) & set(rewritten[0]), "a page went through the stages twice"
assert "404.html" in rewritten[0]  # built after the workers, by MkDocs in this process
ours = same_as_one_process(project, work, "site-coeurs")
print("identiques", len(hooked[0]), len(ours))
"""


@pytest.mark.parametrize("kit", ["dépôt", "autre-kit"])
def test_pages_finished_by_mkdocs_workers_equal_the_stages_after_mkdocs(kit: str, tmp_path: Path,
                                                                       fixed_epoch: str) -> None:
    if kit == "dépôt":
        project = repo_project_copy(tmp_path / "kit")
    else:
        project = copy_project(REPO / "tests" / "fixtures" / "autre-kit", tmp_path / "kit")
    run_fresh_ok(PAGE_PASS_BUILD, project.root, tmp_path, prints="identiques", timeout=600)


def test_a_page_pass_needs_every_stage_to_say_what_it_reads() -> None:
    from builder import build as pipeline

    def reads_pages_unsaid(*arguments: object) -> None:
        """A whole-site stage that may read the pages as it likes."""

    def upper(html: str) -> str:
        return html.upper()

    def titles(address: str, html: str) -> str:
        return f"{address}:{html}"

    def saying(*arguments: object) -> None:
        """A whole-site stage that says what it reads of a page."""

    saying.page_reading = titles  # type: ignore[attr-defined]
    upper_stage = type("Stage", (), {"page_transform": staticmethod(upper)})()
    assert pipeline.PagePass.of([reads_pages_unsaid, upper_stage]) is None
    page_pass = pipeline.PagePass.of([saying, upper_stage, saying])
    assert page_pass is not None
    # each reading sees the page as the stages before it left it
    assert page_pass("a.html", "x") == ("X", {0: "a.html:x", 2: "a.html:X"})
    assert pipeline.PagePass.of(pipeline.POST_BUILD_STAGES) is not None


# The page hook runs once per page, however many shares a worker builds (MkDocs registers an
# event again at each registration: a hook added per share ran 1, 2, 3… times).
HOOK_ONCE = PRELUDE + r"""
mkdocs_parallel.MIN_PARALLEL_PAGES = 1
mkdocs_parallel.SHARE_PAGES = 3  # many shares per worker
def hook(address, html):
    return html.replace("</body>", "<!--kit-crochet--></body>"), address
found = site.run_mkdocs(config_file, work / "crochet", page_hook=hook)
assert used == [None], used
assert len(found) >= 5 and all(found[a] == a for a in found), found
counts = {a: (work / "crochet" / a).read_text(encoding="utf-8").count("<!--kit-crochet-->") for a in found}
assert set(counts.values()) == {1}, counts
print("une fois", len(found))
"""


def test_the_page_hook_runs_once_per_page_over_many_shares(tmp_path: Path, fixed_epoch: str) -> None:
    project = repo_project_copy(tmp_path / "kit")
    run_fresh_ok(HOOK_ONCE, project.root, tmp_path, prints="une fois")
