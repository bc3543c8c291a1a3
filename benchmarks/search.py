"""Search figures at N synthetic case sheets (200, 2,000 and 10,000 by default), ours
beside Pagefind's on the same built site, in one run (issue 13).

For each N, in a temporary copy of the repository's project with N more case sheets of
~300 words of varied French (words of the kit's own texts, plus invented place and
organisation names so the vocabulary grows with the catalogue, as a real one would):
- build: whole ``kit build`` time; the search stage alone, its time and peak memory
  (a child process: ``ru_maxrss``);
- index: our ``search/`` files, raw and gzip (each file gzip -6, as a server sends it);
  Pagefind (npm ``pagefind`` 1.6.0, installed by this script into a throwaway folder,
  never a dependency of the site) run on the same site: its time and its ``pagefind/``
  folder (its files are stored compressed: bytes as served);
- in headless Chromium, cold cache, a 3-word query typed at once (« partenariats
  associations territoire »): bytes downloaded from the moment the search is asked for
  (ours: gzip size of each file fetched; Pagefind: sizes as served) and time to the first
  results drawn, over HTTP and (ours only: Pagefind does not run there) from file://;
- later keystrokes: a second query typed one letter at a time, time from each input to
  its results drawn (ours) / to its first 5 results' data (Pagefind).

Targets (issue 13), at 10,000 sheets: first query ≤ 300 KB gzip and less than Pagefind,
first results ≤ 1 s over HTTP and from file://, later keystrokes ≤ 50 ms, index build
linear and under 1 GB.
Usage: python3 benchmarks/search.py [N ...] [--garder DOSSIER] [--fois K] [--index-seul]
- ``--garder DOSSIER``: the project and site of N sheets kept in DOSSIER/N/ and reused by
  the next runs (a 10,000-sheet site takes minutes to build on a 2-core machine);
- ``--fois K``: K browser runs of each measurement (default 3), medians reported;
- ``--index-seul``: only the search stage's work (``build_index``, shards, files written)
  on N synthetic pages made in memory, each N in its own process: processor time and peak
  memory, to check that the stage grows linearly.
Keystrokes are also reported as main-thread time (Chromium's ``Performance.getMetrics``:
``TaskDuration``, of which ``ScriptDuration`` is JavaScript), which waits for no other
process of a busy machine, unlike the time elapsed.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from synthetic import REPO, copy_repo_project

sys.path.insert(0, str(REPO))
os.environ.setdefault("SOURCE_DATE_EPOCH", "1764028800")
os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")

from builder.build import build  # noqa: E402
from builder.config import Project  # noqa: E402
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, serve_directory  # noqa: E402

SECTIONS = ("genese", "objectif", "activites", "resultats", "prochaines_etapes")
REGIONS = ["Île-de-France", "Grand Est", "Auvergne-Rhône-Alpes", "Nouvelle-Aquitaine", "Occitanie", "Bretagne",
           "Hauts-de-France", "Normandie", "Pays de la Loire", "Centre-Val de Loire"]
STATUSES = ["Association", "Fondation", "Collectivité territoriale", "Entreprise", "Collectif informel"]
FORMS = ["dialogue-territorial", "partenariats", "experimentations-collectives"]
SYLLABLES = ["ba", "bel", "cha", "mont", "ville", "ro", "lan", "ver", "sur", "gne", "lieu", "pré", "cour", "sel",
             "mar", "tin", "beau", "fort", "lac", "val", "bois", "neuf", "champ", "ri", "dé", "lo"]


def kit_words() -> list[str]:
    """Words of the repository's own French texts: catalogue, case sheets, pages."""
    text = (REPO / "kit" / "documents.yml").read_text(encoding="utf-8")
    text += " ".join(p.read_text(encoding="utf-8") for p in sorted((REPO / "kit" / "cas").glob("*.yml")))
    text += " ".join(p.read_text(encoding="utf-8") for p in sorted((REPO / "content").rglob("*.md")))
    return re.findall(r"[A-Za-zÀ-ÿœŒ][A-Za-zÀ-ÿœŒ'’-]{2,}", text)


def name(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()


def add_sheets(root: Path, count: int, seed: int = 4) -> list[tuple[str, str]]:
    """N case sheets; returns (slug, its unique place name) to query for."""
    rng = random.Random(seed)
    words = kit_words()
    documents = [d["id"] for d in yaml.safe_load((root / "kit" / "documents.yml").read_text(encoding="utf-8"))]
    targets = []
    for number in range(1, count + 1):
        place, organisation = f"{name(rng)}-sur-{name(rng)}", f"{name(rng)} {rng.choice(['Solidaire', 'Active', 'Ensemble'])}"

        def section(size: int) -> str:
            chosen = rng.choices(words, k=size)
            chosen.insert(rng.randrange(size), place)
            chosen.insert(rng.randrange(size), organisation)
            return " ".join(chosen) + "."

        slug = f"synthetique-{number:05d}"
        sheet = {
            "titre": f"{organisation} à {place}",
            "territoire": place,
            "region": rng.choice(REGIONS),
            "statut": rng.choice(STATUSES),
            "objet": section(18),
            "formes": sorted(set(rng.choices(FORMS, k=2))),
            **{key: section(52) for key in SECTIONS},
            "documents": sorted(set(rng.choices(documents, k=2))),
            "sources": ["Fiche synthétique pour les mesures de performance"],
            "date_ajout": "2026-01-01",
        }
        (root / "kit" / "cas" / f"{slug}.yml").write_text(yaml.safe_dump(sheet, allow_unicode=True, sort_keys=False),
                                                          encoding="utf-8")
        targets.append((slug, place))
    return targets


FIRST_QUERY = "partenariats associations territoire"
TYPED_QUERY = "expérimentation collective"

OURS_FIRST = """async (query) => {
  const result = document.querySelector('.md-search-result');
  const input = document.querySelector('input.md-search__input');
  const start = performance.now();
  const done = new Promise(resolve => new MutationObserver((_, observer) => {
    if (result.getAttribute('data-kit-query') === query) { observer.disconnect(); resolve(performance.now()); }
  }).observe(result, {attributes: true}));
  input.focus();
  input.value = query;
  input.dispatchEvent(new Event('input'));
  return (await done) - start;
}"""

OURS_KEY = """async (typed) => {
  const result = document.querySelector('.md-search-result');
  const input = document.querySelector('input.md-search__input');
  const start = performance.now();
  const done = new Promise(resolve => new MutationObserver((_, observer) => {
    if (result.getAttribute('data-kit-query') === typed) { observer.disconnect(); resolve(performance.now()); }
  }).observe(result, {attributes: true}));
  input.value = typed;
  input.dispatchEvent(new Event('input'));
  return (await done) - start;
}"""

PAGEFIND_FIRST = """async ([bundle, query]) => {
  const start = performance.now();
  const pagefind = await import(bundle + 'pagefind.js');
  const search = await pagefind.search(query);
  const shown = await Promise.all(search.results.slice(0, 5).map(r => r.data()));
  window.pf = pagefind;
  return [performance.now() - start, search.results.length, shown.length];
}"""

PAGEFIND_KEY = """async (typed) => {
  const start = performance.now();
  const search = await window.pf.search(typed);
  await Promise.all(search.results.slice(0, 5).map(r => r.data()));
  return performance.now() - start;
}"""


def gzip_size(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), 6))


def folder_sizes(folder: Path, compressed: bool) -> tuple[int, int]:
    files = [f for f in folder.rglob("*") if f.is_file()]
    raw = sum(f.stat().st_size for f in files)
    return raw, raw if compressed else sum(gzip_size(f) for f in files)


def install_pagefind(folder: Path) -> Path:
    subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(folder), "pagefind@1.6.0"],
                   check=True, stdout=subprocess.DEVNULL)
    return folder / "node_modules" / ".bin" / "pagefind"


def stage_alone(root: Path, site: Path) -> tuple[float, float, float]:
    """The search stage run again in a child process: (seconds, processor seconds, peak
    memory in MB). Processor time barely depends on how busy a shared machine is."""
    code = ("import sys, time, resource; sys.path.insert(0, sys.argv[3]); from pathlib import Path;"
            "from builder.config import Project; from builder.validate import load_kit;"
            "from builder.search.index import search_stage;"
            "config, kit = load_kit(Project(Path(sys.argv[1]))); start = time.perf_counter();"
            "cpu = time.process_time(); search_stage(Path(sys.argv[2]), config, kit);"
            "print(time.perf_counter() - start, time.process_time() - cpu,"
            " resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
    out = subprocess.run([sys.executable, "-c", code, str(root), str(site), str(REPO)], check=True,
                         capture_output=True, text=True).stdout.split()
    return float(out[0]), float(out[1]), float(out[2])


def main_thread_ms(session) -> tuple[float, float]:
    """Chromium's main-thread time so far (ms): all tasks, and JavaScript among them."""
    metrics = {m["name"]: m["value"] for m in session.send("Performance.getMetrics")["metrics"]}
    return metrics["TaskDuration"] * 1000, metrics["ScriptDuration"] * 1000


def browser_figures(site: Path, targets: list[tuple[str, str]], runs: int) -> dict:
    from playwright.sync_api import sync_playwright

    url, server = serve_directory(site)
    page_path = f"fiches/{targets[0][0]}.html"
    figures: dict = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for engine, mode in (("ours", "http"), ("ours", "file"), ("pagefind", "http")):
            firsts, sizes, keystrokes, tasks, scripts = [], [], [], [], []
            root = url if mode == "http" else site.as_uri() + "/"
            for _ in range(runs):
                context = browser.new_context()  # a fresh cache each time
                page = context.new_page()
                session = context.new_cdp_session(page)
                session.send("Performance.enable")
                fetched: list[str] = []
                page.goto(root + page_path, wait_until="load")
                page.wait_for_timeout(300)
                page.on("request", lambda request, fetched=fetched: fetched.append(request.url))
                if engine == "ours":
                    firsts.append(page.evaluate(OURS_FIRST, FIRST_QUERY))
                else:
                    ms, count, shown = page.evaluate(PAGEFIND_FIRST, [root + "pagefind/", FIRST_QUERY])
                    assert count > 0 and shown > 0
                    firsts.append(ms)
                files = [site / u[len(root):].split("?")[0] for u in fetched if u.startswith(root)]
                sizes.append(sum((gzip_size(f) if engine == "ours" and not f.name.endswith(".pf_fragment") else
                                  f.stat().st_size) for f in files if f.is_file()))
                figures[f"{engine}_{mode}_requests"] = len(files)
                page.wait_for_timeout(500)  # what the first query left for when idle
                # Then the second query, one letter at a time: the first letter (a new
                # query, not a keystroke refining one) is left out of the figures.
                for i in range(1, len(TYPED_QUERY) + 1):
                    task, script = main_thread_ms(session)
                    ms = page.evaluate(OURS_KEY if engine == "ours" else PAGEFIND_KEY, TYPED_QUERY[:i])
                    after_task, after_script = main_thread_ms(session)
                    if i > 1:
                        keystrokes.append(ms)
                        tasks.append(after_task - task)
                        scripts.append(after_script - script)
                context.close()
            figures[f"{engine}_{mode}_first_ms"] = firsts
            figures[f"{engine}_{mode}_first_kb"] = [b / 1000 for b in sizes]
            figures[f"{engine}_{mode}_keys_ms"] = keystrokes
            figures[f"{engine}_{mode}_keys_task_ms"] = tasks
            figures[f"{engine}_{mode}_keys_script_ms"] = scripts
        browser.close()
    server.shutdown()
    return figures


def refresh_search_assets(site: Path) -> None:
    """A kept site gets the search's current browser files (they are copied as they are)."""
    for source, target in ((REPO / "theme" / "assets" / "search", site / "assets" / "search"),
                           (REPO / "theme" / "assets" / "js" / "search-loader.js", site / "assets" / "js" / "search-loader.js")):
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            shutil.copy(source, target)


def measure(count: int, pagefind: Path, folder: Path, runs: int) -> dict:
    """Figures of N sheets; the project and site in ``folder`` (reused when already built)."""
    root, site, saved = folder / "projet", folder / "site", folder / "targets.json"
    figures: dict = {"sheets": count, "build_s": None, "pagefind_s": None}
    if saved.exists() and (site / "search" / "index.js").exists():
        targets = [tuple(t) for t in json.loads(saved.read_text(encoding="utf-8"))]
        refresh_search_assets(site)
    else:
        if folder.exists():  # not ours to delete: a kept run stopped halfway, or something else
            raise SystemExit(f"{folder} existe déjà sans site complet : supprimez-le, puis relancez la mesure.")
        root = copy_repo_project(root)
        targets = add_sheets(root, count)
        start = time.perf_counter()
        build(Project(root), site, with_archive=False)
        figures["build_s"] = time.perf_counter() - start
        saved.write_text(json.dumps(targets), encoding="utf-8")
    figures["pages"] = len(list((site / "search" / "pages").glob("*.js")))
    # The stage run again with the current code: its files are the ones measured below.
    figures["stage_s"], figures["stage_cpu_s"], figures["stage_mb"] = stage_alone(root, site)
    raw, packed = folder_sizes(site / "search", compressed=False)
    figures.update(ours_mb=raw / 1e6, ours_gzip_mb=packed / 1e6, ours_files=len(list((site / "search").rglob("*.js"))))
    if not (site / "pagefind" / "pagefind.js").exists():
        start = time.perf_counter()
        subprocess.run([str(pagefind), "--site", str(site), "--quiet"], check=True, stdout=subprocess.DEVNULL)
        figures["pagefind_s"] = time.perf_counter() - start
    figures["pagefind_mb"] = folder_sizes(site / "pagefind", compressed=True)[0] / 1e6
    figures.update(browser_figures(site, targets, runs))
    return figures


def report(f: dict) -> None:
    med = statistics.median
    print(f"\n{f['sheets']} fiches synthétiques ({f['pages']} pages)")
    built = f"{f['build_s']:.1f} s" if f["build_s"] is not None else "site gardé, réutilisé"
    print(f"  construction : {built} ; étape de l'index seule : {f['stage_s']:.1f} s "
          f"({f['stage_cpu_s']:.1f} s de processeur), mémoire maximale {f['stage_mb']:.0f} Mo")
    print(f"  index (nous) : {f['ours_mb']:.2f} Mo brut, {f['ours_gzip_mb']:.2f} Mo gzip, {f['ours_files']} fichiers")
    indexed = f"{f['pagefind_s']:.1f} s" if f["pagefind_s"] is not None else "déjà fait"
    print(f"  Pagefind : indexation {indexed}, {f['pagefind_mb']:.2f} Mo (déjà compressés)")
    for key, label in (("ours_http", "nous, HTTP"), ("ours_file", "nous, file://"), ("pagefind_http", "Pagefind, HTTP")):
        keys = f[key + "_keys_ms"]
        print(f"  [{label}] 1re requête de 3 mots : {med(f[key + '_first_kb']):.0f} Ko (gzip) en "
              f"{f[key + '_requests']} requêtes, premiers résultats médiane {med(f[key + '_first_ms']):.0f} ms "
              f"(max {max(f[key + '_first_ms']):.0f}) ; frappes suivantes ({len(keys)}) médiane {med(keys):.0f} ms, "
              f"max {max(keys):.0f} ms ; fil principal par frappe médiane {med(f[key + '_keys_task_ms']):.0f} ms "
              f"(dont JavaScript {med(f[key + '_keys_script_ms']):.0f}), max {max(f[key + '_keys_task_ms']):.0f} ms")


INDEX_ALONE = """
import json, random, resource, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, sys.argv[2]); sys.path.insert(0, sys.argv[2] + "/benchmarks")
import search as bench
from builder.config import Project
from builder.validate import load_kit
from builder.search import index
config, _ = load_kit(Project(Path(sys.argv[2])))
rng, words = random.Random(4), bench.kit_words()
entries = []
for number in range(int(sys.argv[1])):
    place, organisation = f"{bench.name(rng)}-sur-{bench.name(rng)}", f"{bench.name(rng)} Solidaire"
    def section(size):
        chosen = rng.choices(words, k=size)
        chosen.insert(rng.randrange(size), place)
        chosen.insert(rng.randrange(size), organisation)
        return " ".join(chosen) + "."
    headings = ["Genèse", "Objectif", "Activités", "Résultats", "Prochaines étapes"]
    entries.append(index.Entry(f"fiches/s{number}.html", f"{organisation} à {place}", "Fiche d'expérience", [],
                               [("", "", section(18)), *((f"h{k}", h, section(52)) for k, h in enumerate(headings))],
                               ["Fiche d'expérience", place, rng.choice(bench.REGIONS), rng.choice(bench.STATUSES)]))
with tempfile.TemporaryDirectory() as site:
    start, cpu = time.perf_counter(), time.process_time()
    index._write_index(Path(site), config, index.build_index(entries))
    print(json.dumps([time.perf_counter() - start, time.process_time() - cpu,
                      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024]))
"""


def index_alone(counts: list[int]) -> None:
    """The search stage's work on N synthetic pages (no site to build), each N in its own process."""
    print(f"nproc = {os.cpu_count()}")
    base = None
    for count in counts:
        load = os.getloadavg()[0]
        out = subprocess.run([sys.executable, "-c", INDEX_ALONE, str(count), str(REPO)], check=True,
                             capture_output=True, text=True).stdout
        wall, cpu, peak = json.loads(out.splitlines()[-1])
        base = base or (count, cpu)
        print(f"{count} pages : {cpu:.1f} s de processeur ({wall:.1f} s écoulées), mémoire maximale {peak:.0f} Mo ; "
              f"{cpu / base[1] * base[0] / count:.2f} × le temps par page de {base[0]} pages ; "
              f"charge {load:.1f} → {os.getloadavg()[0]:.1f}", flush=True)


def main() -> None:
    arguments = sys.argv[1:]
    keep = runs = None
    if "--garder" in arguments:
        keep = Path(arguments.pop(arguments.index("--garder") + 1))
        arguments.remove("--garder")
    if "--fois" in arguments:
        runs = int(arguments.pop(arguments.index("--fois") + 1))
        arguments.remove("--fois")
    alone = "--index-seul" in arguments
    counts = [int(a) for a in arguments if a != "--index-seul"] or [200, 2000, 10000]
    if alone:
        index_alone(counts)
        return
    print(f"nproc = {os.cpu_count()}")
    with tempfile.TemporaryDirectory(prefix="pagefind-") as folder:
        pagefind = install_pagefind(Path(folder))
        for count in counts:
            before = os.getloadavg()[0]
            cpu = os.times()
            with tempfile.TemporaryDirectory(prefix="recherche-") as tmp:
                figures = measure(count, pagefind, (keep or Path(tmp)) / str(count), runs or 3)
            report(figures)
            after = os.times()
            # The machine may be shared: say how busy it was (2 cores: above 2, runs wait).
            print(f"  charge moyenne de la machine (1 min) : {before:.1f} au début, {os.getloadavg()[0]:.1f} à la fin ;"
                  f" processeur de cette mesure (ce processus et ses enfants, Chromium compris) : "
                  f"{sum(after[:4]) - sum(cpu[:4]):.0f} s", flush=True)


if __name__ == "__main__":
    main()
