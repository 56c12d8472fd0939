"""JSON Schema validation of request bodies: files in schemas/, compiled once at start-up."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from dao.errors import ValidationFailed

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"


def _pointer(parts: list[Any]) -> str:
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


def _entries(error: ValidationError) -> list[dict[str, str]]:
    """Return the `{path, message}` entries of one error, each pointing at its own field.

    `required` reports one error per missing member at the parent object, and a false
    `additionalProperties` one error for all unexpected members: point at each member instead.
    """
    parts = list(error.absolute_path)
    instance = error.instance
    if error.validator == "required" and isinstance(instance, dict):
        # One error per missing member; its message names it: "'date' is a required property".
        for name in error.validator_value:
            if name not in instance and error.message == f"{name!r} is a required property":
                return [{"path": _pointer([*parts, name]), "message": error.message}]
    if (
        error.validator == "additionalProperties"
        and error.validator_value is False
        and isinstance(instance, dict)
        and isinstance(error.schema, dict)
    ):
        known = error.schema.get("properties", {})
        patterns = error.schema.get("patternProperties", {})
        extras = [
            name
            for name in instance
            if name not in known and not any(re.search(pattern, name) for pattern in patterns)
        ]
        if extras:
            message = "is not an allowed property"
            return [
                {"path": _pointer([*parts, name]), "message": f"{name!r} {message}"}
                for name in extras
            ]
    return [{"path": _pointer(parts), "message": error.message}]


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
        """Raise ValidationFailed listing every field of `document` that breaks schema `name`."""
        errors = sorted(
            self.validators[name].iter_errors(document), key=lambda error: list(error.absolute_path)
        )
        if errors:
            raise ValidationFailed(
                "The request body does not match its schema "
                f"(/v2/schemas/{name}.json): {len(errors)} error(s).",
                errors=[entry for error in errors for entry in _entries(error)],
            )
