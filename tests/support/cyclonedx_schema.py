"""Validate a CycloneDX JSON document against the official JSON schema of its specVersion.

Usage: python cyclonedx_schema.py SCHEMA_DIR DOCUMENT.json

SCHEMA_DIR holds bom-1.x.schema.json, spdx.schema.json and jsf-0.82.schema.json (the
official files); their $ref's name each other by $id, so all of them go into one
referencing.Registry. Exit 0 when valid; 1 with one line per error when not; 2 on misuse.
"""

import json
import pathlib
import sys

from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    schema_dir, document_path = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    document = json.loads(document_path.read_text(encoding="utf-8"))
    version = document.get("specVersion")
    schema_path = schema_dir / f"bom-{version}.schema.json"
    if not schema_path.is_file():
        print(f"no schema for specVersion {version!r} in {schema_dir}", file=sys.stderr)
        return 2
    resources = []
    for path in sorted(schema_dir.glob("*.schema.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resource = Resource.from_contents(contents, default_specification=DRAFT7)
        resources.append((contents.get("$id", path.name), resource))
    registry = Registry().with_resources(resources)
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    validator = Draft7Validator(
        schema, registry=registry, format_checker=Draft7Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    for error in errors:
        where = "/".join(str(p) for p in error.absolute_path) or "(document)"
        print(f"{where}: {error.message}")
    if errors:
        return 1
    print(f"valid: {document_path} against {schema_path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
