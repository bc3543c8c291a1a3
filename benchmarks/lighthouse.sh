#!/usr/bin/env bash
# Lighthouse scores of the home page and of a case sheet, on Debian's Chromium.
#
# The repository's kit is built (SOURCE_DATE_EPOCH fixed) into a temporary folder and
# served on 127.0.0.1 as its host serves it (gzip, Cache-Control: benchmarks/static_host.py).
# Lighthouse runs with its defaults: a mid-range phone on a slow 4G network (simulated).
# Targets (issue 7): accessibility 100; performance, best practices and SEO at least 95.
#
# Lighthouse comes from the npm registry, installed outside the repository (nothing is
# committed): in $LIGHTHOUSE_DIR (default ~/.cache/kit-lighthouse) on first use.
# Lighthouse 12.8 is the last major version that runs on Node 20 (13 needs Node 22).
# Usage: benchmarks/lighthouse.sh            (prints the scores; exit 1 if a target is missed)
set -euo pipefail
cd "$(dirname "$0")/.."

LIGHTHOUSE_VERSION=12.8.2
LIGHTHOUSE_DIR=${LIGHTHOUSE_DIR:-$HOME/.cache/kit-lighthouse}
LIGHTHOUSE="$LIGHTHOUSE_DIR/node_modules/.bin/lighthouse"
export CHROME_PATH=${CHROME_PATH:-/usr/bin/chromium}

if [ ! -x "$LIGHTHOUSE" ] || [ "$("$LIGHTHOUSE" --version)" != "$LIGHTHOUSE_VERSION" ]; then
  echo "Installation de Lighthouse $LIGHTHOUSE_VERSION dans $LIGHTHOUSE_DIR…" >&2
  mkdir -p "$LIGHTHOUSE_DIR"
  npm install --prefix "$LIGHTHOUSE_DIR" --no-audit --no-fund --silent "lighthouse@$LIGHTHOUSE_VERSION" >&2
fi

work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "Construction du site…" >&2
SOURCE_DATE_EPOCH=1764028800 NO_MKDOCS_2_WARNING=1 python3 - "$work" <<'PY'
import sys
from pathlib import Path
sys.path.insert(0, "benchmarks")
from synthetic import copy_repo_project
from builder.build import build
from builder.config import Project
root = Path(sys.argv[1])
build(Project(copy_repo_project(root / "projet")), root / "site")
PY

python3 benchmarks/static_host.py "$work/site" >"$work/port" &
server=$!
for _ in $(seq 50); do
  [ -s "$work/port" ] && break
  sleep 0.2
done
PORT=$(head -n 1 "$work/port")

case_sheet=$(cd "$work/site" && ls fiches/*.html | grep -v '/index.html$' | sort | head -n 1)
# Scores move from run to run (CPU load of the machine): the median of RUNS runs, as
# Lighthouse's documentation advises.
RUNS=${RUNS:-3}
for page in index.html "$case_sheet"; do
  for run in $(seq "$RUNS"); do
    "$LIGHTHOUSE" "http://127.0.0.1:$PORT/$page" --quiet \
      --chrome-flags="--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run" \
      --only-categories=performance,accessibility,best-practices,seo \
      --output=json --output-path="$work/$(echo "$page" | tr '/.' '__').$run.json"
  done
done

echo "Lighthouse $("$LIGHTHOUSE" --version), $("$CHROME_PATH" --version 2>/dev/null), médiane de $RUNS passages"
python3 - "$work" index.html "$case_sheet" <<'PY'
import json, statistics, sys
from pathlib import Path
work, pages = Path(sys.argv[1]), sys.argv[2:]
categories = ("performance", "accessibility", "best-practices", "seo")
print(f"{'page':<40} {'performance':>12} {'accessibilité':>14} {'bonnes pratiques':>17} {'SEO':>5}  (passages)")
missed = False
for page in pages:
    reports = [json.loads(p.read_text()) for p in sorted(work.glob(page.replace("/", "_").replace(".", "_") + ".*.json"))]
    runs = {c: [round(r["categories"][c]["score"] * 100) for r in reports] for c in categories}
    median = {c: statistics.median_low(runs[c]) for c in categories}
    print(f"{page:<40} {median['performance']:>12} {median['accessibility']:>14} {median['best-practices']:>17} "
          f"{median['seo']:>5}  (performance : {', '.join(map(str, runs['performance']))})")
    lost = {}
    for report in reports:  # what cost points, to fix or to know
        for category in report["categories"].values():
            for ref in category["auditRefs"]:
                audit = report["audits"][ref["id"]]
                if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
                    lost.setdefault((category["id"], ref["id"]), []).append(audit.get("displayValue") or f"{audit['score']:.2f}")
    for (category, audit), values in sorted(lost.items()):
        print(f"    {category} : {audit} {' / '.join(values)}")
    missed |= median["accessibility"] < 100 or min(median["performance"], median["best-practices"], median["seo"]) < 95
if missed:
    print("Cible manquée (accessibilité 100 ; performance, bonnes pratiques, SEO ≥ 95).", file=sys.stderr)
sys.exit(1 if missed else 0)
PY
