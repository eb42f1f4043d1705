"""Fuzzing the six connectors with mutated exports: how many files, how fast, what they gave.

Every file must give records and row problems or one clear ``UnreadableFile`` naming it;
anything else (an exception, a file taking longer than ``--max-seconds``) is a finding and
fails the run. The floor is the same number of reads of the unmutated reference files, so
the ratio says what mutated input costs beyond the connector's normal work.

    .venv/bin/python benchmarks/bench_fuzz.py [--files 10000] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.connectors.fuzzing import (
    SEEDS,
    XLSX_CONNECTORS,
    Outcome,
    mutate,
    mutate_xlsx,
    read_one,
    seed_bytes,
    tally,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-seconds", type=float, default=10.0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    kinds = [(c, False) for c in SEEDS] + [(c, True) for c in XLSX_CONNECTORS]
    seeds = {kind: seed_bytes(*kind) for kind in kinds}
    outcomes: list[Outcome] = []
    findings: list[str] = []
    slowest = (0.0, "")
    with tempfile.TemporaryDirectory() as folder:
        floor_started = time.perf_counter()
        for n in range(args.files):
            (connector, as_xlsx) = kinds[n % len(kinds)]
            data, suffix = seeds[(connector, as_xlsx)]
            path = Path(folder) / f"floor{suffix}"
            path.write_bytes(data)
            read_one(connector, path)
        floor = time.perf_counter() - floor_started
        started = time.perf_counter()
        for n in range(args.files):
            (connector, as_xlsx) = kinds[n % len(kinds)]
            data, suffix = seeds[(connector, as_xlsx)]
            mutated = mutate_xlsx(data, rng) if as_xlsx else mutate(data, rng)
            path = Path(folder) / f"fuzz-{n}{suffix}"
            path.write_bytes(mutated)
            try:
                outcome = read_one(connector, path)
            except Exception:  # a finding: keep the file
                keep = ROOT / "test-artefacts" / "fuzz" / path.name
                keep.parent.mkdir(parents=True, exist_ok=True)
                keep.write_bytes(mutated)
                findings.append(f"{connector} {keep}: {traceback.format_exc(limit=3)}")
                continue
            finally:
                path.unlink(missing_ok=True)
            outcomes.append(outcome)
            if outcome.seconds > slowest[0]:
                slowest = (outcome.seconds, f"{connector}{' (xlsx)' if as_xlsx else ''}")
            if outcome.seconds > args.max_seconds:
                findings.append(f"{connector} fuzz-{n}{suffix}: {outcome.seconds:.1f} s")
        fuzzed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.files:,} mutated files (seed {args.seed}) through 6 connectors "
          f"({len(XLSX_CONNECTORS)} also as XLSX) in {fuzzed:.1f} s "
          f"({args.files / fuzzed:,.0f} files/s); floor (unmutated references): {floor:.1f} s; "
          f"ratio {fuzzed / floor:.2f}")  # fmt: skip
    print(f"slowest file {slowest[0] * 1000:.0f} ms ({slowest[1]}); peak memory {peak_mb:.0f} MB")
    for (connector, kind), count in sorted(tally(outcomes).items()):
        print(f"  {connector:<17} {kind:<11} {count:>6,}")
    problems = sum(o.problems for o in outcomes)
    print(f"row problems reported: {problems:,}; findings: {len(findings)}")
    for finding in findings[:20]:
        print(finding)
    return 1 if findings else 0


if __name__ == "__main__":
    raise SystemExit(main())
