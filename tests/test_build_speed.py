"""Issue 15, full builds: the page-local post-build stages fused into one pass over the pages,
spread over worker processes (builder.pool), give the same bytes as the stages run one after
the other in this process; a worker that dies gets a French message and leaves the site as it
was; the typography stage's fast scanner finds the text runs html.parser finds."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from builder import build as pipeline
from builder import csp, pool, typography
from builder.cli import main
from builder.typography import NBSP, NNBSP
from conftest import EPOCH, ONE_PROCESS_CHECK, built_mini, tree_hash


def _untypeset_copy(site: Path, target: Path) -> Path:
    """A copy of a built site as MkDocs left it, near enough: no policy, no no-break spaces."""
    shutil.copytree(site, target)
    for page in target.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        text = csp._EXISTING.sub("", text).replace(NBSP, " ").replace(NNBSP, " ")
        page.write_text(text, encoding="utf-8")
    return target


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_fused_pass_over_worker_processes_equals_the_stages_one_by_one(real_site: Path, tmp_path: Path) -> None:
    raw = _untypeset_copy(real_site, tmp_path / "brut")
    serial = tmp_path / "un-par-un"
    shutil.copytree(raw, serial)
    for stage in (typography.typography_stage, csp.csp_stage):  # as before issue 15: one read/write each
        stage(serial, None, None, None)
    fused = tmp_path / "fusionne"
    shutil.copytree(raw, fused)
    pipeline.run_post_build_stages(fused, None, None, None, stages=(typography.typography_stage, csp.csp_stage),
                                   workers=2)  # two processes, whatever this machine's cores
    expected, got = _files(serial), _files(fused)
    assert got == expected
    changed = [name for name in expected if expected[name] != _files(raw)[name]]
    assert len(changed) > 20  # the stages had work to do: every page got its policy
    assert all(csp.META_NAME in got[name].decode() for name in got if name.endswith(".html"))


def test_whole_site_stages_keep_their_place_between_fused_page_stages(tmp_path: Path) -> None:
    # A stage without page_transform splits the fusion: it sees the pages as the stages before it left them.
    site = tmp_path / "site"
    site.mkdir()
    (site / "a.html").write_text("<p>un : deux</p>", encoding="utf-8")
    seen: list[str] = []

    def whole_site(site_dir: Path, config: object, kit: object, context: object) -> None:
        seen.append((site_dir / "a.html").read_text(encoding="utf-8"))

    pipeline.run_post_build_stages(site, None, None, None, stages=(typography.typography_stage, whole_site, csp.csp_stage),
                                   workers=1)
    assert seen == [f"<p>un{NBSP}: deux</p>"]  # typeset, no policy yet
    assert csp.META_NAME in (site / "a.html").read_text(encoding="utf-8")


def test_pool_spreads_in_order_and_reports_a_worker_error_as_raised() -> None:
    pieces = [[n] for n in range(12)]
    assert pool.spread(sum, pieces, workers=2) == list(range(12))
    with pytest.raises(ZeroDivisionError):
        pool.spread(_divide, [1, 0, 2], workers=2)


# pool.spread's meanwhile: run once, in this process, while the forked workers compute; what it
# changes never reaches them; its error is raised and no worker is left running.
SPREAD_MEANWHILE = r"""
import os, sys, time
from pathlib import Path
from builder import pool
assert pool.can_fork(), "a fresh interpreter runs no other thread"
flags = Path(sys.argv[1])
STATE = {"mark": "avant"}
def piece(number):
    while not (flags / "pendant").exists():  # the parent's own work runs while this one waits
        time.sleep(0.01)
    return os.getpid(), STATE["mark"], number
runs = []
def meanwhile():
    runs.append(os.getpid())
    STATE["mark"] = "pendant"
    (flags / "pendant").touch()
results = pool.spread(piece, [1, 2, 3, 4], workers=2, fork=True, meanwhile=meanwhile)
assert runs == [os.getpid()], runs
assert [r[2] for r in results] == [1, 2, 3, 4]
assert {r[1] for r in results} == {"avant"}, results
assert os.getpid() not in {r[0] for r in results}
def failing():
    raise ValueError("meanwhile")
try:
    pool.spread(piece, [5, 6], workers=2, fork=True, meanwhile=failing)
except ValueError as error:
    assert str(error) == "meanwhile"
else:
    raise AssertionError("meanwhile's error was not raised")
assert not [c for c in __import__("multiprocessing").active_children()], "a worker is left"
order = []
pool.spread(order.append, [7, 8], workers=1, meanwhile=lambda: order.append("ici"))
assert order == [7, 8, "ici"], order
print("meanwhile ok")
"""


def test_pool_spread_does_its_meanwhile_here_while_the_workers_run(tmp_path: Path) -> None:
    from conftest import run_fresh_ok

    run_fresh_ok(SPREAD_MEANWHILE, tmp_path, prints="meanwhile ok", timeout=120)


def test_chunks_keep_every_item_once_in_order() -> None:
    items = list(range(23))
    cut = pool.chunks(items, 8)
    assert len(cut) == 8 and [i for c in cut for i in c] == items
    assert max(map(len, cut)) - min(map(len, cut)) <= 1
    assert pool.chunks([], 4) == [] and pool.chunks([1], 4) == [[1]]


def _divide(value: int) -> float:
    return 1 / value


def _die(page: str) -> str:
    os._exit(3)  # a worker killed mid-build (out of memory, kill -9)


def _dying_stage(site_dir: Path, config: object, kit: object, context: object) -> None:
    raise AssertionError("the pipeline runs page stages through their page_transform")


_dying_stage.page_transform = _die  # type: ignore[attr-defined]


def test_a_dead_worker_is_told_in_french_and_the_site_is_left_as_it_was(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    root, before = built_mini(tmp_path / "mini")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    monkeypatch.setattr(pool, "worker_count", lambda items: 2)  # worker processes even on one core
    monkeypatch.setattr(pipeline, "POST_BUILD_STAGES", (*pipeline.POST_BUILD_STAGES, _dying_stage))
    assert main(["--projet", str(root), "build"]) == 1
    err = capsys.readouterr().err
    assert "processus de travail" in err and "relancez" in err and "Le site n'a pas été modifié." in err
    assert "Traceback" not in err
    assert tree_hash(root / "site") == before
    assert not [p.name for p in root.iterdir() if p.name.startswith(".site.")]  # no half-built staging left


def test_fast_text_runs_match_html_parser_on_every_page(real_site: Path) -> None:
    pages = sorted(real_site.rglob("*.html"))
    assert len(pages) > 20
    for path in pages:
        page = path.read_text(encoding="utf-8")
        reference = typography._TextRuns()
        reference.feed(page)
        reference.close()
        assert typography.text_runs(page) == reference.runs, path.name


@pytest.mark.parametrize("page", [
    '<p title="a > b : c">x : y</p><script>if (a < b) { c ; }</script><p>d ; e</p>',
    "<!-- note : rien --><pre>a : b</pre><code/>c : d<style>p { a : b }</style>",
    "<title>Titre : sous-titre</title><p>1 000 m</p><br/>texte sans balise finale : fin",
    "<p>a &amp; b : c &#58; d</p><P>MAJ : x</P><SCRIPT>x ; y</SCRIPT>z ; w",
])
def test_fast_text_runs_match_html_parser_on_tricky_markup(page: str) -> None:
    reference = typography._TextRuns()
    reference.feed(page)
    reference.close()
    assert typography.text_runs(page) == reference.runs


def _runs_with_work(page: str, runs: list[tuple[int, int, bool]]) -> list[tuple[int, int, bool]]:
    return [r for r in runs if not page[r[0]:r[1]].isspace() and typography._DUE.search(page[r[0]:r[1]])]


TRICKY_RUNS = [
    '<p>un logiciel Open Source libre</p><p>open sourcing</p><p>OPEN  source</p><p>open \u017fource</p>',
    '<code"x y="z>a : b</code> c : d <p>a < b : c</p><p>a > b ; c</p><!-- ouvert : sans fin <p>x : y</p>',
    '<!DOCTYPE html><?xml x ?><!--> a : b --><codex>c : d</codex><var>e : f</var><Pre>g ; h</PRE>i : j',
    "<p>x</p>< p>a : b</p></ p>c : d<a title='q>r'>e ; f</a><textarea>g : h</textarea><option>i : j</option>",
]


def test_runs_to_typeset_are_the_text_runs_with_work_on_every_page(real_site: Path) -> None:
    # The typography's fast scan steps over markup and plain text inside the regular
    # expression engine: it must find exactly the runs the full scan finds work in.
    pages = sorted(real_site.rglob("*.html"))
    for path in pages:
        page = path.read_text(encoding="utf-8")
        assert (_runs_with_work(page, typography.runs_to_typeset(page))
                == _runs_with_work(page, typography.text_runs(page))), path.name


def test_typeset_pages_are_the_same_with_the_short_runs_kept(real_site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pages = [path.read_text(encoding="utf-8").replace("\u00a0", " ").replace("\u202f", " ")  # work left to do
             for path in sorted(real_site.rglob("*.html"))]
    monkeypatch.setattr(typography, "_RECENT_RUNS", typography._RecentRuns())
    monkeypatch.setattr(typography, "_RECENT_RUNS_KEPT", 50)  # emptied many times on the way
    kept = [typography.typeset_html(page) for page in pages]
    assert 0 < len(typography._RECENT_RUNS) <= 50
    monkeypatch.setattr(typography, "_RECENT_RUN_CHARS", -1)  # nothing kept
    assert kept == [typography.typeset_html(page) for page in pages]
    assert kept != pages


def test_runs_to_typeset_on_tricky_and_random_markup() -> None:
    import random

    tokens = ["<p>", "</p>", "<code>", "</code>", "<pre>", "</PRE>", "<title>", "</title>", "<script>",
              "</script>", "<style>", "</style>", "<!--", "-->", "<!x>", "<?y?>", "<br/>", "<code/>",
              '<a href="x>y">', "<a title='q>r'>", '<b"c d="e>', "<", ">", "< ", "</ ", "<codex>", "</var>",
              " : ", " ; ", "!", "?", "«", "»", "&amp;", "&#58;", "1 000", "open source", "Open Source",
              "OPEN  source", "open \u017fource", "o", "pen ", "texte", "\n", " ", "é"]
    draw = random.Random(15)
    pages = TRICKY_RUNS + ["".join(draw.choice(tokens) for _ in range(draw.randrange(1, 40))) for _ in range(4000)]
    for page in pages:
        assert (_runs_with_work(page, typography.runs_to_typeset(page))
                == _runs_with_work(page, typography.text_runs(page))), page


def test_folder_href_spelt_out_finds_what_the_case_blind_expression_finds(real_site: Path) -> None:
    import random
    import re

    from builder import links

    # what links._FOLDER_HREF spells out
    case_blind = re.compile(r"""href=["']?(?![a-z][a-z0-9+.-]*:|//|#)[^"'\s>]*?(?:/|\.\.?)(?=[?#"'\s>])""", re.IGNORECASE)
    pieces = ["href=", "HREF=", "hReF=", '"', "'", " ", ">", "/", ".", "..", "?", "#", "a", "Z", "1", "+", "-",
              ":", "//", "http:", "\u0130", "\u0131", "\u017f", "\u212a", "x\u212a:", "\u017f:", "index.html"]
    draw = random.Random(15)
    texts = ["".join(draw.choice(pieces) for _ in range(draw.randrange(1, 14))) for _ in range(20000)]
    texts += [path.read_text(encoding="utf-8") for path in sorted(real_site.rglob("*.html"))]
    for text in texts:
        assert ([m.span() for m in links._FOLDER_HREF.finditer(text)]
                == [m.span() for m in case_blind.finditer(text)]), text[:200]


def test_zip_compressed_by_threads_is_byte_identical_to_zipfile_writestr(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import zipfile

    from zlib_ng import zlib_ng

    from builder import package
    from builder.context import edition_date

    edition = edition_date()
    entries = [(f"kit/page-{n:03d}.html", (f"<p>page {n} : « texte »</p>\n" * (n * 40)).encode()) for n in range(60)]
    entries += [("kit/vide.txt", b""), ("kit/données/é.csv", "a;b\n".encode() * 5000)]
    ours = package.write_zip(tmp_path / "nous.zip", iter(entries), edition)
    reference = tmp_path / "reference.zip"
    # zipfile's own writing, with zlib-ng, the package's compressor, as its zlib
    monkeypatch.setattr(zipfile, "zlib", zlib_ng)
    with zipfile.ZipFile(reference, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(package._entry(name, edition), data)
    monkeypatch.undo()
    assert ours.read_bytes() == reference.read_bytes()
    with zipfile.ZipFile(ours) as archive:
        assert archive.testzip() is None  # every CRC checks
        assert [(i.filename, archive.read(i)) for i in archive.infolist()] == entries


# Run in a fresh interpreter: in a test session, other tests' fixtures leave threads running
# (local web servers, the browser), and the pipeline never forks beside a thread (pool.can_fork).
FORKED_RENDER = r"""
import hashlib, sys
from pathlib import Path
from builder import build as pipeline, pool
from builder.config import Project
assert pool.can_fork(), "a fresh interpreter runs no other thread"
project, work = Project(Path(sys.argv[1])), Path(sys.argv[2])
trees = {}
for workers in (1, 2):
    pool.worker_count = lambda items, workers=workers: workers
    _, kit, generated, _ = pipeline.render(project, work / f"travail-{workers}")
    trees[workers] = {p.relative_to(generated.docs_dir).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                      for p in sorted(generated.docs_dir.rglob("*")) if p.is_file()}
assert len(kit.cases) >= 2
assert sum(name.startswith("fiches/") for name in trees[2]) >= len(kit.cases)
assert trees[2] == trees[1], sorted(n for n in trees[1] if trees[1][n] != trees[2].get(n))
print("identiques", len(trees[2]))
"""


def test_case_pages_written_by_forked_workers_equal_the_ones_written_here(tmp_path: Path, fixed_epoch: str) -> None:
    from conftest import repo_project_copy, run_fresh_ok

    project = repo_project_copy(tmp_path / "kit")
    run_fresh_ok(FORKED_RENDER, project.root, tmp_path, prints="identiques", timeout=600)


def test_no_fork_while_another_thread_runs() -> None:
    import threading

    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert not pool.can_fork()
        # the work is then done here, in order: a module-level function still gets its pieces
        assert pool.spread(sum, [[1, 2], [3]], workers=2, fork=True) == [3, 3]
    finally:
        release.set()
        other.join()


# kit build with the split stages' rests (search index, exports) and the Markdown's removal in
# forked children, against the same build done in one process: the same bytes, zip included.
SPLIT_STAGES_BUILD = ONE_PROCESS_CHECK + r"""
import hashlib, sys
from pathlib import Path
from builder import build as pipeline, pool
from builder.config import Project
assert pool.can_fork(), "a fresh interpreter runs no other thread"
children = []
real = pool.Background.__init__
def counted(self, function, *arguments):
    children.append(getattr(function, "__qualname__", repr(function)))
    real(self, function, *arguments)
pool.Background.__init__ = counted
project, work = Project(Path(sys.argv[1])), Path(sys.argv[2])
pipeline.build(project, work / "site-enfants")
assert len(children) == 3, children  # the Markdown's removal, the exports, the search index
ours = same_as_one_process(project, work, "site-enfants")
print("identiques", len(ours))
"""


# A split stage's rest may leave a part to this process (``here``): run here, while the child
# runs, both before the end of the stages.
SPLIT_HERE = r"""
import os, sys
from pathlib import Path
from builder import build as pipeline, pool
assert pool.can_fork(), "a fresh interpreter runs no other thread"
site = Path(sys.argv[1])
def stage(site_dir, config, kit, context=None):
    raise AssertionError("split, never run whole")
def split(site_dir, config, kit, context=None):
    def rest():
        (site_dir / "enfant.txt").write_text(str(os.getpid()))
    rest.here = lambda: (site_dir / "ici.txt").write_text(str(os.getpid()))
    return rest
stage.split = split
stage.page_reading = None
pipeline.run_post_build_stages(site, None, None, None, stages=(stage,))
here, child = int((site / "ici.txt").read_text()), int((site / "enfant.txt").read_text())
assert here == os.getpid() and child != os.getpid(), (here, child, os.getpid())
print("ici et enfant")
"""


def test_a_split_stage_part_left_here_runs_in_this_process(tmp_path: Path) -> None:
    from conftest import run_fresh_ok

    run_fresh_ok(SPLIT_HERE, tmp_path, prints="ici et enfant", timeout=120)


def test_split_stages_in_children_build_the_same_site(tmp_path: Path, fixed_epoch: str) -> None:
    from conftest import repo_project_copy, run_fresh_ok

    project = repo_project_copy(tmp_path / "kit")
    run_fresh_ok(SPLIT_STAGES_BUILD, project.root, tmp_path, prints="identiques")


SPLIT_STAGE_DIES = r"""
import hashlib, os, sys
from pathlib import Path
from builder import build as pipeline, exports, pool, safety
from builder.config import Project
assert pool.can_fork()
project, work = Project(Path(sys.argv[1])), Path(sys.argv[2])
def tree(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}
pipeline.build(project, work / "site")
before = tree(work / "site")
exports.write_exports = lambda *arguments: os._exit(9)  # the exports' child dies
try:
    pipeline.build(project, work / "site")
except safety.KitError as error:
    print(error)
else:
    raise SystemExit("the build should have failed")
assert tree(work / "site") == before, "site/ changed"
assert sorted(p.name for p in work.iterdir()) == ["site"], sorted(p.name for p in work.iterdir())
"""


def test_a_split_stage_child_that_dies_fails_the_build_in_french(tmp_path: Path, fixed_epoch: str) -> None:
    from conftest import repo_project_copy, run_fresh_ok

    project = repo_project_copy(tmp_path / "kit")
    work = tmp_path / "sortie"
    work.mkdir()
    run_fresh_ok(SPLIT_STAGE_DIES, project.root, work,
                 prints="Un processus de travail de la construction s'est arrêté sans répondre")


def test_zip_entries_compressed_ahead_give_the_same_zip_and_stale_ones_are_remade(real_site: Path, tmp_path: Path) -> None:
    # While the search index and the exports are made in children, the build compresses the
    # entries of the files already final (package.deflate_ahead); the zip, written after,
    # takes those still right and remakes the others.
    from builder import package
    from builder.config import Project
    from builder.context import edition_date
    from builder.validate import load_kit

    site = tmp_path / "site"
    shutil.copytree(real_site, site)
    config = load_kit(Project(real_site.parent / "kit-project"))[0]
    (site / package.archive_relpath(config)).unlink()
    edition = edition_date()
    ahead = package.deflate_ahead(site, config, edition)
    packed = sorted(ahead.entries)
    assert len(packed) >= 50 and any(p.endswith(".html") for p in packed)
    # after: a file the zip holds changes, a child writes a file of its own
    changed = next(p for p in packed if p.endswith(".css"))
    with (site / changed).open("ab") as written:
        written.write(b"\n/* plus */\n")
    (site / "search" / "nouveau.js").write_text("var x = 1;\n", encoding="utf-8")
    plan_left_out = ahead.left_out
    assert ahead.entry(changed, site, plan_left_out) is None  # changed since: made again
    assert ahead.entry(packed[0], site, plan_left_out | {"autre.zip"}) is None  # another plan: made again
    kept = [p for p in packed if ahead.entry(p, site, plan_left_out) is not None]
    assert len(kept) == len(packed) - 1
    with_ahead = package.build_archive(site, config, tmp_path / "avance.zip", edition, ahead)
    without = package.build_archive(site, config, tmp_path / "sans.zip", edition)
    assert with_ahead.read_bytes() == without.read_bytes()
    # a budget of one byte: a handful of entries only (those in the compressors' hands)
    assert 1 <= len(package.deflate_ahead(site, config, edition, budget=1).entries) <= 4 * (os.cpu_count() or 1) + 1
