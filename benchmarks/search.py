"""Search figures at N synthetic case sheets (N = 200 and 2,000 by default).

For each N, in a temporary copy of the repository's project with N more case sheets of
~300 words of varied French (words of the kit's own texts, plus invented place and
organisation names so the vocabulary grows with the catalogue, as a real one would):
- build: whole build time, and the search stage's share;
- index: search/index.js raw and gzip;
- first load of a case sheet page (bytes, no search file among them);
- in headless Chromium, over HTTP and from file://: time from the page's load event to the
  first results of a query typed at once (scripts and index loaded on demand), cold cache;
- per-query latency once loaded: the engine alone (kitSearch.search), the first time
  right after the first results (the index's parts still being expanded), then three
  times more (all runs, and each query's best of three: its own cost without the pauses
  other processes impose on a shared machine), and
  from the input event to the results drawn (which waits for the next frame), over 34
  queries of 1 to 4 words, accented or not, unique place names, and prefixes of 3 to 5
  letters as typed.

Targets (issue 4), at 2,000 sheets: per-query latency under 50 ms, first results under 1 s.
Usage: python3 benchmarks/search.py [N ...]
"""

from __future__ import annotations

import gzip
import os
import random
import re
import statistics
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
from builder.loader import load_kit  # noqa: E402
from builder.search.index import INDEX_FILE, build_index, page_entries, render_script  # noqa: E402
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, serve_directory  # noqa: E402

SECTIONS = ("genese", "objectif", "activites", "resultats", "prochaines_etapes")
REGIONS = ["Île-de-France", "Grand Est", "Auvergne-Rhône-Alpes", "Nouvelle-Aquitaine", "Occitanie", "Bretagne",
           "Hauts-de-France", "Normandie", "Pays de la Loire", "Centre-Val de Loire"]
STATUSES = ["Association", "Fondation", "Collectivité territoriale", "Entreprise", "Collectif informel"]
FORMS = ["dialogue-territorial", "partenariats", "experimentations-collectives"]
SYLLABLES = ["ba", "bel", "cha", "mont", "ville", "ro", "lan", "ver", "sur", "gne", "lieu", "pré", "cour", "sel",
             "mar", "tin", "beau", "fort", "lac", "val", "bois", "neuf", "champ", "ri", "dé", "lo"]
QUERIES = ["partenariat", "partenariats", "ecosysteme", "personnes âgées", "co-construction territoriale",
           "l'innovation sociétale", "expérimentation collective", "association entreprise territoire",
           "Grand Est", "fondation", "insertion des jeunes", "numerique seniors isolement", "evaluer",
           "dialogue territorial", "accompagner les associations", "Le RAMEAU 2015"]
TYPED = ["par", "parte", "terr", "terri", "exp", "expér", "ass", "assoc", "co-c", "inno"]


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


# Time from typing a query to its results drawn; with focus=true the box is focused first,
# which is what loads the search code and index (the « first results » measure).
TIME_TO_RESULTS = """async ([query, focus]) => {
  const loaded = performance.timing.loadEventEnd - performance.timing.navigationStart;
  const result = document.querySelector('.md-search-result');
  const input = document.querySelector('input.md-search__input');
  const start = performance.now();
  const done = new Promise(resolve => new MutationObserver((_, observer) => {
    if (result.getAttribute('data-kit-query') === query) { observer.disconnect(); resolve(performance.now()); }
  }).observe(result, {attributes: true}));
  if (focus) input.focus();
  input.value = query;
  input.dispatchEvent(new Event('input'));
  return {ms: (await done) - start, load: loaded};
}"""

ENGINE = """(queries) => queries.map(q => { const t = performance.now(); const n = kitSearch.search(q).length;
  return [performance.now() - t, n]; })"""



def browser_figures(site: Path, targets: list[tuple[str, str]]) -> dict:
    from playwright.sync_api import sync_playwright

    url, server = serve_directory(site)
    page_path = f"fiches/{targets[0][0]}.html"
    figures: dict = {}
    rng = random.Random(7)
    queries = QUERIES + [place for _, place in rng.sample(targets, min(8, len(targets)))] + TYPED
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for mode, root in (("http", url), ("file", site.as_uri() + "/")):
            first = []
            for run in range(5):
                context = browser.new_context()  # a fresh cache each time
                page = context.new_page()
                sizes: list[int] = []

                def count(response, sizes=sizes) -> None:
                    try:
                        sizes.append(0 if 300 <= response.status < 400 else len(response.body()))
                    except Exception:  # noqa: BLE001 - the context closed before the body arrived
                        pass

                page.on("response", count)
                page.goto(root + page_path, wait_until="load")
                if run == 0 and mode == "http":
                    page.wait_for_load_state("networkidle")
                    figures["page_kb"] = sum(sizes) / 1000
                first.append(page.evaluate(TIME_TO_RESULTS, ["partenariat", True]))
                if run == 0:
                    # First pass right after the first results: postings and vectors still
                    # being expanded (cold); then twice more, once they are (warm).
                    cold = page.evaluate(ENGINE, queries)
                    page.wait_for_timeout(1000)
                    warm = page.evaluate(ENGINE, queries * 3)
                    # Each query's best of its three warm runs: its own cost, without the
                    # pauses another process on the machine imposes (the raw runs are kept).
                    figures[f"{mode}_best"] = [min(warm[i][0], warm[i + len(queries)][0], warm[i + 2 * len(queries)][0])
                                               for i in range(len(queries))]
                    drawn = [page.evaluate(TIME_TO_RESULTS, [q, False])["ms"] for q in queries]
                    figures[f"{mode}_cold"] = [ms for ms, _ in cold]
                    figures[f"{mode}_engine"] = [ms for ms, _ in warm]
                    figures[f"{mode}_drawn"] = drawn
                    # The unique place names must find their sheet first.
                    for slug, place in rng.sample(targets, min(5, len(targets))):
                        found = page.evaluate("q => kitSearch.search(q).map(r => r.url)", place)
                        assert found and found[0] == f"fiches/{slug}.html", (place, found[:3])
                context.close()
            figures[f"{mode}_first"] = [f["ms"] for f in first]
            figures[f"{mode}_load"] = [f["load"] for f in first]
        browser.close()
    server.shutdown()
    return figures


def measure(count: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        root = copy_repo_project(Path(tmp) / "projet")
        targets = add_sheets(root, count)
        project = Project(root)
        site = Path(tmp) / "site"
        start = time.perf_counter()
        result = build(project, site, with_archive=False)
        total = time.perf_counter() - start
        config, kit = load_kit(project)
        start = time.perf_counter()
        script = render_script(build_index(page_entries(site, config, kit)))
        stage = time.perf_counter() - start
        assert script == (site / INDEX_FILE).read_text(encoding="utf-8")
        raw = script.encode("utf-8")
        figures = {"sheets": count, "pages": result.page_count, "build_s": total, "stage_s": stage,
                   "index_mb": len(raw) / 1e6, "index_gzip_mb": len(gzip.compress(raw, 6)) / 1e6}
        figures.update(browser_figures(site, targets))
        return figures


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]


def report(f: dict) -> None:
    print(f"\n{f['sheets']} fiches synthétiques ({f['pages']} pages)")
    print(f"  construction : {f['build_s']:.1f} s, dont index de recherche {f['stage_s']:.1f} s")
    print(f"  index : {f['index_mb']:.2f} Mo brut, {f['index_gzip_mb']:.2f} Mo gzip")
    print(f"  premier chargement d'une fiche : {f['page_kb']:.0f} Ko (aucun fichier de recherche)")
    for mode in ("http", "file"):
        first = f[f"{mode}_first"]
        print(f"  [{mode}] premiers résultats après le chargement : médiane {statistics.median(first):.0f} ms, "
              f"max {max(first):.0f} ms (chargement de la page : médiane {statistics.median(f[mode + '_load']):.0f} ms)")
        for label, values in (("moteur, 1re fois", f[f"{mode}_cold"]), ("moteur, ensuite", f[f"{mode}_engine"]),
                              ("moteur, meilleur de 3", f[f"{mode}_best"]),
                              ("saisie → résultats affichés", f[f"{mode}_drawn"])):
            print(f"  [{mode}] par requête, {label} : médiane {statistics.median(values):.1f} ms, "
                  f"p95 {p95(values):.1f} ms, max {max(values):.1f} ms")


def main() -> None:
    counts = [int(a) for a in sys.argv[1:]] or [200, 2000]
    for count in counts:
        before = os.getloadavg()[0]
        figures = measure(count)
        report(figures)
        # The machine may be shared: say how busy it was (2 cores: above 2, runs wait).
        print(f"  charge moyenne de la machine (1 min) : {before:.1f} au début, {os.getloadavg()[0]:.1f} à la fin")


if __name__ == "__main__":
    main()
