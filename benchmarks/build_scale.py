"""``kit build`` beside MkDocs alone, with N synthetic case sheets (N = 200, 2,000, 10,000).

For each N, in one run: the repository's kit plus N synthetic sheets (``synthetic.py``) is
built by ``kit build`` in a child process (SOURCE_DATE_EPOCH set), each stage timed; the
same pages are then written into a kept folder and built by ``mkdocs build -f
<folder>/mkdocs.yml`` alone, in a child process of its own (a standard MkDocs project).
Printed: kit build time, MkDocs-alone time and their ratio (target issue 15: ≤ 1.3 at
2,000), CPU time (user + system, the build process and its workers; MkDocs alone likewise),
peak memory (the build process's ``ru_maxrss``, or the proportional set size of the process
and its worker processes summed, sampled every 0.5 s by this script, if higher; a child's
``ru_maxrss`` would count the pages it shares with its parent), case page size, and the
per-stage breakdown, wall time then CPU time (the process and its workers).

Targets (issue 15): ratio ≤ 1.3 at 2,000 sheets; 10,000 sheets ≤ 5.5 × the 2,000-sheet
time, peak memory < 1 GB, a case page's size unchanged.
Usage: python3 benchmarks/build_scale.py [N ...] [--profile FILE] [--sans-mkdocs-seul]
  --profile FILE: the kit build of the last N runs under cProfile, stats written to FILE.
  --sans-mkdocs-seul: the build's figures only (no MkDocs-alone run): for memory runs.

Memory, where it peaks: the child logs each timed stage's start and end and the pid of each
background child (``pool.Background``: search index, exports, Markdown removal) to a file;
the PSS samples, kept per process, are matched to them: printed, the peak while each stage
ran (the innermost one) and, at the build's peak, the memory of each process by its role.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from synthetic import REPO, add_synthetic_sheets, copy_repo_project

# The child times each stage by wrapping the functions the pipeline calls (whatever their
# module's layout, a missing one is skipped): the pipeline's code is not changed for it.
CHILD = r"""
import cProfile, functools, json, os, resource, sys, time
from pathlib import Path
import builder.build as pipeline
from builder.config import Project

stages = {}
stage_cpu = {}

def cpu_now():
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

# Stage starts and ends, and the background children's pids, as JSON lines with the wall-clock
# time (the parent's memory sampler reads them afterwards: which stage ran at the peak).
marks = open(sys.argv[4], "a", buffering=1) if len(sys.argv) > 4 else None

def mark(**event):
    if marks is not None and os.getpid() == main_pid:  # a forked child inherits the wrappers
        marks.write(json.dumps({"t": time.time(), **event}) + "\n")

main_pid = os.getpid()

def timed(label, function):
    @functools.wraps(function)  # keeps a stage's page_transform: the pipeline still fuses them
    def wrapper(*args, **kwargs):
        start, cpu = time.perf_counter(), cpu_now()
        mark(stage=label, event="start")
        try:
            return function(*args, **kwargs)
        finally:
            mark(stage=label, event="end")
            stages[label] = stages.get(label, 0.0) + time.perf_counter() - start
            stage_cpu[label] = stage_cpu.get(label, 0.0) + cpu_now() - cpu
    if callable(getattr(function, "split", None)):  # a split stage: the part read in this process
        wrapper.split = timed(f"{label} (lecture)", function.split)
    return wrapper


def wrap(module, name, label):
    if module is not None and hasattr(module, name):
        setattr(module, name, timed(label, getattr(module, name)))

import builder.pages, builder.site, builder.package
try:
    import builder.pool
except ImportError:  # before issue 15's fused page pass
    builder.pool = None
if builder.pool is not None and hasattr(builder.pool, "Background"):
    started = builder.pool.Background.__init__

    def background(self, function, *arguments):
        started(self, function, *arguments)
        name = getattr(getattr(function, "func", function), "__qualname__", "?")  # a partial: its function
        if name.endswith("rest"):  # a split stage's rest: named after its stage
            name = name.split(".")[0]
        mark(child=self._process.pid, what=name)

    builder.pool.Background.__init__ = background
wrap(pipeline, "load_kit", "validation")
wrap(builder.pages, "generate", "pages")
wrap(builder.site, "run_mkdocs", "MkDocs")
wrap(builder.package, "finish", "paquet (zip)")
# the page-local stages fused into one pass over the pages (issue 15), spread over the cores
wrap(builder.pool, "rewrite_pages", "pages : typo+CSP")
for stage_list in ("POST_BUILD_STAGES", "STAGES"):
    stage_functions = getattr(pipeline, stage_list, None)
    if isinstance(stage_functions, (list, tuple)):  # POST_BUILD_STAGES is a tuple: replaced, not mutated
        setattr(pipeline, stage_list, type(stage_functions)(
            timed(getattr(stage, "__name__", f"étape {index}"), stage) for index, stage in enumerate(stage_functions)))

profile = cProfile.Profile() if sys.argv[3] != "-" else None
start = time.perf_counter()
if profile:
    profile.enable()
result = pipeline.build(Project(Path(sys.argv[1])), Path(sys.argv[2]))
if profile:
    profile.disable()
    profile.dump_stats(sys.argv[3])
seconds = time.perf_counter() - start
own = resource.getrusage(resource.RUSAGE_SELF)
peak = own.ru_maxrss / 1024  # the benchmark's own sampling of the workers is added by the parent
print(json.dumps({"seconds": seconds, "cpu": cpu_now(), "peak_mb": peak, "pages": result.page_count, "pid": os.getpid(),
                  "stages": stages, "stage_cpu": stage_cpu}))
"""

# The same pages written into a kept folder: MkDocs alone builds them afterwards.
RENDER_ONLY = r"""
import sys
from pathlib import Path
from builder.build import render
from builder.config import Project
render(Project(Path(sys.argv[1])), Path(sys.argv[2]))
"""


LOAD = 0.0  # the highest 1-minute load average seen when a measured command started


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


# Memory of a process and its worker processes, summed (/proc): the proportional set size (a
# page shared by n processes counts 1/n in each: forked workers share the parent's pages),
# where ru_maxrss of a child counts the pages it shares with its parent. Sampled from here
# (a thread in the build process would keep the pipeline from forking: pool.can_fork), every
# SAMPLE_SECONDS: every 0.1 s, reading /proc took a quarter of a core from a 2-core machine
# (measured with top), more for the build and its workers than for MkDocs alone.
SAMPLE_SECONDS = 0.5


def proportional_kb(pid: int) -> dict[int, int]:
    """PSS (kB) of ``pid`` and of each of its descendants, by pid (those that ended meanwhile left out)."""
    found: dict[int, int] = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as status:
            found[pid] = next((int(line.split()[1]) for line in status if line.startswith("Pss:")), 0)
        kids: list[int] = []
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as children:
                kids += [int(k) for k in children.read().split()]
    except (OSError, ValueError):
        return found
    for kid in kids:
        found.update(proportional_kb(kid))
    return found


def run(arguments: list[str], env: dict, samples: list | None = None) -> tuple[float, str, float]:
    """Runs a command; returns its wall time, its output and its peak summed memory (MB).
    ``samples``: a list that receives (wall-clock time, {pid: PSS in kB}) at each sampling."""
    global LOAD
    LOAD = max(LOAD, os.getloadavg()[0])
    start = time.perf_counter()
    peak = 0
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(arguments, env=env, cwd=REPO, stdout=out, stderr=err, text=True)
        while process.poll() is None:
            sample = proportional_kb(process.pid)
            peak = max(peak, sum(sample.values()))
            if samples is not None:
                samples.append((time.time(), sample))
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(SAMPLE_SECONDS)  # returns as soon as it ends: the wall time is exact
        seconds = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if process.returncode:
        raise SystemExit(f"échec de {' '.join(arguments[:3])} … :\n{stdout}\n{stderr}")
    return seconds, stdout, peak / 1024


def memory_report(samples: list, marks: list[dict], main_pid: int) -> dict:
    """Where the memory peaked, from the samples (``run``) and the child's marks (stage starts
    and ends, background children): {"stages": {stage: peak MB while it ran (the innermost
    stage running)}, "at_peak": {"time": s since the start, "stage": …, "processes":
    {label: [MB, count]}}}. A process is labelled « principal », by the background work it runs
    (``pool.Background``: search index, exports, Markdown removal) or « fils pendant <stage> »
    (pool workers: MkDocs' page pass, sheet loading, typo + CSP)."""
    if not samples:
        return {"stages": {}, "at_peak": {}}
    spans: list[tuple[float, float, str]] = []
    opened: dict[str, list[float]] = {}
    named: dict[int, str] = {}
    for m in marks:
        if "child" in m:
            named[m["child"]] = m["what"]
        elif m["event"] == "start":
            opened.setdefault(m["stage"], []).append(m["t"])
        elif opened.get(m["stage"]):
            spans.append((opened[m["stage"]].pop(), m["t"], m["stage"]))

    def stage_at(moment: float) -> str:
        running = [(start, label) for start, end, label in spans if start <= moment <= end]
        return max(running)[1] if running else "autre"

    def by_role(sample: dict[int, int], stage: str) -> dict[str, list]:
        processes: dict[str, list] = {}
        for pid, kb in sorted(sample.items()):
            label = "principal" if pid == main_pid else named.get(pid, f"fils pendant « {stage} »")
            row = processes.setdefault(label, [0.0, 0])
            row[0] += kb / 1024
            row[1] += 1
        return processes

    stages: dict[str, float] = {}
    stage_peaks: dict[str, tuple] = {}
    for moment, sample in samples:
        label = stage_at(moment)
        total = sum(sample.values()) / 1024
        if total >= stages.get(label, 0.0):
            stages[label], stage_peaks[label] = total, (moment, sample)
    moment, sample = max(samples, key=lambda s: sum(s[1].values()))
    stage = stage_at(moment)
    return {"stages": stages, "at_peak": {"time": moment - samples[0][0], "stage": stage,
                                           "processes": by_role(sample, stage), "total": sum(sample.values()) / 1024},
            "stage_processes": {label: {name: round(mb) for name, (mb, _) in by_role(peak[1], label).items()}
                                for label, peak in stage_peaks.items()}}


def measure(count: int, profile: str | None = None, mkdocs_alone: bool = True) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        root = copy_repo_project(Path(tmp) / "projet")
        add_synthetic_sheets(root, count)
        site = Path(tmp) / "site"
        env = {**os.environ, "SOURCE_DATE_EPOCH": "1764028800", "NO_MKDOCS_2_WARNING": "1",
               "PYTHONPATH": str(REPO)}
        marks_file = Path(tmp) / "marques.jsonl"
        samples: list = []
        _, out, summed = run([sys.executable, "-c", CHILD, str(root), str(site), profile or "-", str(marks_file)],
                             env, samples)
        figures = json.loads(out.strip().splitlines()[-1])
        figures["peak_mb"] = max(figures["peak_mb"], summed)
        marks = [json.loads(line) for line in marks_file.read_text().splitlines() if line.strip()]
        figures["memory"] = memory_report(samples, marks, figures.get("pid", 0))
        case_page = site / "fiches" / "synthetique-00001.html"
        archive = next((site / "telechargements").glob("*.zip"))
        figures.update(
            sheets=count,
            case_page_kb=case_page.stat().st_size / 1000,
            site_mb=folder_size(site) / 1e6,
            zip_mb=archive.stat().st_size / 1e6,
        )
        if not mkdocs_alone:  # the build's figures only (memory runs): no MkDocs-alone time
            figures["mkdocs_seconds"] = figures["mkdocs_cpu"] = float("nan")
            return figures
        work = Path(tmp) / "pages"
        work.mkdir()
        run([sys.executable, "-c", RENDER_ONLY, str(root), str(work)], env)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        figures["mkdocs_seconds"], _, _ = run(
            [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(work / "mkdocs.yml"), "-d", str(Path(tmp) / "mkdocs-seul")], env)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        figures["mkdocs_cpu"] = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("fiches", nargs="*", type=int, default=[200, 2000, 10000])
    parser.add_argument("--profile", help="profil cProfile de la dernière construction, écrit dans ce fichier")
    parser.add_argument("--sans-mkdocs-seul", action="store_true",
                        help="ne pas construire les mêmes pages par MkDocs seul (mesures de mémoire : plus court)")
    args = parser.parse_args()
    results = []
    for number, count in enumerate(args.fiches):
        last = number == len(args.fiches) - 1
        results.append(measure(count, args.profile if last else None, not args.sans_mkdocs_seul))
        r = results[-1]
        print(f"{count} fiches : kit build {r['seconds']:.1f} s, MkDocs seul {r['mkdocs_seconds']:.1f} s", flush=True)
    print(f"\nMachine : {os.cpu_count()} cœurs (nproc), charge moyenne (1 min) maximale au départ des mesures "
          f"{LOAD:.1f}, à la fin {os.getloadavg()[0]:.1f}")
    print(f"{'fiches':>7} {'pages':>6} {'kit build (s)':>14} {'CPU kit (s)':>12} {'MkDocs seul (s)':>16} "
          f"{'CPU MkDocs (s)':>15} {'rapport':>8} {'mémoire max (Mo)':>17} {'page fiche (Ko)':>16} "
          f"{'site (Mo)':>10} {'zip (Mo)':>9}")
    for r in results:
        print(f"{r['sheets']:>7} {r['pages']:>6} {r['seconds']:>14.1f} {r.get('cpu', 0):>12.1f} "
              f"{r['mkdocs_seconds']:>16.1f} {r['mkdocs_cpu']:>15.1f} "
              f"{r['seconds'] / r['mkdocs_seconds']:>8.2f} {r['peak_mb']:>17.0f} {r['case_page_kb']:>16.1f} "
              f"{r['site_mb']:>10.1f} {r['zip_mb']:>9.1f}")
    print("\nDétail par étape (s) :")
    labels = list(dict.fromkeys(label for r in results for label in r["stages"]))
    print(f"{'fiches':>7} " + " ".join(f"{label[:16]:>16}" for label in labels) + f" {'autre':>8}")
    for r in results:
        other = r["seconds"] - sum(r["stages"].values())
        print(f"{r['sheets']:>7} " + " ".join(f"{r['stages'].get(label, 0):>16.1f}" for label in labels) + f" {other:>8.1f}")
    print("\nDétail par étape, temps CPU (s, processus et ses processus de travail) :")
    print(f"{'fiches':>7} " + " ".join(f"{label[:16]:>16}" for label in labels) + f" {'autre':>8}")
    for r in results:
        cpu = r.get("stage_cpu", {})
        other = r.get("cpu", 0) - sum(cpu.values())
        print(f"{r['sheets']:>7} " + " ".join(f"{cpu.get(label, 0):>16.1f}" for label in labels) + f" {other:>8.1f}")
    print("\nMémoire (somme des PSS, Mo) au plus haut pendant chaque étape (l'étape la plus intérieure en cours) :")
    labels = list(dict.fromkeys(label for r in results for label in r["memory"]["stages"]))
    print(f"{'fiches':>7} " + " ".join(f"{label[:16]:>16}" for label in labels))
    for r in results:
        print(f"{r['sheets']:>7} " + " ".join(f"{r['memory']['stages'].get(label, 0):>16.0f}" for label in labels))
    for r in results:
        peak = r["memory"]["at_peak"]
        if peak:
            print(f"\n{r['sheets']} fiches, au plus haut ({peak['total']:.0f} Mo, à {peak['time']:.0f} s, "
                  f"pendant « {peak['stage']} ») :")
            for label, (megabytes, count) in sorted(peak["processes"].items(), key=lambda item: -item[1][0]):
                print(f"  {label:<40} {megabytes:>7.0f} Mo" + (f" ({count} processus)" if count > 1 else ""))
            print("  au plus haut de chaque étape (Mo, par processus) :")
            for label, processes in r["memory"].get("stage_processes", {}).items():
                print(f"    {label[:24]:<24} " + ", ".join(f"{name} {mb}" for name, mb in
                                                         sorted(processes.items(), key=lambda item: -item[1])))
    for small, large in zip(results, results[1:]):
        print(f"données ×{large['sheets'] / small['sheets']:.0f} ⇒ temps ×{large['seconds'] / small['seconds']:.1f} ; "
              f"page d'une fiche : {(large['case_page_kb'] / small['case_page_kb'] - 1) * 100:+.1f} %")


if __name__ == "__main__":
    main()
