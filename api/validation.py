"""JSON Schema validation of request bodies: files in schemas/, compiled once at start-up."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from dao.errors import InvalidInput

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"


def _pointer(error: ValidationError) -> str:
    parts = [str(part).replace("~", "~0").replace("/", "~1") for part in error.absolute_path]
    if error.validator == "required" and isinstance(error.instance, dict):
        # Point at the missing member itself rather than at its parent object.
        missing = next((name for name in error.validator_value if name not in error.instance), None)
        if missing is not None:
            parts.append(missing)
    return "/" + "/".join(parts) if parts else ""


class Schemas:
    """Every request-body schema, by name, with its compiled validator and its exact bytes."""

    def __init__(self, directory: Path = SCHEMA_DIR) -> None:
        self.raw: dict[str, bytes] = {}
        self.validators: dict[str, Draft202012Validator] = {}
        checker = FormatChecker()
        for path in sorted(directory.glob("*.json")):
            data = path.read_bytes()
            schema = json.loads(data)
            Draft202012Validator.check_schema(schema)
            self.raw[path.stem] = data
            self.validators[path.stem] = Draft202012Validator(schema, format_checker=checker)

    def __contains__(self, name: str) -> bool:
        return name in self.validators

    def validate(self, name: str, document: Any) -> None:
        """Raise InvalidInput listing every failing field of `document` against schema `name`."""
        errors = sorted(
            self.validators[name].iter_errors(document), key=lambda error: list(error.absolute_path)
        )
        if errors:
            raise InvalidInput(
                "The request body does not match its schema "
                f"(/v2/schemas/{name}.json): {len(errors)} error(s).",
                errors=[{"path": _pointer(error), "message": error.message} for error in errors],
            )
