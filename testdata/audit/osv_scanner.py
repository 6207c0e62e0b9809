#!/usr/bin/env python3
"""Write the osv-scanner JSON fixture for one project (called by testdata/audit/regen.sh).

osv-scanner is a Go binary that cannot be installed here (no Go toolchain and no way to fetch
prebuilt binaries), so this script writes what `osv-scanner scan source --format json -L
Cargo.lock` prints, following osv-scanner's documented output (docs/output.md and
pkg/models/results.go in google/osv-scanner):

  {"results": [{"source": {"path", "type": "lockfile"},
                "packages": [{"package": {"name", "version", "ecosystem": "crates.io"},
                              "vulnerabilities": [<full OSV records>],
                              "groups": [{"ids", "aliases", "max_severity"}]}]}],
   "experimental_config": {"licenses": {"summary": false, "allowlist": null}}}

Which advisories affect which package versions is taken from the real cargo-audit report of
the same lockfile (so the fixture agrees with the tools that did run); each OSV record is
built from the advisory's file in the RustSec database snapshot the way rustsec exports OSV
(rustsec/src/osv/advisory.rs): severity[] from `cvss`, affected[].database_specific with
categories, cvss and informational, references to crates.io and rustsec.org. `max_severity`
is the CVSS base score as osv-scanner prints it ("9.8"), or "" without a vector; the score
comes from the `cvss` package (PyPI), as osv-scanner computes it from the vector.
Withdrawn advisories and yanked crates are not in OSV output. Records that osv.dev would add
from other databases (GHSA) are not invented here; the parser's unit tests cover multi-id
groups with the documented example.

Usage: osv_scanner.py ADVISORY_DB CARGO_AUDIT_JSON LOCKFILE_PATH OUTPUT [CARGO_LOCK]

With CARGO_LOCK (the lockfile itself), the output is that of `--all-packages`: every package
of the lockfile is listed, those without advisories with empty `vulnerabilities` and
`groups`, under one source naming LOCKFILE_PATH, even when nothing is vulnerable.
"""

import json
import sys
import tomllib
from pathlib import Path

from cvss import CVSS3, CVSS4


def front_matter(path: Path):
    text = path.read_text(encoding="utf-8")
    _, toml_text, body = text.split("```", 2)
    meta = tomllib.loads(toml_text.removeprefix("toml"))
    body = body.strip()
    title, _, details = body.partition("\n")
    return meta, title.lstrip("# ").strip(), details.strip()


def score(vector: str) -> str:
    parsed = CVSS4(vector) if vector.startswith("CVSS:4.0/") else CVSS3(vector)
    return f"{parsed.base_score:.1f}" if vector.startswith("CVSS:4.0/") else f"{parsed.scores()[0]:.1f}"


def osv_record(db: Path, package: str, advisory_id: str):
    meta, title, details = front_matter(db / "crates" / package / f"{advisory_id}.md")
    adv = meta["advisory"]
    cvss = adv.get("cvss")
    date = str(adv["date"])
    references = [
        {"type": "PACKAGE", "url": f"https://crates.io/crates/{package}"},
        {"type": "ADVISORY", "url": f"https://rustsec.org/advisories/{advisory_id}.html"},
    ]
    if adv.get("url"):
        references.append({"type": "REPORT" if "/issues/" in adv["url"] else "WEB", "url": adv["url"]})
    for url in adv.get("references", []):
        references.append({"type": "REPORT" if "/issues/" in url else "WEB", "url": url})
    affected = meta.get("affected", {})
    record = {
        "modified": f"{date}T12:00:00Z",
        "published": f"{date}T12:00:00Z",
        "schema_version": "1.7.3",
        "id": advisory_id,
        "aliases": adv.get("aliases", []),
        "related": adv.get("related", []),
        "summary": title,
        "details": details,
        "affected": [
            {
                "package": {"ecosystem": "crates.io", "name": package, "purl": f"pkg:cargo/{package}"},
                "ranges": [{"type": "SEMVER", "events": [{"introduced": "0.0.0-0"}]}],
                "ecosystem_specific": {
                    "affects": {
                        "arch": affected.get("arch", []),
                        "os": affected.get("os", []),
                        "functions": sorted(affected.get("functions", {}).keys()),
                    }
                },
                "database_specific": {
                    "categories": adv.get("categories", []),
                    "cvss": cvss,
                    "informational": adv.get("informational"),
                },
            }
        ],
        "references": references,
        "database_specific": {"license": adv.get("license", "CC0-1.0")},
    }
    if cvss:
        record["severity"] = [{"type": "CVSS_V4" if cvss.startswith("CVSS:4.0/") else "CVSS_V3", "score": cvss}]
    return record, (score(cvss) if cvss else "")


def main():
    db, audit_json, lockfile, output = (Path(a) for a in sys.argv[1:5])
    all_packages = Path(sys.argv[5]) if len(sys.argv) > 5 else None
    report = json.loads(audit_json.read_text(encoding="utf-8"))
    found = [(v["package"], v["advisory"]) for v in report["vulnerabilities"]["list"]]
    for kind, warnings in sorted(report.get("warnings", {}).items()):
        found += [(w["package"], w["advisory"]) for w in warnings if w.get("advisory")]
    packages = {}
    for package, advisory in found:
        key = (package["name"], package["version"])
        record, max_severity = osv_record(db, package["name"], advisory["id"])
        entry = packages.setdefault(key, {"vulnerabilities": [], "groups": []})
        entry["vulnerabilities"].append(record)
        entry["groups"].append(
            {
                "ids": [record["id"]],
                "aliases": sorted([record["id"], *record["aliases"]]),
                "max_severity": max_severity,
            }
        )
    if all_packages is not None:
        lock = tomllib.loads(all_packages.read_text(encoding="utf-8"))
        for package in lock.get("package", []):
            packages.setdefault((package["name"], package["version"]), {"vulnerabilities": [], "groups": []})
    results = []
    if packages or all_packages is not None:
        results.append(
            {
                "source": {"path": str(lockfile), "type": "lockfile"},
                "packages": [
                    {
                        "package": {"name": name, "version": version, "ecosystem": "crates.io"},
                        **packages[(name, version)],
                    }
                    for name, version in sorted(packages)
                ],
            }
        )
    out = {"results": results, "experimental_config": {"licenses": {"summary": False, "allowlist": None}}}
    output.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
