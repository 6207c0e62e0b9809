#!/usr/bin/env python3
"""Hashing benchmark: tollgate's end-to-end artifact hashing versus openssl and sha256sum.

In one run, on the same files, with a warm page cache, it times

  * `tollgate evaluate` on a release directory (the files plus a SHA256SUMS) with a
    policy whose only gate is the signatures gate, i.e. what a user waits for;
  * `openssl dgst -sha256 FILE...` and `sha256sum FILE...` (all files in one invocation,
    which both tools hash sequentially);

for two cases: one file of --size-mib MiB, and 16 files totalling --size-mib MiB. It reports
median and minimum wall time over --runs runs, the speed ratios (reference time / tollgate
time, so > 1 means tollgate is faster), tollgate's peak RSS, and PASS/MISS against targets.

Python 3 standard library only. Exit status: 0 when the benchmark ran (targets missed or
not), 1 when --strict and a target was missed, 2 on an error.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

MIB = 1 << 20
MANY_FILES = 16
CHUNK = 4 * MIB

# Targets (from the issue), on the reference 2-core machine.
TARGET_ONE_VS_OPENSSL = 0.9  # tollgate >= 0.9x openssl's speed on one file
TARGET_MANY_VS_OPENSSL = 1.6  # tollgate >= 1.6x openssl's (sequential) speed on 16 files
TARGET_RSS_MIB = 64  # tollgate peak RSS below this

POLICY = """\
environment = "regtest"
[gates.signatures]
require_sums_signature = false
artifact_signatures = "ignore"
"""

REPO_ROOT = Path(__file__).resolve().parent.parent


class BenchError(Exception):
    pass


# ---------------------------------------------------------------------------------------
# Machine and tool facts


def load_average() -> str:
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "unknown"


def cpu_busy_seconds() -> float | None:
    """CPU time (all CPUs, seconds) the whole machine has spent not idle since boot."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields) - idle) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def cpu_info() -> tuple[str, bool]:
    model, sha_ni = "unknown", False
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if key == "model name" and model == "unknown":
                    model = value.strip()
                elif key == "flags":
                    sha_ni = sha_ni or "sha_ni" in value.split()
    except OSError:
        pass
    return model, sha_ni


def first_line(argv: list[str]) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"unavailable ({e})"
    text = (out.stdout or out.stderr).strip()
    return text.splitlines()[0] if text else f"unavailable (exit {out.returncode})"


def mem_available_mib() -> int | None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


# ---------------------------------------------------------------------------------------
# Page-cache residency (mincore via ctypes; best effort)

_libc = None


def _load_libc():
    global _libc
    if _libc is None:
        lib = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        lib.mmap.restype = ctypes.c_void_p
        lib.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                             ctypes.c_int, ctypes.c_long]
        lib.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
        lib.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p]
        _libc = lib
    return _libc


def resident_fraction(paths: list[Path]) -> float | None:
    """Fraction of the files' pages in the page cache, or None if it cannot be told."""
    try:
        libc = _load_libc()
        page = os.sysconf("SC_PAGE_SIZE")
        resident = total = 0
        for path in paths:
            size = path.stat().st_size
            if size == 0:
                continue
            fd = os.open(path, os.O_RDONLY)
            try:
                addr = libc.mmap(None, size, 0x1, 0x01, fd, 0)  # PROT_READ, MAP_SHARED
                if addr in (None, ctypes.c_void_p(-1).value):
                    return None
                try:
                    pages = (size + page - 1) // page
                    vec = (ctypes.c_ubyte * pages)()
                    if libc.mincore(addr, size, vec) != 0:
                        return None
                    resident += sum(b & 1 for b in vec)
                    total += pages
                finally:
                    libc.munmap(addr, size)
            finally:
                os.close(fd)
        return resident / total if total else None
    except (OSError, AttributeError):
        return None


# ---------------------------------------------------------------------------------------
# Test data


def write_random(path: Path, size: int) -> None:
    with open(path, "wb") as f:
        left = size
        while left:
            n = min(CHUNK, left)
            f.write(os.urandom(n))
            left -= n


def copy_range(src: Path, dst: Path, offset: int, size: int) -> None:
    """Copy `size` bytes of `src` from `offset` into a new file `dst` (in-kernel if possible)."""
    with open(src, "rb") as fi, open(dst, "wb") as fo:
        done = 0
        try:
            while done < size:
                n = os.copy_file_range(fi.fileno(), fo.fileno(), size - done,
                                       offset + done, done)
                if n == 0:
                    break
                done += n
        except (AttributeError, OSError):
            pass
        fi.seek(offset + done)
        fo.seek(done)
        while done < size:
            buf = fi.read(min(CHUNK, size - done))
            if not buf:
                raise BenchError(f"{src} is shorter than expected")
            fo.write(buf)
            done += len(buf)


def make_release(release: Path, files: list[tuple[str, int]], source: Path | None) -> list[Path]:
    """Create (or reuse, when the sizes match) the release's files and its SHA256SUMS."""
    release.mkdir(parents=True, exist_ok=True)
    paths = []
    offset = 0
    for name, size in files:
        path = release / name
        if not (path.is_file() and path.stat().st_size == size):
            if source is not None and source.stat().st_size >= offset + size:
                copy_range(source, path, offset, size)
            else:
                write_random(path, size)
        offset += size
        paths.append(path)
    wanted = {name for name, _ in files} | {"SHA256SUMS"}
    for extra in release.iterdir():
        if extra.name not in wanted:
            raise BenchError(f"{extra} is not part of the benchmark; use a clean --dir")
    with open(release / "SHA256SUMS", "wb") as sums:
        subprocess.run(["sha256sum", "--", *(n for n, _ in files)], cwd=release,
                       stdout=sums, check=True)
    return paths


def warm(paths: list[Path]) -> None:
    for path in paths:
        with open(path, "rb", buffering=0) as f:
            while f.read(8 * MIB):
                pass


# ---------------------------------------------------------------------------------------
# Measurement


@dataclass
class Sample:
    wall: float
    cpu: float
    maxrss_kib: int
    hwm_kib: int = 0


@dataclass
class Series:
    label: str
    argv: list[str]
    cwd: Path | None = None
    expect_exit: int = 0
    sample_hwm: bool = False
    samples: list[Sample] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(s.wall for s in self.samples)

    @property
    def best(self) -> float:
        return min(s.wall for s in self.samples)

    @property
    def cpu_median(self) -> float:
        return statistics.median(s.cpu for s in self.samples)

    @property
    def maxrss_mib(self) -> float:
        return max(s.maxrss_kib for s in self.samples) / 1024

    @property
    def hwm_mib(self) -> float:
        return max(s.hwm_kib for s in self.samples) / 1024


def read_hwm_kib(pid: int) -> int | None:
    """VmHWM (peak RSS of the process's own address space) from /proc, if it is readable."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def run_once(series: Series, logs: Path) -> Sample:
    """Fork and exec the command, reap it with wait4 (rusage of this child alone), time it.

    fork, not posix_spawn: glibc's posix_spawn shares this process's memory (CLONE_VM), and
    at exec Linux folds the *old* address space's peak RSS into the child's ru_maxrss, so a
    spawned child would inherit this script's peak. After fork, the inherited part is only
    the anonymous memory this script holds at the time (the floor measured with `true`).
    """
    exe = shutil.which(series.argv[0]) if os.sep not in series.argv[0] else series.argv[0]
    if exe is None:
        raise BenchError(f"{series.argv[0]}: not found")
    out_log, err_log = logs / "stdout.log", logs / "stderr.log"
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    fds = (os.open(os.devnull, os.O_RDONLY), os.open(out_log, flags, 0o644),
           os.open(err_log, flags, 0o644))
    sys.stdout.flush()
    sys.stderr.flush()
    hwm = [0]
    done = threading.Event()
    try:
        start = time.perf_counter()
        pid = os.fork()
        if pid == 0:  # child: only exec or _exit from here
            try:
                for target, fd in enumerate(fds):
                    os.dup2(fd, target)
                if series.cwd is not None:
                    os.chdir(series.cwd)
                os.execv(exe, series.argv)
            finally:
                os._exit(127)

        def sample() -> None:
            # The child's own peak, sampled: a cross-check that excludes the fork floor.
            while not done.wait(0.005):
                value = read_hwm_kib(pid)
                if value is not None:
                    hwm[0] = max(hwm[0], value)

        sampler = threading.Thread(target=sample, daemon=True) if series.sample_hwm else None
        if sampler is not None:
            sampler.start()
        _, status, usage = os.wait4(pid, 0)
        wall = time.perf_counter() - start
        done.set()
        if sampler is not None:
            sampler.join()
    finally:
        for fd in fds:
            os.close(fd)
    code = os.waitstatus_to_exitcode(status)
    if code != series.expect_exit:
        tail = "".join(err_log.read_text(errors="replace").splitlines(True)[-20:])
        tail += "".join(out_log.read_text(errors="replace").splitlines(True)[-20:])
        raise BenchError(f"`{' '.join(series.argv)}` exited with {code}, expected "
                         f"{series.expect_exit}:\n{tail}")
    return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, hwm[0])


# ---------------------------------------------------------------------------------------
# Reporting


def fmt_ratio(x: float) -> str:
    return f"{x:.2f}x"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main() -> int:
    parser = argparse.ArgumentParser(
        description="Benchmark tollgate's artifact hashing against openssl and sha256sum.")
    parser.add_argument("--dir", type=Path,
                        help="work directory for the test data (default: a new temp dir "
                             "under /tmp, deleted afterwards unless --keep)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the test data (a kept --dir is reused by the next run)")
    parser.add_argument("--size-mib", type=int, default=1024,
                        help="total size of each case in MiB (default 1024; 64 for a quick run)")
    parser.add_argument("--runs", type=int, default=5,
                        help="timed runs per command (default 5); median and min reported")
    parser.add_argument("--warmup-runs", type=int, default=1,
                        help="untimed runs per command before timing (default 1)")
    parser.add_argument("--binary", type=Path,
                        help="tollgate binary (default target/release/tollgate in the repo)")
    parser.add_argument("--no-build", action="store_true",
                        help="do not run `cargo build --release` first")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 when a target is missed")
    args = parser.parse_args()

    if args.runs < 1 or args.warmup_runs < 0:
        parser.error("--runs must be >= 1 and --warmup-runs >= 0")
    if args.size_mib < MANY_FILES or args.size_mib % MANY_FILES:
        parser.error(f"--size-mib must be a positive multiple of {MANY_FILES}")

    binary = (args.binary or REPO_ROOT / "target" / "release" / "tollgate").resolve()
    if not args.no_build:
        print("building: cargo build --release", flush=True)
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=REPO_ROOT, check=True)
    if not os.access(binary, os.X_OK):
        raise BenchError(f"{binary}: not an executable (build it, or pass --binary)")
    for tool in ("openssl", "sha256sum"):
        if shutil.which(tool) is None:
            raise BenchError(f"{tool}: not found on PATH")

    size = args.size_mib * MIB
    created_dir = args.dir is None
    work = Path(tempfile.mkdtemp(prefix="tollgate-bench-", dir="/tmp")) if created_dir \
        else args.dir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    ours = [work / n for n in ("one", "many", "tiny", "repo", "out", "logs", "policy.toml")]

    try:
        return run(args, binary, size, work)
    finally:
        if not args.keep:
            for path in ours:
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                elif path.exists():
                    path.unlink()
            if created_dir:
                shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"\nkept test data in {work}")


def run(args, binary: Path, size: int, work: Path) -> int:
    model, sha_ni = cpu_info()
    print(f"machine:   {os.cpu_count()} CPUs (nproc {first_line(['nproc'])}), {model}, "
          f"sha_ni {'yes' if sha_ni else 'no'}, {platform.system()} {platform.release()}")
    print(f"openssl:   {first_line(['openssl', 'version'])}")
    print(f"sha256sum: {first_line(['sha256sum', '--version'])}")
    print(f"tollgate:  {first_line([str(binary), '--version'])} ({binary})")

    need = 2 * size + 64 * MIB
    free = shutil.disk_usage(work).free
    if free < need:
        raise BenchError(f"{work}: {free // MIB} MiB free, need {need // MIB} MiB")
    avail = mem_available_mib()
    if avail is not None and avail < 2 * size // MIB + 512:
        print(f"warning: only {avail} MiB of memory available; the page cache may not hold "
              f"all {2 * size // MIB} MiB of test data", file=sys.stderr)

    print(f"data:      {work} (creating or reusing {2 * size // MIB} MiB)", flush=True)
    t0 = time.perf_counter()
    one = make_release(work / "one", [("artifact.bin", size)], None)
    part = size // MANY_FILES
    many = make_release(work / "many",
                        [(f"part-{i:02}.bin", part) for i in range(MANY_FILES)], one[0])
    tiny = make_release(work / "tiny", [("tiny.bin", 1)], None)
    (work / "repo").mkdir(exist_ok=True)  # not a git repository: no commit to bind
    (work / "out").mkdir(exist_ok=True)
    (work / "logs").mkdir(exist_ok=True)
    policy = work / "policy.toml"
    policy.write_text(POLICY)
    print(f"           ready in {time.perf_counter() - t0:.1f} s; warming the page cache",
          flush=True)
    warm(one + many)
    resident = resident_fraction(one + many)
    print("           resident in page cache: "
          + ("unknown" if resident is None else f"{resident:.1%}"))

    def tollgate(release: Path) -> list[str]:
        return [str(binary), "--quiet", "evaluate", "--policy", str(policy),
                "--release", str(release), "--repo", str(work / "repo"),
                "--out", str(work / "out")]

    cases = []
    for name, files, release in ((f"1 x {size // MIB} MiB", one, work / "one"),
                                 (f"{MANY_FILES} x {part // MIB} MiB", many, work / "many")):
        names = [p.name for p in files]
        cases.append((name, [
            Series("tollgate", tollgate(release), sample_hwm=True),
            Series("openssl", ["openssl", "dgst", "-sha256", *names], cwd=release),
            Series("sha256sum", ["sha256sum", "--", *names], cwd=release),
        ]))
    fixed = Series("tollgate", tollgate(work / "tiny"), sample_hwm=True)
    floor = Series("true", ["true"])
    everything = [s for _, ss in cases for s in ss] + [fixed, floor]

    load_before = load_average()
    ncpus = os.cpu_count() or 1
    print(f"\nruns:      {args.warmup_runs} warm-up + {args.runs} timed per command, "
          "interleaved; wall time from fork to wait4", flush=True)
    logs = work / "logs"
    for _ in range(args.warmup_runs):
        for series in everything:
            run_once(series, logs)
    busy_before, own_before = cpu_busy_seconds(), own_cpu_seconds()
    timed_start = time.perf_counter()
    for _ in range(args.runs):
        for series in everything:
            series.samples.append(run_once(series, logs))
    timed_wall = time.perf_counter() - timed_start
    busy_after, own_after = cpu_busy_seconds(), own_cpu_seconds()
    resident = resident_fraction(one + many)
    if resident is not None and resident < 0.99:
        print(f"warning: only {resident:.1%} of the test data is still in the page cache",
              file=sys.stderr)

    # Table.
    print()
    header = (f"{'case':<12} {'tool':<9} {'median s':>8} {'min s':>7} {'MiB/s':>6} "
              f"{'CPU s':>6} {'maxRSS MiB':>10} {'VmHWM MiB':>9}")
    print(header)
    print("-" * len(header))

    def row(name: str, s: Series, mib: float | None) -> None:
        speed = f"{mib / s.median:>6.0f}" if mib else f"{'-':>6}"
        hwm = f"{s.hwm_mib:>9.1f}" if s.sample_hwm else f"{'-':>9}"
        print(f"{name:<12} {s.label:<9} {s.median:>8.3f} {s.best:>7.3f} {speed} "
              f"{s.cpu_median:>6.2f} {s.maxrss_mib:>10.1f} {hwm}")

    for name, series_list in cases:
        for s in series_list:
            row(name, s, size / MIB)
    row("1 x 1 byte", fixed, None)
    print("MiB/s from the median; CPU s = user+sys (median). maxRSS = max ru_maxrss from "
          "wait4, which on\nLinux also covers the child's own children (tollgate runs "
          "`rustc -vV` and `cargo -V`\nfor provenance) and what it inherits from forking "
          f"this script (floor, via `true`: {floor.maxrss_mib:.1f} MiB).\n"
          "VmHWM = the child's own peak RSS, sampled from /proc every 5 ms. 1 x 1 byte = "
          "tollgate's\nfixed cost per evaluation, included in its rows above.")

    # Ratios and targets.
    print("\nspeed ratio = reference time / tollgate time (> 1: tollgate faster); "
          "median (min)")
    missed = False
    targets = {0: TARGET_ONE_VS_OPENSSL, 1: TARGET_MANY_VS_OPENSSL}
    for i, (name, (tg, ossl, shasum)) in enumerate(cases):
        for ref in (ossl, shasum):
            ratio = ref.median / tg.median
            best = ref.best / tg.best
            line = f"  {name:<14} vs {ref.label:<10} {fmt_ratio(ratio):>6} ({fmt_ratio(best)})"
            if ref is ossl:
                ok = ratio >= targets[i]
                missed |= not ok
                line += f"   target >= {targets[i]:.2f}x  {verdict(ok)}"
            print(line)
    rss = max(s.maxrss_mib for _, ss in cases for s in ss if s.label == "tollgate")
    ok = rss < TARGET_RSS_MIB
    missed |= not ok
    print(f"  tollgate peak RSS {rss:.1f} MiB{'':>17}target <  {TARGET_RSS_MIB} MiB   "
          f"{verdict(ok)}")

    # Anything else running skews the figures, parallel tollgate most of all: the CPU time
    # the machine spent during the timed runs, less that of the commands and of this script,
    # is what other processes took.
    ours = sum(x.cpu for s in everything for x in s.samples) + (own_after - own_before)
    if busy_before is not None and busy_after is not None and timed_wall > 0:
        others = max(0.0, (busy_after - busy_before) - ours) / (timed_wall * ncpus)
        busy = others > 0.05
        print(f"\nother processes used {others:.0%} of the {ncpus} CPUs during the timed runs "
              f"(load average {load_before} before, {load_average()} after)")
    else:
        busy = False
        print(f"\nload average {load_before} before, {load_average()} after")
    if busy:
        print("warning: the machine was busy (other processes competed for the CPUs); "
              "these figures are unreliable, run again when it is idle")
    print("\nresult: " + ("some targets MISSED" if missed else "all targets PASS")
          + (" (UNRELIABLE: machine busy)" if busy else ""))
    return 1 if (missed and args.strict) else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
    except subprocess.CalledProcessError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
