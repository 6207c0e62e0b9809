"""Validate SARIF logs against the official OASIS SARIF 2.1.0 JSON schema.

Usage: python sarif_schema.py SCHEMA.json DOCUMENT.sarif...

The validator class is the one the schema's "$schema" names (the OASIS file says
draft-04), with format checks. Exit 0 when every document is valid; 1 with one line per
error when not; 2 on misuse.
"""

import json
import pathlib
import sys

from jsonschema.validators import validator_for


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    schema = json.loads(pathlib.Path(sys.argv[1]).read_text(encoding="utf-8"))
    cls = validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
    failed = False
    for name in sys.argv[2:]:
        document = json.loads(pathlib.Path(name).read_text(encoding="utf-8"))
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
        for error in errors:
            where = "/".join(str(p) for p in error.absolute_path) or "(document)"
            print(f"{name}: {where}: {error.message}")
        failed = failed or bool(errors)
        if not errors:
            print(f"valid: {name} ({cls.__name__})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
