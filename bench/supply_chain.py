#!/usr/bin/env python3
"""Supply-chain gates benchmark: `tollgate evaluate` with real_deps + sbom + audit on
tollgate's own repository, against `cargo metadata --locked` alone on the same repository.

Both are measured in the same run, alternating, after one warm-up each (so cargo's caches
are warm for both). The ratio is tollgate's median wall time over cargo metadata's (target:
<= 1.3x): the gates share one `cargo metadata` run, so everything above 1.0x is tollgate's
own work (graph walk, SBOM generation and checking, report parsing, hashing, signing).

The audit gate reads a cargo-audit report of tollgate's own Cargo.lock made before timing
starts with the real `cargo audit` against the offline advisory-db snapshot in
../shared/data/advisory-db (cargo-audit must be installed: `cargo install cargo-audit
--locked`).

Python 3 standard library only. Usage: python3 bench/supply_chain.py [--runs N] [--no-build]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ADVISORY_DB = REPO.parent / "shared" / "data" / "advisory-db"
TARGET_RATIO = 1.3

POLICY = """\
environment = "regtest"

[gates.real_deps]
manifest = "Cargo.toml"

[gates.sbom]
generate = true
manifest = "Cargo.toml"

[gates.audit]
reports = ["cargo-audit.json"]
max_age = "1d"
"""


def timed(argv: list[str], cwd: Path) -> tuple[float, int]:
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        sys.exit(f"{' '.join(argv)} failed with exit {proc.returncode}:\n{proc.stderr.decode(errors='replace')}")
    return elapsed, proc.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--no-build", action="store_true")
    parser.add_argument("--binary", type=Path, default=REPO / "target" / "release" / "tollgate")
    args = parser.parse_args()

    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "--locked", "-q"], cwd=REPO, check=True)
    if shutil.which("cargo-audit") is None:
        sys.exit("cargo-audit is not installed: cargo install cargo-audit --locked")
    if not ADVISORY_DB.is_dir():
        sys.exit(f"advisory-db snapshot not found at {ADVISORY_DB}")

    with tempfile.TemporaryDirectory(prefix="tollgate-bench-") as scratch:
        scratch = Path(scratch)
        release, out = scratch / "release", scratch / "out"
        release.mkdir()
        (scratch / "policy.toml").write_text(POLICY)
        with open(release / "cargo-audit.json", "wb") as report:
            subprocess.run(
                ["cargo", "audit", "--db", str(ADVISORY_DB), "--no-fetch", "--json"],
                cwd=REPO, stdout=report, stderr=subprocess.DEVNULL,
            )
        metadata = ["cargo", "metadata", "--locked", "--format-version", "1"]
        evaluate = [str(args.binary), "-q", "evaluate", "--policy", str(scratch / "policy.toml"),
                    "--release", str(release), "--repo", str(REPO), "--out", str(out)]
        timed(metadata, REPO)  # warm-up
        _, decision = timed(evaluate, REPO)
        times: dict[str, list[float]] = {"metadata": [], "evaluate": []}
        for _ in range(args.runs):
            times["metadata"].append(timed(metadata, REPO)[0])
            times["evaluate"].append(timed(evaluate, REPO)[0])

    med = {k: statistics.median(v) for k, v in times.items()}
    ratio = med["evaluate"] / med["metadata"]
    print(f"machine: {os.cpu_count()} cores; load {os.getloadavg()[0]:.2f}; runs: {args.runs}")
    print(f"{'command':<48} {'median':>9} {'min':>9}")
    print(f"{'cargo metadata --locked (reference)':<48} {med['metadata']*1000:8.0f}ms {min(times['metadata'])*1000:8.0f}ms")
    print(f"{'tollgate evaluate (real_deps+sbom+audit)':<48} {med['evaluate']*1000:8.0f}ms {min(times['evaluate'])*1000:8.0f}ms")
    verdict = "promote" if decision == 0 else "block"
    print(f"ratio evaluate / cargo metadata: {ratio:.2f}x (target <= {TARGET_RATIO}x: {'PASS' if ratio <= TARGET_RATIO else 'MISS'}); decision: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
