"""Extreme numbers are a 400 naming the field, never a 500 (issue 11, item 6a).

The audit: `"distance": 1e-300` with a time overflowed the pace computation (a 500) before
its own range check. Every numeric field of a request schema has a minimum and a maximum, and
the training arithmetic checks what it is given before computing with it. Each value here is
sent by POST, PUT and both PATCH media types, on SQLite and MariaDB.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.validation import SCHEMA_DIR
from dao.training import MAX_DISTANCE, MIN_DISTANCE

RUN = {"date": "2024-03-01", "type": "run", "feel": 7, "distance": 5, "metric": "miles"}
MERGE = {"Content-Type": "application/merge-patch+json"}
JSON_PATCH = {"Content-Type": "application/json-patch+json"}
HUGE_INT = 10**30  # orjson reads it as a float, 1e30
#: The extremes every numeric field is tried with.
EXTREMES: list[Any] = [1e-300, 5e-324, -5e-324, 1e308, -1e308, -0.0, 0, HUGE_INT, -HUGE_INT]
METHODS = ["POST", "PUT", "merge-patch", "json-patch"]


def send(client, method: str, headers: dict[str, str], log_id: int, body: dict[str, Any]):
    """Write `body` (a whole log) by `method`; both patches set every member of it."""
    path = f"/v2/logs/{log_id}"
    raw = json.dumps(body)
    if method == "POST":
        return client.simulate_post("/v2/logs", body=raw, headers=headers)
    if method == "PUT":
        return client.simulate_put(path, body=raw, headers=headers)
    if method == "merge-patch":
        return client.simulate_patch(path, body=raw, headers={**headers, **MERGE})
    operations = [{"op": "add", "path": f"/{name}", "value": value} for name, value in body.items()]
    return client.simulate_patch(
        path, body=json.dumps(operations), headers={**headers, **JSON_PATCH}
    )


@pytest.fixture
def log_id(make, runners) -> int:
    """An existing log of alice's, to PUT and PATCH."""
    return make.log("alice", **RUN, time="40:00").log_id


def assert_refused(result, field: str) -> None:
    assert result.status_code == 400, result.text
    assert result.headers["content-type"].startswith("application/problem+json")
    assert f"/{field}" in {error["path"] for error in result.json["errors"]}, result.json


def is_ok(result) -> bool:
    return result.status_code in (200, 201)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    ("distance", "metric", "time", "expected"),
    [
        # the audit's case: positive but tiny, so the pace would overflow
        (1e-300, "miles", "1:00:00", None),
        (5e-324, "meters", "1:00:00", None),
        (5e-324, "miles", "0:00:00", None),
        (1e-300, "kilometers", None, None),
        (MIN_DISTANCE / 2, "miles", "1", None),
        # a legal distance whose pace is still beyond 838:59:59 per mile
        (0.001, "miles", "1:00:00", None),
        (0.5, "miles", "838:59:59", None),
        (1e308, "miles", "1:00:00", None),
        (HUGE_INT, "meters", "1:00:00", None),
        (MAX_DISTANCE + 1, "kilometers", "1:00:00", None),
        (-1, "miles", "1:00:00", None),
        (-5e-324, "miles", "1:00:00", None),
        # accepted: zero (no pace), the bounds, an ordinary run
        (0, "miles", "1:00:00", (0.0, None)),
        (-0.0, "miles", "1:00:00", (0.0, None)),
        (MIN_DISTANCE, "miles", "1", (MIN_DISTANCE, "00:16:40")),
        (1, "miles", "838:59:59", (1.0, "838:59:59")),
        (MAX_DISTANCE, "kilometers", "838:59:59", (621371.0, "00:00:04")),
        (5, "miles", "40:00", (5.0, "00:08:00")),
    ],
)
def test_distance_extremes(client, runners, log_id, method, distance, metric, time, expected):
    body = {**RUN, "distance": distance, "metric": metric, "time": time}
    result = send(client, method, runners["alice"], log_id, body)
    if expected is None:
        assert_refused(result, "distance")
        return
    assert is_ok(result), result.text
    log = result.json["log"]
    assert (log["miles"], log["pace"]) == expected


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("value", [*EXTREMES, 0.5, 11, -1])
def test_feel_extremes(client, runners, log_id, method, value):
    result = send(client, method, runners["alice"], log_id, {**RUN, "time": "40:00", "feel": value})
    assert_refused(result, "feel")


@pytest.mark.parametrize(
    ("value", "ok"), [*((value, False) for value in EXTREMES), (1899, False), (2100, True)]
)
@pytest.mark.parametrize("method", ["PUT", "merge-patch", "json-patch"])
def test_class_year_extremes(client, runners, method, value, ok):
    path, headers = "/v2/users/alice", runners["alice"]
    if method == "PUT":
        current = client.simulate_get(path, headers=headers).json["user"]
        result = client.simulate_put(path, json={**current, "class_year": value}, headers=headers)
    elif method == "merge-patch":
        body = json.dumps({"class_year": value})
        result = client.simulate_patch(path, body=body, headers={**headers, **MERGE})
    else:
        body = json.dumps([{"op": "add", "path": "/class_year", "value": value}])
        result = client.simulate_patch(path, body=body, headers={**headers, **JSON_PATCH})
    if ok:
        assert result.status_code == 200, result.text
    else:
        assert_refused(result, "class_year")


def _numeric_fields(node: Any, path: str = "") -> list[tuple[str, dict[str, Any]]]:
    found = []
    if isinstance(node, dict):
        kinds = node.get("type")
        kinds = kinds if isinstance(kinds, list) else [kinds]
        if "number" in kinds or "integer" in kinds:
            found.append((path, node))
        for key, child in node.items():
            found += _numeric_fields(child, f"{path}/{key}")
    elif isinstance(node, list):
        for index, child in enumerate(node):
            found += _numeric_fields(child, f"{path}/{index}")
    return found


@pytest.mark.parametrize("schema", sorted(Path(SCHEMA_DIR).glob("*.json")), ids=lambda p: p.stem)
def test_every_numeric_field_of_a_request_schema_is_bounded(schema):
    for path, field in _numeric_fields(json.loads(schema.read_text())):
        assert "minimum" in field or "exclusiveMinimum" in field, (schema.name, path)
        assert "maximum" in field or "exclusiveMaximum" in field, (schema.name, path)


def test_the_distance_bound_of_the_schemas_is_the_one_the_arithmetic_checks():
    for name in ("log-create", "log-update"):
        distance = json.loads((Path(SCHEMA_DIR) / f"{name}.json").read_text())["properties"][
            "distance"
        ]
        assert (distance["minimum"], distance["maximum"]) == (0, MAX_DISTANCE)


NUMBERS = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from(EXTREMES),
)


@settings(
    max_examples=40,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    distance=NUMBERS,
    metric=st.sampled_from(["miles", "kilometers", "meters"]),
    seconds=st.integers(0, 838 * 3600 + 59 * 60 + 59),
    method=st.sampled_from(METHODS),
)
def test_any_number_is_stored_or_refused_never_a_500(
    client, runners, log_id, distance, metric, seconds, method
):
    hours, rest = divmod(seconds, 3600)
    time = f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
    body = {**RUN, "distance": distance, "metric": metric, "time": time}
    result = send(client, method, runners["alice"], log_id, body)
    assert result.status_code in (200, 201, 400), result.text
    if result.status_code == 400:
        assert "/distance" in {error["path"] for error in result.json["errors"]}
