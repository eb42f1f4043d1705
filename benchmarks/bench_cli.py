"""Benchmark: CLI start-up against bare imports of its heaviest dependencies, in one run.

    .venv/bin/python benchmarks/bench_cli.py              # best of 5 runs of each
    .venv/bin/python benchmarks/bench_cli.py --runs 9

Each command runs as a fresh subprocess, round-robin with the others, so a busy machine
slows all of them alike; the best of N runs is kept. ``estimate`` needs no database and no
config file: it runs with the defaults (no ``CORP_CARBON_*`` variables) in a temporary
folder. Targets (issue 11): ``--help`` within 2x of ``import flask``, ``estimate`` within 3x
of ``import flask, sqlalchemy.orm``. The same estimate by distance shows what is left when
the places need not be looked up among the GeoNames cities (``geo.names``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PYTHON = sys.executable
CLI = str(Path(PYTHON).with_name("corp-carbon"))
ESTIMATE = ["estimate", "--mode", "rail", "--from", "London", "--to", "Paris", "--json"]
#: the same trip by distance: what the command costs without reading the GeoNames city names.
ESTIMATE_BY_DISTANCE = ["estimate", "--mode", "rail", "--distance-km", "412.525", "--json"]

COMMANDS: dict[str, list[str]] = {
    "import flask": [PYTHON, "-c", "import flask"],
    "import flask, sqlalchemy.orm": [PYTHON, "-c", "import flask, sqlalchemy.orm"],
    "corp-carbon --help": [CLI, "--help"],
    "corp-carbon estimate": [CLI, *ESTIMATE],
    "corp-carbon estimate (by km)": [CLI, *ESTIMATE_BY_DISTANCE],
}
#: (measured, reference, at most this many times the reference)
TARGETS = (
    ("corp-carbon --help", "import flask", 2.0),
    ("corp-carbon estimate", "import flask, sqlalchemy.orm", 3.0),
    ("corp-carbon estimate (by km)", "import flask, sqlalchemy.orm", 3.0),
)


def best_times(runs: int, cwd: Path) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CORP_CARBON_")}
    best = dict.fromkeys(COMMANDS, float("inf"))
    for _ in range(runs):
        for name, argv in COMMANDS.items():
            start = time.perf_counter()
            subprocess.run(argv, env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="Runs of each command (best kept).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="corp-carbon-bench-cli-") as folder:
        best = best_times(args.runs, Path(folder))
    print(f"best of {args.runs} runs each")
    for name, seconds in best.items():
        print(f"  {name:<30} {seconds:7.3f} s")
    failed = False
    for measured, reference, limit in TARGETS:
        ratio = best[measured] / best[reference]
        verdict = "ok" if ratio <= limit else "OVER TARGET"
        failed = failed or ratio > limit
        print(f"  {measured} / {reference}: {ratio:.2f}x (target at most {limit:g}x) {verdict}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
