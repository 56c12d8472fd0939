"""Integer path and query parameters: the server accepts exactly what the OpenAPI document says.

The audit (issue 11, item 6b): ten-digit ids and offsets were refused although the document
allowed them, and the document gave path ids `minimum: 0` while the server refused 0. Both now
read one definition (`api.paging.IntegerParameter`), and this test reads the *document*: every
integer parameter of every GET and DELETE operation, at its boundaries and beyond, answers a
400 naming it exactly when the document's schema refuses the value.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import pytest

from api.openapi import build_openapi
from api.paging import MAX_ID, PATH_ID
from api.registry import build_registry
from api.routes import RESOURCE_MODULES
from resources.discovery import LinksDocuments

#: Tried on every integer parameter, beside each schema's own minimum/maximum and one beyond.
VALUES = [
    "0",
    "1",
    "999999999",
    "1000000000",
    "2147483647",
    "2147483648",
    "4294967296",
    "99999999999999999999",
    "-1",
    "007",
    "\u0663",  # ARABIC-INDIC DIGIT THREE
    "\uff11",  # FULLWIDTH DIGIT ONE
    "\u00b2",  # SUPERSCRIPT TWO
    "\U0001d7d9",  # MATHEMATICAL DOUBLE-STRUCK DIGIT ONE
    "1.0",
    "1e3",
    "0x1",
]
_ASCII_INTEGER = re.compile(r"-?[0-9]+")


def _document() -> dict[str, Any]:
    return build_openapi(build_registry(RESOURCE_MODULES, links_resource=LinksDocuments))


def _integer_parameters() -> list[tuple[str, str, str]]:
    """Return (method, template, name) of each integer parameter of a GET or DELETE."""
    found = []
    for template, operations in _document()["paths"].items():
        for method, operation in operations.items():
            if method not in ("get", "delete") or operation.get("x-disabled"):
                continue
            for parameter in operation.get("parameters", ()):
                if parameter["schema"].get("type") == "integer":
                    found.append((method.upper(), template, parameter["name"]))
    return found


def promised(schema: dict[str, Any], value: str) -> bool:
    """Return whether the document's `schema` allows `value` (as it appears in a URL)."""
    if not _ASCII_INTEGER.fullmatch(value):
        return False
    return schema["minimum"] <= int(value) <= schema["maximum"]


def _sample(name: str, schema: dict[str, Any], method: str, group_id: int) -> str:
    """Return a valid value of a parameter other than the one under test (ids exist)."""
    if schema.get("type") == "integer":
        if name in ("limit", "offset"):
            return str(schema.get("default", schema["minimum"]))
        return str(group_id)  # the only other integer path field is a group's
    if "enum" in schema:
        return "all" if "all" in schema["enum"] else schema["enum"][0]
    return {
        "username": "alice",
        "team_name": "riverdale",
        "key": "riverdale",
        "second": "alice" if method == "DELETE" else "varsity",
        "bucket": "all",
        "text": "river",
    }[name]


@pytest.mark.parametrize(("method", "template", "name"), _integer_parameters())
def test_integer_parameters_answer_what_the_document_promises(client, club, method, template, name):
    operation = _document()["paths"][template][method.lower()]
    parameters = {parameter["name"]: parameter for parameter in operation["parameters"]}
    schema = parameters[name]["schema"]
    bounds = [schema["minimum"] - 1, schema["minimum"], schema["maximum"], schema["maximum"] + 1]
    for value in [*VALUES, *map(str, bounds)]:
        values = {
            other: _sample(other, parameter["schema"], method, club.varsity.id)
            for other, parameter in parameters.items()
            if other != name and parameter["in"] == "path"
        }
        values[name] = value
        path = template.format(**{key: quote(text, safe="") for key, text in values.items()})
        query = {name: value} if parameters[name]["in"] == "query" else None
        result = client.simulate_request(method, path, params=query, headers=club["root"])
        if promised(schema, value):
            assert result.status_code in (200, 204, 404), (method, path, query, result.text)
        else:
            assert result.status_code == 400, (method, path, query, result.text)
            paths = {error["path"] for error in result.json["errors"]}
            assert name in paths or (name == "key" and "group_id" in paths), result.json


def test_every_path_id_is_documented_as_the_parser_reads_it():
    for template, operations in _document()["paths"].items():
        for operation in operations.values():
            for parameter in operation.get("parameters", ()):
                if parameter["in"] == "path" and parameter["schema"].get("type") == "integer":
                    if parameter["name"] in ("limit", "offset"):
                        continue
                    assert (
                        parameter["schema"]
                        == PATH_ID.schema()
                        == {
                            "type": "integer",
                            "minimum": 1,
                            "maximum": MAX_ID,
                        }
                    ), template


def test_the_audits_cases(client, runners):
    headers = runners["alice"]
    assert client.simulate_get("/v2/logs/1000000000", headers=headers).status_code == 404
    assert client.simulate_get(f"/v2/logs/{MAX_ID}", headers=headers).status_code == 404
    page = client.simulate_get("/v2/logs", params={"offset": "1000000000"}, headers=headers)
    assert page.status_code == 200 and page.json["logs"] == []
    feed = client.simulate_get(f"/v2/log_feed/all/all/10/{MAX_ID}", headers=headers)
    assert feed.status_code == 200 and feed.json["logs"] == [] and feed.json["next"] is None
    zero = client.simulate_get("/v2/logs/0", headers=headers)
    assert zero.status_code == 400
    assert zero.json["errors"] == [{"path": "log_id", "message": f"must be between 1 and {MAX_ID}"}]
    too_big = client.simulate_get(f"/v2/logs/{MAX_ID + 1}", headers=headers)
    assert too_big.status_code == 400
