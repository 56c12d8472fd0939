"""PATCH bodies: JSON Merge Patch (RFC 7396) and JSON Patch (RFC 6902, via jsonpatch)."""

from __future__ import annotations

import copy
from typing import Any

import falcon
import jsonpatch

from dao.errors import InvalidInput

MERGE_PATCH = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
ACCEPT_PATCH = f"{MERGE_PATCH}, {JSON_PATCH}"


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


def apply_patch(req: falcon.Request, document: dict[str, Any]) -> dict[str, Any]:
    """Return `document` patched with the request body, by the body's content type.

    The caller validates the result with the same schema as PUT.
    """
    media_type = (req.content_type or "").split(";")[0].strip().lower()
    body = req.get_media()
    if media_type == MERGE_PATCH:
        if not isinstance(body, dict):
            raise InvalidInput("A merge patch must be a JSON object.")
        patched = merge_patch(document, body)
    elif media_type == JSON_PATCH:
        try:
            patched = jsonpatch.JsonPatch(body).apply(document)
        except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException, TypeError) as ex:
            raise InvalidInput(f"The JSON Patch cannot be applied: {ex}.") from ex
    else:
        raise falcon.HTTPUnsupportedMediaType(
            description=f"PATCH accepts {MERGE_PATCH} or {JSON_PATCH}.",
            headers={"Accept-Patch": ACCEPT_PATCH},
        )
    if not isinstance(patched, dict):
        raise InvalidInput("The patched document must stay a JSON object.")
    return patched
