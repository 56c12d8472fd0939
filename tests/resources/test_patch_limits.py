"""A JSON Patch cannot make the server build more than a PUT of the same resource could send.

The audit (issue 11, item 1): one `add` and N `copy` operations from a list into itself double
the document N times, so ~1.5 KB of patch took a worker down; an `add` chain 800 levels deep,
then copied, was a 500 (RecursionError). Each attack is replayed here through every PATCH
endpoint of the registry, and a property test throws random and adversarial patches at the
applier and at the HTTP endpoints, measuring memory with tracemalloc.
"""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.patching import (
    MAX_COPIED_BYTES,
    MAX_OPERATIONS,
    PatchLimits,
    apply_json_patch,
)
from api.registry import build_registry
from api.routes import RESOURCE_MODULES
from dao.errors import InvalidInput
from resources.discovery import LinksDocuments

JSON_PATCH = {"Content-Type": "application/json-patch+json"}
MERGE_PATCH = {"Content-Type": "application/merge-patch+json"}
#: What a PATCH may answer, whatever the body: never a 5xx.
PATCH_STATUSES = {200, 400, 409, 412, 413, 415, 422}
#: A generous bound of the memory one patch may take (an unbounded copy chain takes gigabytes).
PEAK_BYTES = 16 * 1024 * 1024


def doubling(copies: int) -> list[dict[str, Any]]:
    """Return the audit's patch: a one-item list copied into itself `copies` times."""
    return [{"op": "add", "path": "/links", "value": [1]}] + [
        {"op": "copy", "from": "/links", "path": "/links/-"}
    ] * copies


def nesting(levels: int) -> list[dict[str, Any]]:
    """Return adds that nest objects `levels` deep (paths, not the body, carry the depth)."""
    operations = [{"op": "add", "path": "/nest", "value": {}}]
    path = "/nest"
    for _ in range(levels):
        path += "/n"
        operations.append({"op": "add", "path": path, "value": {}})
    return operations


def peak_of(call: Callable[[], Any]) -> tuple[Any, int]:
    """Return (what `call` returned or raised, the peak bytes it allocated)."""
    tracemalloc.start()
    try:
        try:
            outcome: Any = call()
        except InvalidInput as ex:
            outcome = ex
        return outcome, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# --- the applier itself (api/patching.py) ---------------------------------------------------


def test_an_ordinary_patch_still_applies_and_leaves_the_document_alone():
    document = {"first": "Alice", "tags": ["a"]}
    patched = apply_json_patch(
        document,
        [
            {"op": "replace", "path": "/first", "value": "Ally"},
            {"op": "copy", "from": "/tags/0", "path": "/tags/-"},
            {"op": "move", "from": "/tags", "path": "/labels"},
            {"op": "test", "path": "/labels", "value": ["a", "a"]},
        ],
    )
    assert patched == {"first": "Ally", "labels": ["a", "a"]}
    assert document == {"first": "Alice", "tags": ["a"]}


def test_a_copy_chain_is_refused_at_the_operation_that_crosses_the_limit():
    outcome, peak = peak_of(lambda: apply_json_patch({}, doubling(40)))
    assert isinstance(outcome, InvalidInput)
    (error,) = outcome.errors or []
    index = int(error["path"].removeprefix("/"))
    # 2**index items of two bytes each: the copies stop near MAX_COPIED_BYTES.
    assert 2 ** (index - 1) * 2 <= 2 * MAX_COPIED_BYTES
    assert f"Operation {index} (copy)" in outcome.detail
    assert peak < PEAK_BYTES


def test_the_document_may_not_outgrow_the_body_limit():
    limits = PatchLimits(max_bytes=1000)
    with pytest.raises(InvalidInput) as caught:
        apply_json_patch(
            {}, [{"op": "add", "path": f"/k{i}", "value": "x" * 100} for i in range(20)], limits
        )
    assert caught.value.errors == [
        {"path": "/9", "message": "the document would grow beyond 1000 bytes."}
    ]


def test_replacing_a_value_again_and_again_does_not_count_as_growth():
    limits = PatchLimits(max_bytes=1000)
    patch = [{"op": "add", "path": "/k", "value": "x" * 100}] + [
        {"op": "replace", "path": "/k", "value": "y" * 100}
    ] * 50
    assert apply_json_patch({}, patch, limits) == {"k": "y" * 100}


@pytest.mark.parametrize("levels", [31, 40, 800])
def test_nesting_by_paths_stops_at_the_depth_limit(levels):
    with pytest.raises(InvalidInput) as caught:
        apply_json_patch({}, nesting(levels)[:MAX_OPERATIONS])
    assert caught.value.errors == [
        {"path": "/31", "message": "the document would be nested deeper than 32 levels."}
    ]


def test_nesting_as_deep_as_a_put_may_is_allowed():
    assert apply_json_patch({}, nesting(30))["nest"]["n"]


def test_moving_a_deep_value_deeper_is_refused():
    deep: dict[str, Any] = {}
    for _ in range(29):
        deep = {"d": deep}
    patch = [
        {"op": "add", "path": "/a", "value": {"b": {"c": {}}}},
        {"op": "add", "path": "/deep", "value": deep},
        {"op": "move", "from": "/deep", "path": "/a/b/c/deep"},
    ]
    with pytest.raises(InvalidInput, match="Operation 2 \\(move\\)"):
        apply_json_patch({}, patch)


def test_copying_the_whole_document_into_itself_is_bounded():
    patch = [{"op": "add", "path": "/s", "value": "x" * 1000}] + [
        {"op": "copy", "from": "", "path": f"/c{i}"} for i in range(30)
    ]
    with pytest.raises(InvalidInput, match="copied and moved"):
        apply_json_patch({}, patch)


def test_more_operations_than_the_limit_are_refused_before_any_runs():
    patch = [{"op": "test", "path": "", "value": {}}] * (MAX_OPERATIONS + 1)
    with pytest.raises(InvalidInput) as caught:
        apply_json_patch({}, patch)
    assert caught.value.errors == [
        {"path": f"/{MAX_OPERATIONS}", "message": "a JSON Patch may hold at most 100 operations."}
    ]
    assert apply_json_patch({}, patch[:MAX_OPERATIONS]) == {}


@pytest.mark.parametrize(
    "body",
    [
        {"op": "add"},
        "add",
        1,
        [1],
        [{"op": 1}],
        [{"op": "nope", "path": "/a"}],
        [{"op": "add"}],
        [{"op": "add", "path": "a", "value": 1}],
        [{"op": "copy", "path": "/a"}],
        [{"op": "copy", "path": "/a", "from": "/missing"}],
        [{"op": "add", "path": 5, "value": 1}],
    ],
)
def test_malformed_patches_are_invalid_input(body):
    with pytest.raises(InvalidInput):
        apply_json_patch({"a": 1}, body)


_TOKENS = st.sampled_from(["links", "x", "0", "1", "-", "first", ""])
POINTERS = st.one_of(
    st.sampled_from(["", "/links", "/links/-", "/links/0", "/x", "/x/y", "/first"]),
    st.lists(_TOKENS, max_size=40).map(lambda parts: "".join(f"/{part}" for part in parts)),
)
VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=4), children, max_size=4)
    ),
    max_leaves=12,
)
OPERATIONS = st.one_of(
    st.builds(lambda p, v: {"op": "add", "path": p, "value": v}, POINTERS, VALUES),
    st.builds(lambda p, v: {"op": "replace", "path": p, "value": v}, POINTERS, VALUES),
    st.builds(lambda p, v: {"op": "test", "path": p, "value": v}, POINTERS, VALUES),
    st.builds(lambda p: {"op": "remove", "path": p}, POINTERS),
    st.builds(lambda f, p: {"op": "copy", "from": f, "path": p}, POINTERS, POINTERS),
    st.builds(lambda f, p: {"op": "move", "from": f, "path": p}, POINTERS, POINTERS),
)
PATCHES = st.one_of(
    st.lists(OPERATIONS, max_size=20),
    st.integers(1, MAX_OPERATIONS + 20).map(doubling),
    st.integers(1, 200).map(lambda levels: nesting(levels)[: MAX_OPERATIONS + 5]),
    st.tuples(st.integers(1, 60), st.lists(OPERATIONS, max_size=10)).map(
        lambda pair: (
            nesting(pair[0]) + [{"op": "copy", "from": "/nest", "path": "/nest/n"}] + pair[1]
        )
    ),
    st.tuples(st.integers(1, 40), st.lists(OPERATIONS, max_size=10)).map(
        lambda pair: doubling(pair[0]) + pair[1]
    ),
)


@settings(max_examples=100, derandomize=True, deadline=None, database=None)
@given(patch=PATCHES)
def test_any_patch_is_applied_or_refused_within_bounded_memory(patch):
    document = {"first": "Alice", "links": ["a"]}
    outcome, peak = peak_of(lambda: apply_json_patch(document, patch))
    assert peak < PEAK_BYTES
    if not isinstance(outcome, InvalidInput):
        assert len(patch) <= MAX_OPERATIONS


# --- every PATCH endpoint (HTTP) --------------------------------------------------------------


def patch_endpoints() -> list[str]:
    """Return the path template of every PATCH endpoint in the registry."""
    registry = build_registry(RESOURCE_MODULES, links_resource=LinksDocuments)
    return sorted(endpoint.template for endpoint in registry if endpoint.method == "PATCH")


@pytest.fixture
def targets(make, runners, club) -> dict[str, tuple[str, dict[str, str]]]:
    """Map each PATCH template to (a real path, the headers of a caller allowed to patch it)."""
    log = make.log("alice", distance=5, metric="miles", time="40:00")
    comment = make.comment("alice", log.log_id)
    notification = make.notification("alice")
    return {
        "/v2/users/{username}": ("/v2/users/alice", runners["alice"]),
        "/v2/logs/{log_id}": (f"/v2/logs/{log.log_id}", runners["alice"]),
        "/v2/comments/{comment_id}": (f"/v2/comments/{comment.comment_id}", runners["alice"]),
        "/v2/notifications/{notification_id}": (
            f"/v2/notifications/{notification.notification_id}",
            runners["alice"],
        ),
        "/v2/groups/{key}": (f"/v2/groups/{club.varsity.id}", club["coach"]),
        "/v2/groups/{key}/{group_name}": ("/v2/groups/riverdale/varsity", club["coach"]),
    }


def test_every_patch_endpoint_has_a_target_here(targets):
    assert sorted(targets) == patch_endpoints()


def send(client, path: str, headers: dict[str, str], body: Any, media=JSON_PATCH):
    """PATCH `body` (as JSON, with the patch media type) to `path`."""
    return client.simulate_patch(path, body=json.dumps(body), headers={**headers, **media})


def _refused(result, index_at_most: int | None = None) -> int:
    assert result.status_code == 400, result.text
    assert result.headers["content-type"].startswith("application/problem+json")
    (error,) = result.json["errors"]
    index = int(error["path"].removeprefix("/"))
    assert f"Operation {index}" in result.json["detail"]
    if index_at_most is not None:
        assert index <= index_at_most
    return index


@pytest.mark.parametrize("template", patch_endpoints())
def test_the_audits_copy_chain_is_a_400_on_every_patch_endpoint(client, targets, template):
    path, headers = targets[template]
    body = doubling(20)  # unbounded: 2**20 items, ~100 MB; bounded: refused near op 15
    tracemalloc.start()
    try:
        result = send(client, path, headers, body)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert _refused(result, index_at_most=20) >= 10
    assert result.json["errors"][0]["message"].startswith("the values copied and moved")
    assert peak < PEAK_BYTES


@pytest.mark.parametrize("template", patch_endpoints())
@pytest.mark.parametrize(
    ("body", "operation"),
    [
        (nesting(98), "(add)"),
        ([*nesting(30), {"op": "copy", "from": "/nest", "path": "/nest/n"}], "(copy)"),
    ],
    ids=["add-chain", "copy-into-itself"],
)
def test_deep_nesting_is_a_400_not_a_500(client, targets, template, body, operation):
    path, headers = targets[template]
    result = send(client, path, headers, body)
    assert _refused(result) == 31
    assert f"Operation 31 {operation}" in result.json["detail"]
    assert "deeper than 32 levels" in result.json["detail"]


@pytest.mark.parametrize("template", patch_endpoints())
def test_too_many_operations_is_a_400(client, targets, template):
    path, headers = targets[template]
    body = [{"op": "test", "path": "/nothing-here", "value": 1}] * (MAX_OPERATIONS + 1)
    result = send(client, path, headers, body)
    assert _refused(result) == MAX_OPERATIONS


HTTP_PATCHES = st.one_of(
    st.lists(OPERATIONS, max_size=8),
    st.integers(1, 40).map(doubling),
    st.integers(25, 120).map(lambda levels: nesting(levels)[: MAX_OPERATIONS + 2]),
)


@settings(
    max_examples=10,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(patch=HTTP_PATCHES, merge=VALUES)
def test_any_patch_to_any_endpoint_is_answered_without_a_5xx(client, targets, patch, merge):
    for path, headers in targets.values():
        tracemalloc.start()
        try:
            result = send(client, path, headers, patch)
            merged = send(client, path, headers, merge, MERGE_PATCH)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert result.status_code in PATCH_STATUSES, (path, result.text)
        assert merged.status_code in PATCH_STATUSES, (path, merged.text)
        assert peak < PEAK_BYTES


def test_the_openapi_document_states_the_operation_limit(client):
    schema = client.simulate_get("/v2/openapi.json").json["components"]["schemas"]["JsonPatch"]
    assert schema["maxItems"] == MAX_OPERATIONS
    assert str(MAX_COPIED_BYTES) in schema["description"]
