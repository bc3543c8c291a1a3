"""Case sheets read and validated by forked worker processes (issue 15, « Cheap full builds »).

With the threshold lowered, ``loader._load_cases`` hands chunks of sheets to workers forked from
the build's process (``builder.pool``). It must give what the loop in one process gives: the same
sheets, the same rendered HTML of every Markdown field (rendered once, in the worker, and not
again after the trip back), the same problems in the same order, a byte-identical build; a worker
that dies is told in French, and ``site/`` is left as it was.

Forking runs in a fresh interpreter (``PROBE``): in a test session other tests' fixtures leave
threads running, and the loader never forks beside a thread (``pool.can_fork``); the probe
checks that the workers did run, in other processes.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml
from conftest import EPOCH, FIXTURES, REPO, built_mini, copy_project, repo_project_copy, tree_hash

from builder import loader, pool

PROBE = r"""
import functools, os, pickle, sys, time
from pathlib import Path

import markdown
from yaml.nodes import MappingNode, SequenceNode

from builder import loader, pool
from builder.cli import main
from builder.config import Project
from builder.problems import CatalogueError, Problems
from builder.validate import load_kit

assert pool.can_fork(), "a fresh interpreter runs no other thread"
mode, root, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
PARENT = os.getpid()
FIELDS = ("objet", "genese", "objectif", "activites", "resultats", "prochaines_etapes")
counter = os.open(out.with_suffix(".conversions"), os.O_WRONLY | os.O_APPEND | os.O_CREAT)
pids = os.open(out.with_suffix(".pids"), os.O_WRONLY | os.O_APPEND | os.O_CREAT)
original_convert, original_read = markdown.Markdown.convert, loader._read_sheets
DYING = sorted(p.stem for p in (root / "kit" / "cas").glob("*.yml"))[0]


def convert(self, source):
    os.write(counter, b".")  # one byte per conversion, in whichever process makes it
    return original_convert(self, source)


@functools.wraps(original_read)  # pickled by name: the workers find this wrapper in their copy of loader
def read_sheets(sheets, root):
    if mode == "die" and os.getpid() != PARENT:
        if any(slug == DYING for slug, _ in sheets):
            os._exit(3)  # a worker killed mid-load (out of memory, kill -9)
        time.sleep(60)  # the others still at work: the pool ends them (SIGTERM) when it breaks
    os.write(pids, f"{os.getpid()}\n".encode())
    return original_read(sheets, root)


markdown.Markdown.convert = convert
loader._read_sheets = read_sheets


def threshold(parallel):
    loader.MIN_PARALLEL_CASES = 1 if parallel else 10**9


def conversions():
    return os.fstat(counter).st_size


def shape(node):
    # A YAML node as comparable data: what it holds and where it starts (the lines messages name).
    if node is None:
        return None
    if isinstance(node, MappingNode):
        value = [(shape(k), shape(v)) for k, v in node.value]
    elif isinstance(node, SequenceNode):
        value = [shape(v) for v in node.value]
    else:
        value = node.value
    return (type(node).__name__, node.tag, value, node.start_mark.line, node.start_mark.column, node.end_mark.line)


def renders(value):
    if value is None:
        return None
    return [(name, str(getattr(value.sheet, name).html), getattr(value.sheet, name).text,
             getattr(value.sheet, name).problem) for name in FIELDS]


def reading(parallel):
    threshold(parallel)
    problems = Problems(root)
    before = conversions()
    catalogue = loader.load_catalogue(Project(root), problems)
    made = conversions() - before
    cases = [(l.value, l.node, l.at, l.file.path, l.file.data, l.file.text, shape(l.file.node)) for l in catalogue.cases]
    before = conversions()
    html = [renders(l.value) for l in catalogue.cases]  # read after the trip back: must not render again
    again = conversions() - before
    try:
        load_kit(Project(root))
        kit_problems = []
    except CatalogueError as error:
        kit_problems = error.problems.items
    return {"cases": cases, "html": html, "problems": problems.items, "kit_problems": kit_problems,
            "conversions": made, "conversions_after": again}


if mode == "compare":
    result = {"one": reading(False)}
    os.ftruncate(pids, 0)
    result["workers"] = reading(True)
    result["parent"] = PARENT
    result["pids"] = out.with_suffix(".pids").read_text().split()
    out.write_bytes(pickle.dumps(result))
elif mode == "build":
    from builder.build import build
    for parallel in (False, True):
        threshold(parallel)
        os.ftruncate(pids, 0)
        build(Project(root), out / ("avec" if parallel else "sans"), with_archive=True)
        (out / f"pids-{parallel}").write_text(out.with_suffix(".pids").read_text())
elif mode == "die":
    threshold(True)
    sys.exit(main(["--projet", str(root), *sys.argv[4:]]))
"""

BROKEN_SHEETS = {
    # a quote never closed: a YAML error
    "erreur-yaml.yml": 'titre: "Sans guillemet fermant\nterritoire: "Lyon"\n',
    # a list where a text is expected: a wrong field type
    "mauvais-type.yml": None,
    # a javascript: link in a Markdown field: unsafe markup
    "lien-dangereux.yml": None,
    # a list, not a block of keys
    "une-liste.yml": "- titre: a\n- titre: b\n",
    # empty
    "vide.yml": "# rien\n",
}


def _sheet(source: Path, **changes: object) -> str:
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    data.update(changes)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def _grow(root: Path, generated: int, broken: bool) -> None:
    """Sheets added to a project: copies of its first sheet with other names (and texts), and,
    with ``broken``, faulty sheets and faulty names between them, so their problems interleave."""
    folder = root / "kit" / "cas"
    model = sorted(folder.glob("*.yml"))[0]
    for number in range(1, generated + 1):
        extra = {"titre": f"Initiative copiée {number}",
                 "objet": f"Copie **{number}** : voir [la note](https://example.org/{number}) et le sujet.[^1]\n\n"
                          f"[^1]: Note de la copie {number}.\n"}
        (folder / f"copie-{number:03d}.yml").write_text(_sheet(model, **extra), encoding="utf-8")
    if not broken:
        return
    for name, text in BROKEN_SHEETS.items():
        if name == "mauvais-type.yml":
            text = _sheet(model, titre=["une", "liste"], formes="pas-une-liste")
        elif name == "lien-dangereux.yml":
            text = _sheet(model, genese="Voir [ici](javascript:alert(1)).\n", resultats="<script>x()</script>\n")
        (folder / name).write_text(text, encoding="utf-8")
    # valid alone, refused by a rule across files (builder.validate): an unknown document id
    (folder / "document-inconnu.yml").write_text(_sheet(model, documents=["document-inconnu"]), encoding="utf-8")
    (folder / "Majuscules.yml").write_text(_sheet(model), encoding="utf-8")  # invalid name
    (folder / "copie-002.yaml").write_text(_sheet(model), encoding="utf-8")  # copie-002.yml is then its duplicate
    (folder / "index.yml").write_text(_sheet(model), encoding="utf-8")  # reserved: the sheets' index page
    (folder / "notes.txt").write_text("pas une fiche\n", encoding="utf-8")  # wrong suffix
    (folder / "sous-dossier").mkdir()
    (folder / "sous-dossier" / "cachee.yml").write_text(_sheet(model), encoding="utf-8")


def _probe(mode: str, root: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "SOURCE_DATE_EPOCH": EPOCH}
    return subprocess.run([sys.executable, "-c", PROBE, mode, str(root), str(out), *extra],
                          env=env, capture_output=True, text=True, timeout=900)


def _compare(root: Path, tmp_path: Path) -> dict:
    done = _probe("compare", root, tmp_path / "resultat")
    assert done.returncode == 0, done.stderr[-3000:]
    result = pickle.loads((tmp_path / "resultat").read_bytes())
    one, workers = result["one"], result["workers"]
    # the workers ran, in other processes than the loop's
    assert result["pids"] and str(result["parent"]) not in result["pids"], result["pids"]
    assert workers["cases"] == one["cases"]
    assert workers["html"] == one["html"]
    assert workers["problems"] == one["problems"]  # same problems, same order
    assert workers["kit_problems"] == one["kit_problems"]
    # every Markdown field rendered once, in a worker, and not again here after the trip back
    assert workers["conversions"] == one["conversions"] > 0
    assert workers["conversions_after"] == one["conversions_after"] == 0
    return result


def test_parallel_loading_of_the_repo_kit_and_broken_sheets_equals_the_one_process_loop(tmp_path: Path) -> None:
    project = repo_project_copy(tmp_path / "kit")
    _grow(project.root, 40, broken=True)
    result = _compare(project.root, tmp_path)
    one = result["one"]
    assert len(one["cases"]) >= 45
    messages = [f"{p.file}:{p.line} {p.message}" for p in one["problems"]]
    # each kind of fault was found (so the comparison above covered them), in the files' order
    expected = ["erreur-yaml.yml", "index.yml", "lien-dangereux.yml", "Majuscules.yml", "mauvais-type.yml",
                "copie-002.yml", "sous-dossier/cachee.yml", "notes.txt", "une-liste.yml", "vide.yml"]
    for name in expected:
        assert any(f"kit/cas/{name}:" in m for m in messages), (name, messages)
    assert any("javascript" in m for m in messages) and any("syntaxe YAML" in m for m in messages)
    firsts = [next(i for i, m in enumerate(messages) if f"kit/cas/{name}:" in m) for name in
              ("Majuscules.yml", "copie-002.yml", "erreur-yaml.yml", "index.yml", "lien-dangereux.yml", "mauvais-type.yml",
               "notes.txt", "sous-dossier/cachee.yml", "une-liste.yml", "vide.yml")]
    assert firsts == sorted(firsts)  # sorted file names: name problems and reading problems interleaved
    # as the loop in one process adds them: file after file in the folder's sorted order, each file's together
    files = [p.file for p in one["problems"]]
    runs = [f for n, f in enumerate(files) if n == 0 or files[n - 1] != f]
    order = [f"kit/cas/{p.name}" + ("/cachee.yml" if p.is_dir() else "") for p in sorted((project.kit_dir / "cas").iterdir())]
    assert runs == [f for f in order if f in runs]
    # the rules across files ran after loading, on the sheets read by workers too
    assert any("document-inconnu" in p.file for p in one["kit_problems"])
    assert not any("document-inconnu" in p.file for p in one["problems"])


def test_parallel_loading_of_a_valid_kit_gives_the_same_kit(tmp_path: Path) -> None:
    project = repo_project_copy(tmp_path / "kit")
    _grow(project.root, 12, broken=False)
    result = _compare(project.root, tmp_path)
    assert result["one"]["kit_problems"] == []
    assert all(value is not None for value, *_ in result["one"]["cases"])
    assert any("fn:0-1" in html for row in result["workers"]["html"] for _, html, _, _ in row)  # footnotes kept


def test_parallel_loading_of_another_kit_equals_the_one_process_loop(tmp_path: Path) -> None:
    project = copy_project(FIXTURES / "autre-kit", tmp_path / "autre-kit")
    folder = project.kit_dir / "cas"
    model = folder / "jardin-partage.yml"
    for number in range(1, 7):
        (folder / f"jardin-{number}.yml").write_text(_sheet(model, titre=f"Jardin {number}"), encoding="utf-8")
    (folder / "jardin-3.yml").write_text(_sheet(model, objet="[x](javascript:void(0))\n"), encoding="utf-8")
    (folder / "jardin-5.yml").write_text("titre: [\n", encoding="utf-8")
    result = _compare(project.root, tmp_path)
    assert [p.file for p in result["one"]["problems"]] == ["kit/cas/jardin-3.yml", "kit/cas/jardin-5.yml"]


def test_a_build_with_parallel_loading_is_byte_identical(tmp_path: Path) -> None:
    project = repo_project_copy(tmp_path / "kit")
    _grow(project.root, 6, broken=False)
    done = _probe("build", project.root, tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "pids-True").read_text().split()  # the workers ran in the second build
    assert tree_hash(tmp_path / "avec") == tree_hash(tmp_path / "sans")
    assert (tmp_path / "avec" / "fiches" / "copie-006.html").is_file()


@pytest.mark.parametrize("command", ["build", "check"])
def test_a_dead_loading_worker_is_told_in_french_and_the_site_is_left_as_it_was(tmp_path: Path, command: str) -> None:
    root, before = built_mini(tmp_path / "mini")
    done = _probe("die", root, tmp_path / "sortie", command)
    assert done.returncode == 1, done.stderr[-3000:]
    assert "processus de travail" in done.stderr and "relancez" in done.stderr
    assert "Traceback" not in done.stderr and "inattendue" not in done.stderr
    if command == "build":
        assert "Le site n'a pas été modifié." in done.stderr
    assert tree_hash(root / "site") == before
    assert not [p.name for p in root.iterdir() if p.name.startswith(".site.")]  # no half-built staging left


def test_no_workers_beside_a_thread_nor_for_a_few_sheets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = copy_project(FIXTURES / "autre-kit", tmp_path / "autre-kit")
    queued = [("jardin-partage", str(project.kit_dir / "cas" / "jardin-partage.yml"), None)] * 3
    monkeypatch.setattr(pool.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)  # two cores
    with monkeypatch.context() as patched:
        patched.setattr(pool, "can_fork", lambda: True)
        assert loader._read_in_workers(queued, project.root) is None  # 3 sheets: below the threshold
    monkeypatch.setattr(loader, "MIN_PARALLEL_CASES", 1)
    release = threading.Event()
    thread = threading.Thread(target=release.wait)  # as kit serve's server and watcher threads
    thread.start()
    try:
        assert not pool.can_fork()
        assert loader._read_in_workers(queued, project.root) is None  # read here, by the caller
    finally:
        release.set()
        thread.join()


@pytest.mark.parametrize("lowered", ["loader.MIN_PARALLEL_CASES", "pool.MIN_PARALLEL_ITEMS", "pool.worker_count"])
def test_either_threshold_lowered_sends_the_sheets_to_workers(monkeypatch: pytest.MonkeyPatch, lowered: str) -> None:
    spread: list[tuple[int, int]] = []
    monkeypatch.setattr(pool.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)  # two cores
    monkeypatch.setattr(pool, "can_fork", lambda: True)
    monkeypatch.setattr(pool, "spread", lambda function, pieces, *args, workers, fork:
                        spread.append((len(pieces), workers)) or [[] for _ in pieces])
    queued = [("a", "/nulle-part/a.yml", None)] * 5
    assert loader._read_in_workers(queued, Path("/")) is None
    assert spread == []
    if lowered == "loader.MIN_PARALLEL_CASES":
        monkeypatch.setattr(loader, "MIN_PARALLEL_CASES", 5)
    elif lowered == "pool.MIN_PARALLEL_ITEMS":
        monkeypatch.setattr(pool, "MIN_PARALLEL_ITEMS", 5)
    else:
        monkeypatch.setattr(pool, "worker_count", lambda items: 2)  # as tests of the page workers do
    assert loader._read_in_workers(queued, Path("/")) == []
    assert spread == [(5, 2)]  # five chunks of one sheet each (2 workers × 4 chunks, at most one per sheet)


def test_readings_survive_pickling_with_their_render(tmp_path: Path) -> None:
    import markdown

    project = repo_project_copy(tmp_path / "kit")
    sheets = [(p.stem, str(p)) for p in sorted(project.kit_dir.glob("cas/*.yml"))]
    readings = loader._read_sheets(sheets, project.root)
    back = pickle.loads(pickle.dumps(readings, protocol=pickle.HIGHEST_PROTOCOL))
    calls: list[str] = []
    original = markdown.Markdown.convert
    markdown.Markdown.convert = lambda self, source: calls.append(source) or original(self, source)
    try:
        for (loaded, found), (kept, _) in zip(back, readings):
            assert found == [] and loaded.value == kept.value
            assert loaded.value.sheet.genese.html == kept.value.sheet.genese.html
            assert "_html" in loaded.value.sheet.objet.__dict__  # the render came back with the text
    finally:
        markdown.Markdown.convert = original
    assert calls == []
    assert len(back) == len(sheets) >= 5


RACE = r"""
import os, sys, time
from builder import pool
from builder.cli import cleanup_on_signals

def work(piece):
    if piece == 0:
        os._exit(3)  # one worker dies at once: the pool ends the others, started or starting
    time.sleep(30)
    return piece

failed = 0
with cleanup_on_signals():  # the command's handlers, which forked workers inherit
    for _ in range(5):
        try:
            with pool.default_signals_in_forks():
                pool.spread(work, [0, 1, 2, 3], workers=4, fork=True)
        except pool.WorkerFailed:
            failed += 1
print(failed)
"""


def test_workers_the_pool_ends_end_silently_even_before_their_first_piece() -> None:
    # Forked workers inherit the command's signal handlers (cli.cleanup_on_signals): ended by the
    # pool, each printed a traceback, and one ended while starting could leave the pool waiting.
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", RACE], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["5"]
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr, done.stderr[-3000:]
