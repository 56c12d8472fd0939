"""PATCH bodies: JSON Merge Patch (RFC 7396) and JSON Patch (RFC 6902, via jsonpatch).

A JSON Patch is small but its `copy` operations are not: each one can double the document, so
twenty of them in a kilobyte would take gigabytes and minutes to apply. The operations are
therefore applied one at a time, and each is refused *before* it runs if it would take the
document past what a PUT of the same resource could send (`PatchLimits`): more than
`MAX_OPERATIONS` operations, a document larger than the body limit (1 MiB) or nested deeper
than the JSON depth limit (32, `api.media.MAX_DEPTH`), or more than `MAX_COPIED_BYTES` of
values copied or moved in all (the work a patch can cause beyond its own size). The refusal
is a 400 naming the operation (`errors[].path` is its JSON pointer in the patch, `/<index>`).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import falcon
import jsonpatch
import jsonpointer

from api.media import MAX_DEPTH, dumps
from dao.errors import InvalidInput

MERGE_PATCH = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
ACCEPT_PATCH = f"{MERGE_PATCH}, {JSON_PATCH}"
#: The most operations one JSON Patch may hold (every editable representation has fewer
#: than twenty members, so a hundred is plenty).
MAX_OPERATIONS = 100
#: The bound of the patched document when the app's body limit cannot be read (1 MiB).
DEFAULT_MAX_BYTES = 1024 * 1024
#: The most bytes (serialized) that the `copy` and `move` operations of one patch may carry in
#: all; the largest editable representation is a few KiB.
MAX_COPIED_BYTES = 64 * 1024
_GROWING = frozenset({"add", "replace", "copy", "move"})


@dataclass(frozen=True, slots=True)
class PatchLimits:
    """What applying one patch may build: the bounds of a PUT body of the same resource.

    `max_bytes` bounds the serialized document after every operation, `max_copied` the total
    size of the values that `copy` and `move` operations carry, and `max_depth` the nesting,
    counted as `api.media` counts it.
    """

    max_bytes: int = DEFAULT_MAX_BYTES
    max_copied: int = MAX_COPIED_BYTES
    max_depth: int = MAX_DEPTH
    max_operations: int = MAX_OPERATIONS


def limits_for(req: falcon.Request) -> PatchLimits:
    """Return the limits of this app: its body limit (from the JSON handler) and depth limit."""
    try:
        handler = req.options.media_handlers[JSON_PATCH]
    except KeyError:
        handler = None
    return PatchLimits(max_bytes=getattr(handler, "max_body_bytes", DEFAULT_MAX_BYTES))


def merge_patch(target: Any, patch: Any) -> Any:
    """Apply an RFC 7396 merge patch to `target` and return the result (`target` is untouched)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for name, value in patch.items():
        if value is None:
            result.pop(name, None)
        else:
            result[name] = merge_patch(result.get(name), value)
    return result


def json_depth(value: Any) -> int:
    """Return the nesting depth of a JSON value: 1 for a scalar, `[]` or `{}`, `[[1]]` is 3."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(node, dict):
            stack.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node)
    return deepest


def _refuse(index: int, operation: Any, detail: str) -> InvalidInput:
    name = operation.get("op") if isinstance(operation, dict) else None
    label = f"Operation {index}" + (f" ({name})" if isinstance(name, str) else "")
    return InvalidInput(f"{label}: {detail}", errors=[{"path": f"/{index}", "message": detail}])


def _operations(body: Any, limits: PatchLimits) -> list[jsonpatch.PatchOperation]:
    """Check the patch's shape and count, and return its operations (nothing is applied)."""
    if not isinstance(body, list):
        raise InvalidInput(
            "A JSON Patch must be an array of operations.",
            errors=[{"path": "", "message": "not an array"}],
        )
    if len(body) > limits.max_operations:
        raise _refuse(
            limits.max_operations,
            body[limits.max_operations],
            f"a JSON Patch may hold at most {limits.max_operations} operations.",
        )
    operations = []
    for index, operation in enumerate(body):
        if not isinstance(operation, dict) or not isinstance(operation.get("op"), str):
            raise _refuse(index, operation, "an operation must be an object with a string 'op'.")
        kind = jsonpatch.JsonPatch.operations.get(operation["op"])
        if kind is None:
            raise _refuse(index, operation, f"unknown operation {operation['op']!r}.")
        try:
            operations.append(kind(operation))
        except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException, TypeError) as ex:
            raise _refuse(index, operation, f"{ex}.") from ex
    return operations


class _Applier:
    """Apply operations one by one, refusing each that would break the limits before it runs."""

    def __init__(self, document: Any, limits: PatchLimits) -> None:
        self.document = copy.deepcopy(document)
        self.limits = limits
        # An upper bound of len(dumps(document)), made exact again when it nears the limit.
        self.size = len(dumps(self.document))
        self.moved = 0

    def apply(self, index: int, operation: jsonpatch.PatchOperation) -> None:
        """Check then apply one operation, or raise InvalidInput naming it."""
        raw = operation.operation
        if raw["op"] in _GROWING:
            self._check(index, operation)
        try:
            self.document = operation.apply(self.document)
        except (
            jsonpatch.JsonPatchException,
            jsonpointer.JsonPointerException,
            TypeError,
            ValueError,
        ) as ex:
            raise _refuse(index, raw, f"cannot be applied: {ex}.") from ex

    def _incoming(self, operation: jsonpatch.PatchOperation) -> tuple[bool, Any]:
        """Return (found, value) of what the operation puts at its path."""
        raw = operation.operation
        if raw["op"] in ("add", "replace"):
            return ("value" in raw), raw.get("value")
        source = raw.get("from")
        if not isinstance(source, str):
            return False, None
        try:
            value = jsonpointer.JsonPointer(source).resolve(self.document)
        except (jsonpointer.JsonPointerException, TypeError):
            return False, None  # the operation itself reports the bad `from`
        return not isinstance(value, jsonpointer.EndOfList), value

    def _check(self, index: int, operation: jsonpatch.PatchOperation) -> None:
        raw = operation.operation
        found, value = self._incoming(operation)
        if not found:
            return
        limits = self.limits
        value_size = len(dumps(value))
        if raw["op"] in ("copy", "move"):
            self.moved += value_size
            if self.moved > limits.max_copied:
                raise _refuse(
                    index,
                    raw,
                    f"the values copied and moved by one patch may total at most "
                    f"{limits.max_copied} bytes.",
                )
        parts = operation.pointer.parts
        if len(parts) + json_depth(value) > limits.max_depth:
            raise _refuse(
                index, raw, f"the document would be nested deeper than {limits.max_depth} levels."
            )
        if raw["op"] == "move":
            return  # a move keeps the size (give or take a key, which the body paid for)
        if not parts:
            self.size = value_size  # the value becomes the whole document
            return
        # The value plus a separator and, in an object, its quoted key and colon.
        growth = value_size + len(dumps(parts[-1])) + 2
        if self.size + growth > limits.max_bytes:
            self.size = len(dumps(self.document))
            if self.size + growth > limits.max_bytes:
                raise _refuse(
                    index,
                    raw,
                    f"the document would grow beyond {limits.max_bytes} bytes.",
                )
        self.size += growth


def apply_json_patch(document: Any, body: Any, limits: PatchLimits | None = None) -> Any:
    """Return `document` patched with the JSON Patch `body` within `limits` (`document` is kept).

    Raise InvalidInput naming the first operation that is malformed, cannot be applied, or
    would take the document past the limits; nothing of the patch is then kept.
    """
    limits = limits or PatchLimits()
    operations = _operations(body, limits)
    applier = _Applier(document, limits)
    for index, operation in enumerate(operations):
        applier.apply(index, operation)
    return applier.document


def apply_patch(req: falcon.Request, document: dict[str, Any]) -> dict[str, Any]:
    """Return `document` patched with the request body, by the body's content type.

    The caller validates the result with the same schema as PUT.
    """
    media_type = (req.content_type or "").split(";")[0].strip().lower()
    limits = limits_for(req)
    if media_type == MERGE_PATCH:
        body = req.get_media()
        if not isinstance(body, dict):
            raise InvalidInput("A merge patch must be a JSON object.")
        # A merge patch cannot outgrow the document plus the body, nor nest deeper than the
        # body (already bounded by the media handler); the result is measured all the same.
        patched = merge_patch(document, body)
        if len(dumps(patched)) > limits.max_bytes:
            raise InvalidInput(
                f"The patched document would be larger than {limits.max_bytes} bytes."
            )
    elif media_type == JSON_PATCH:
        patched = apply_json_patch(document, req.get_media(), limits)
    else:
        raise falcon.HTTPUnsupportedMediaType(
            description=f"PATCH accepts {MERGE_PATCH} or {JSON_PATCH}.",
            headers={"Accept-Patch": ACCEPT_PATCH},
        )
    if not isinstance(patched, dict):
        raise InvalidInput("The patched document must stay a JSON object.")
    return patched
