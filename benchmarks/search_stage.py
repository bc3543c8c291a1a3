"""Processor time of the search stage on a built site (issue 15, part Q): what ``kit build``
spends on the search index besides MkDocs.

The stage's work, as the build does it: each page read once (``read_page``, done in
MkDocs' workers during the build), then, after MkDocs, the pages' entries
(``split_search_stage``) and the rest (``rest()``: the index built and its files written
under search/, in a child process during the build). Each measurement runs in a fresh
Python process (the word caches are cold, as in a build), on a copy of the site's pages.
Processor time is user + system time of that process (``getrusage``), beside the time
elapsed; the files written are hashed, so that runs of different code can be checked to
write the same bytes.

Usage: python3 benchmarks/search_stage.py PROJET SITE [--fois K] [--code DOSSIER ...]
- PROJET: the kit project whose site it is (its catalogue gives the entries' fields);
- SITE: its built site (``site/``, or the site MkDocs alone built from ``.kit-build``);
- ``--fois K``: K runs of each code (default 3), in turns, medians reported;
- ``--code DOSSIER``: also measure the builder in DOSSIER (a folder holding ``builder/``,
  e.g. ``git archive COMMIT builder | tar -x -C DOSSIER``), run in turns with this
  checkout's, so that both share the machine's load of the moment.
Prints, for each code: the pages, each part's processor time (total and per page), the
stage's total (read_page + rest), the time elapsed of rest(), the load average, and
whether every run wrote the same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _system() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_stime


def _once(code: str, project: str, site: str) -> None:
    # One measurement, in this (fresh) process: JSON on stdout.
    sys.path.insert(0, code)
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1764028800")
    from builder.build import load_kit
    from builder.config import Project
    from builder.search import index

    config, kit = load_kit(Project(Path(project)))
    site_dir = Path(site)
    texts = {page.relative_to(site_dir).as_posix(): page.read_text(encoding="utf-8")
             for page in sorted(site_dir.rglob("*.html"))}
    start = _cpu()
    readings = {address: index.read_page(address, text) for address, text in texts.items()}
    read = _cpu() - start
    del texts
    start = _cpu()
    rest = index.split_search_stage(site_dir, config, kit, None, readings)
    entries = _cpu() - start
    start, system, elapsed = _cpu(), _system(), time.perf_counter()
    if getattr(rest, "here", None) is not None:  # the part kit build leaves to its own process
        rest.here()
    rest()
    rest_cpu, system, elapsed = _cpu() - start, _system() - system, time.perf_counter() - elapsed
    digest = hashlib.sha256()
    for path in sorted((site_dir / "search").rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(site_dir).as_posix().encode() + b"\0" + path.read_bytes())
    print(json.dumps({"pages": len(readings), "read_page": read, "entries": entries, "rest": rest_cpu,
                      "rest_system": system, "rest_elapsed": elapsed, "load": os.getloadavg()[0], "digest": digest.hexdigest()}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("projet")
    parser.add_argument("site")
    parser.add_argument("--fois", type=int, default=3)
    parser.add_argument("--code", action="append", default=[])
    parser.add_argument("--une-fois", nargs=3, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.une_fois:
        _once(*arguments.une_fois)
        return
    codes = [str(REPO), *(str(Path(c).resolve()) for c in arguments.code)]
    with tempfile.TemporaryDirectory(prefix="search-stage-") as work:
        copy = Path(work) / "site"
        source = Path(arguments.site)
        for page in source.rglob("*.html"):  # the pages only: the stage reads nothing else
            target = copy / page.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(page, target)
        runs: dict[str, list[dict]] = {code: [] for code in codes}
        for turn in range(arguments.fois):
            for code in codes:
                shutil.rmtree(copy / "search", ignore_errors=True)
                done = subprocess.run([sys.executable, __file__, arguments.projet, str(copy), "--une-fois", code,
                                       str(Path(arguments.projet).resolve()), str(copy)],
                                      capture_output=True, text=True, check=True)
                figures = json.loads(done.stdout.strip().splitlines()[-1])
                runs[code].append(figures)
                print(f"tour {turn + 1}, {code} : read_page {figures['read_page']:.2f} s, rest {figures['rest']:.2f} s (sys {figures['rest_system']:.2f}) "
                      f"(écoulé {figures['rest_elapsed']:.2f} s), charge {figures['load']:.2f}", flush=True)
    print(f"\nmachine : {os.cpu_count()} cœurs ; médianes de {arguments.fois} passages (temps processeur, user + sys)")
    digests = set()
    totals: dict[str, float] = {}
    for code, figures in runs.items():
        median = {key: statistics.median(f[key] for f in figures)
                  for key in ("read_page", "entries", "rest", "rest_system", "rest_elapsed", "load")}
        pages = figures[0]["pages"]
        total = totals[code] = median["read_page"] + median["rest"]
        digests |= {f["digest"] for f in figures}
        print(f"{code} : {pages} pages")
        print(f"  read_page : {median['read_page']:.2f} s ({1000 * median['read_page'] / pages:.2f} ms par page)")
        print(f"  entrées   : {median['entries']:.2f} s")
        print(f"  rest()    : {median['rest']:.2f} s ({1000 * median['rest'] / pages:.2f} ms par page), "
              f"dont système {median['rest_system']:.2f} s ; écoulé {median['rest_elapsed']:.2f} s")
        user = median["read_page"] + median["rest"] - median["rest_system"]
        print(f"  étape (read_page + rest) : {total:.2f} s ({1000 * total / pages:.2f} ms par page), "
              f"dont hors système (user, médianes) {user:.2f} s")
        print(f"  étape, passages : min {min(f['read_page'] + f['rest'] for f in figures):.2f} s, "
              f"max {max(f['read_page'] + f['rest'] for f in figures):.2f} s ; charge médiane {median['load']:.2f}")
    for code in codes[1:]:
        print(f"étape de ce code / étape de {code} : {totals[codes[0]] / totals[code]:.2f} "
              f"({100 * (1 - totals[codes[0]] / totals[code]):.0f} % de moins)")
    print("mêmes octets dans search/ à chaque passage" if len(digests) == 1 else
          f"ATTENTION : {len(digests)} contenus différents de search/")


if __name__ == "__main__":
    main()
