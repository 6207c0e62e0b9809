#!/usr/bin/env bash
# testdata/audit/regen.sh — rebuild the audit gate's report fixtures with the real tools.
#
# Usage:   testdata/audit/regen.sh      (from any directory)
# Needs:   cargo-audit and cargo-deny   (cargo install cargo-audit --locked;
#                                        cargo install cargo-deny --locked)
#          git, python3 (3.11+, for tomllib) with venv; the crates.io registry (cargo fetch);
#          PyPI for the `cvss` package (osv-scanner fixture only)
#          the RustSec advisory-db snapshot: $ADVISORY_DB, default ../shared/data/advisory-db
#          beside the repository (/work/shared/data/advisory-db on the team machines)
#
# Inputs (committed, never rewritten; delete a Cargo.lock to re-resolve it):
#   projects/vulnerable/   Cargo.toml + Cargo.lock: smallvec =1.6.0 (RUSTSEC-2021-0003,
#                          CVSS 9.8), time =0.1.43 (RUSTSEC-2020-0071, CVSS 6.2), atty =0.2.14
#                          (unmaintained RUSTSEC-2024-0375, unsound RUSTSEC-2021-0145),
#                          scopeguard locked at the yanked 0.3.0
#   projects/clean/        smallvec =1.13.2: no advisories
#
# What it writes (and nothing else):
#   reports/<project>/cargo-audit.json   cargo audit --db DB --no-fetch --json (stdout)
#   reports/<project>/cargo-deny.json    cargo deny --offline --format json check advisories
#                                        (JSON lines on stderr; default log level: no
#                                        timestamps, so the gate falls back to the mtime)
#   reports/vulnerable/cargo-deny-info.json   the same with -L info: log lines with timestamps
#   reports/filtered/cargo-audit.json    cargo audit --ignore RUSTSEC-2020-0071 on the
#                                        vulnerable project (a report that hides an advisory)
#   reports/<project>/osv-scanner-all.json   the same as `--all-packages` would print it
#   reports/<project>/osv-scanner.json   NOT made by osv-scanner: it is a Go binary that cannot
#                                        be installed here. osv_scanner.py writes its
#                                        documented JSON output from the advisory-db snapshot
#                                        and the cargo-audit findings (see that file).
#
# cargo-deny wants its database as a git repository in a folder named after the database URL
# (advisory-db-3157b0e258782691 for the default one) under `db-path`: the script commits a
# copy of the snapshot there (commit date = the snapshot's date) in a temporary directory,
# and allows a stale database (maximum-db-staleness = "P3650D"), as the snapshot is old.
# Both tools read the crates.io index cache left by `cargo fetch` for their yanked checks.
#
# Reports contain the time they were made (cargo-deny log lines) and temporary paths; running
# the script again changes those, not the findings. Tests copy reports into fresh release
# directories, so file modification times in the checkout do not matter.

set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
db="${ADVISORY_DB:-$here/../../../shared/data/advisory-db}"
if [ ! -d "$db/crates" ]; then
    echo "regen.sh: no advisory database at $db (set ADVISORY_DB)" >&2
    exit 2
fi
db="$(cd "$db" && pwd)"
for tool in cargo-audit cargo-deny git python3; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "regen.sh: $tool is not installed (see the header of this script)" >&2
        exit 2
    fi
done

work="$(mktemp -d "${TMPDIR:-/tmp}/tollgate-audit-regen.XXXXXX")"
trap 'rm -rf -- "$work"' EXIT
export LC_ALL=C TZ=UTC

# Run a tool that exits 1 when it finds something; any other failure stops the script.
found_ok() {
    local status=0
    "$@" || status=$?
    if [ "$status" -gt 1 ]; then
        echo "regen.sh: '$*' failed with exit status $status" >&2
        exit 1
    fi
}

echo "== cargo-deny database (git copy of $db)"
deny_db="$work/deny-db"
git_db="$deny_db/advisory-db-3157b0e258782691"
mkdir -p "$git_db"
cp -R "$db/." "$git_db/"
snapshot_date="$(cut -d' ' -f2 "$db.SNAPSHOT" 2>/dev/null || echo 2026-01-01T00:00:00Z)"
(
    cd "$git_db"
    git init -q
    git add -A
    GIT_AUTHOR_DATE="$snapshot_date" GIT_COMMITTER_DATE="$snapshot_date" \
        git -c user.name=snapshot -c user.email=snapshot@localhost commit -qm "advisory-db snapshot"
)

echo "== python venv for osv_scanner.py"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q "cvss==3.6"

for project in vulnerable clean; do
    echo "== $project"
    src="$work/$project"
    cp -R "$here/projects/$project" "$src"
    rm -rf "$src/target"
    if [ ! -f "$src/Cargo.lock" ]; then
        cargo generate-lockfile --manifest-path "$src/Cargo.toml"
        if [ "$project" = vulnerable ]; then
            cargo update --manifest-path "$src/Cargo.toml" -p scopeguard --precise 0.3.0
        fi
        cp "$src/Cargo.lock" "$here/projects/$project/Cargo.lock"
    fi
    cargo fetch --locked --manifest-path "$src/Cargo.toml"
    cat > "$src/deny.toml" <<EOF
[advisories]
db-path = "$deny_db"
maximum-db-staleness = "P3650D"
EOF
    out="$here/reports/$project"
    mkdir -p "$out"
    (
        cd "$src"
        found_ok cargo audit --db "$db" --no-fetch --json > "$out/cargo-audit.json"
        found_ok cargo deny --offline --format json check advisories 2> "$out/cargo-deny.json"
        if [ "$project" = vulnerable ]; then
            found_ok cargo deny -L info --offline --format json check advisories \
                2> "$out/cargo-deny-info.json"
            mkdir -p "$here/reports/filtered"
            found_ok cargo audit --db "$db" --no-fetch --json --ignore RUSTSEC-2020-0071 \
                > "$here/reports/filtered/cargo-audit.json"
        fi
    )
    "$work/venv/bin/python" "$here/osv_scanner.py" "$db" "$out/cargo-audit.json" \
        "/src/$project/Cargo.lock" "$out/osv-scanner.json"
    "$work/venv/bin/python" "$here/osv_scanner.py" "$db" "$out/cargo-audit.json" \
        "/src/$project/Cargo.lock" "$out/osv-scanner-all.json" "$src/Cargo.lock"
done

echo "== check"
grep -q RUSTSEC-2021-0003 "$here/reports/vulnerable/cargo-audit.json"
grep -q RUSTSEC-2021-0003 "$here/reports/vulnerable/cargo-deny.json"
grep -q '"yanked"' "$here/reports/vulnerable/cargo-audit.json"
grep -q '"found":false' "$here/reports/clean/cargo-audit.json"
echo "regen.sh: fixtures written under $here/reports"
