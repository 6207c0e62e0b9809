"""Validate JSON documents against one JSON Schema (draft 2020-12), with format checks.

Usage: python json_schema.py SCHEMA.json DOCUMENT.json...

Exit 0 when every document is valid; 1 with one line per error when not; 2 on misuse.
"""

import json
import pathlib
import sys

from jsonschema import Draft202012Validator


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    schema = json.loads(pathlib.Path(sys.argv[1]).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(
        schema, format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    failed = False
    for name in sys.argv[2:]:
        document = json.loads(pathlib.Path(name).read_text(encoding="utf-8"))
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
        for error in errors:
            where = "/".join(str(p) for p in error.absolute_path) or "(document)"
            print(f"{name}: {where}: {error.message}")
        failed = failed or bool(errors)
        if not errors:
            print(f"valid: {name}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
