"""CPU of loading + validating the catalogue and of the exports stage (issue 15, partie E).

Each round runs in a fresh interpreter (no warm caches): ``builder.validate.load_kit`` as
``kit build`` calls it (case sheets read by forked workers from 200 sheets on), then
``builder.exports.write_exports`` into a temporary folder. Printed per round and as medians:
wall time and CPU time (user + system, ``resource``) of the process and of its waited-for
children (the sheet readers), the exports' CPU (this process: the stage writes in one), and
a digest of the export files, so that two versions of the builder measured side by side
also show whether they wrote the same bytes.

    python3 benchmarks/catalogue_cpu.py [--projet DOSSIER] [--sheets N] [--rounds R]
                                        [--code DOSSIER ...]

``--projet``: a project to measure (default: the repository's kit plus N synthetic sheets,
``benchmarks/synthetic.py``, N = 2000). ``--code``: checkouts of the builder to compare
(default: this one); their rounds alternate, so that the machine's load weighs on each alike.
The load average (``os.getloadavg``) and ``nproc`` are printed before and after.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

CHILD = r"""
import hashlib, json, os, resource, sys, tempfile, time
from pathlib import Path
os.environ.setdefault("SOURCE_DATE_EPOCH", "1764028800")
from builder.config import Project
from builder.context import BuildContext
from builder.validate import load_kit
from builder.exports import write_exports

def cpu():
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime

project = Project(Path(sys.argv[1]))
own0, kids0 = cpu(); start = time.perf_counter()
config, kit = load_kit(project)
load_wall = time.perf_counter() - start
own1, kids1 = cpu()
out = Path(tempfile.mkdtemp(prefix="catalogue-cpu-"))
start = time.perf_counter()
write_exports(out, config, kit)
export_wall = time.perf_counter() - start
own2, kids2 = cpu()
digest = hashlib.sha256()
for path in sorted(p for p in out.rglob("*") if p.is_file()):
    digest.update(path.relative_to(out).as_posix().encode() + b"\0" + path.read_bytes())
    path.unlink()
print(json.dumps({"load_wall": load_wall, "load_own": own1 - own0, "load_workers": kids1 - kids0,
                  "export_wall": export_wall, "export_cpu": own2 - own1 + kids2 - kids1,
                  "sheets": len(kit.cases), "digest": digest.hexdigest()[:16]}))
"""


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def one_round(code: Path, project: Path) -> dict[str, float]:
    environment = {**os.environ, "PYTHONPATH": str(code)}
    done = subprocess.run([sys.executable, "-c", CHILD, str(project)], env=environment, cwd=tempfile.gettempdir(),
                          capture_output=True, text=True, check=False)
    if done.returncode:
        sys.exit(f"round failed ({code}):\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projet", type=Path)
    parser.add_argument("--sheets", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--code", type=Path, nargs="+", default=[REPO])
    args = parser.parse_args()
    project = args.projet
    if project is None:
        sys.path.insert(0, str(HERE))
        from synthetic import add_synthetic_sheets, copy_repo_project

        project = copy_repo_project(Path(tempfile.mkdtemp(prefix="catalogue-cpu-")) / "projet")
        add_synthetic_sheets(project, args.sheets)
    print(f"nproc {os.cpu_count()}, load average before: {load_average()}")
    results: dict[Path, list[dict[str, float]]] = {code: [] for code in args.code}
    for number in range(args.rounds):
        for code in args.code:
            result = one_round(code, project)
            results[code].append(result)
            print(f"round {number + 1} {code}: load {result['load_own'] + result['load_workers']:.2f} s CPU "
                  f"(this process {result['load_own']:.2f}, workers {result['load_workers']:.2f}; "
                  f"wall {result['load_wall']:.2f}), exports {result['export_cpu']:.2f} s CPU "
                  f"(wall {result['export_wall']:.2f}), {result['sheets']} sheets, exports {result['digest']}"
                  f"  [load average {load_average()}]", flush=True)
    print(f"load average after: {load_average()}")
    print("\nmedians over the rounds (CPU seconds: user + system, with the sheet readers):")
    first = None
    for code, rounds in results.items():
        load = statistics.median(r["load_own"] + r["load_workers"] for r in rounds)
        export = statistics.median(r["export_cpu"] for r in rounds)
        digests = sorted({r["digest"] for r in rounds})
        line = f"  {code}: load + validation {load:.2f} s, exports {export:.2f} s, exports digest {', '.join(digests)}"
        if first is None:
            first = (load, export)
        else:
            line += f"  (x{load / first[0]:.2f} and x{export / first[1]:.2f} of the first)"
        print(line)


if __name__ == "__main__":
    main()
