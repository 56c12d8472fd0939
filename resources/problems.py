"""Problem types: what each `type` URI of a problem document means, one page per type.

Every problem+json answer's `type` is `/problems/<name>` (api/errors.py); following it gives
the status, the title and what a client should do. The pages are static and public.
"""

from __future__ import annotations

from typing import Any

import falcon

from api.errors import PROBLEM_TYPES, PROBLEMS_BY_NAME, PROBLEMS_PREFIX, ProblemType
from api.media import dumps
from api.registry import Auth, Endpoint
from dao.errors import NotFound
from resources.base import Resource
from resources.schemas import send_bytes


def problem_type_view(problem_type: ProblemType) -> dict[str, Any]:
    """Return the fields that describe one problem type."""
    return {
        "name": problem_type.name,
        "type": problem_type.uri,
        "status": problem_type.status,
        "title": problem_type.title,
        "description": problem_type.description,
        "source": problem_type.source,
    }


class Problems(Resource):
    """Serve the list of problem types and a page for each."""

    def on_get_collection(self, req: falcon.Request, resp: falcon.Response) -> None:
        """List every problem type the API (or its proxy) sends."""
        resp.media = {
            "self": self.linker.href("api.problems"),
            "problems": [
                {
                    **problem_type_view(problem_type),
                    "self": self.linker.href("api.problem", problem=problem_type.name),
                }
                for problem_type in PROBLEM_TYPES
            ],
            "links": [
                *(
                    link
                    for problem_type in PROBLEM_TYPES
                    for link in self.links(req, "api.problem", problem=problem_type.name)
                ),
                *self.links(req, "api.root"),
            ],
        }

    def on_get(self, req: falcon.Request, resp: falcon.Response, problem: str) -> None:
        """Describe the problem type `problem`: its status, title and what to do about it."""
        problem_type = PROBLEMS_BY_NAME.get(problem)
        if problem_type is None:
            raise NotFound(f"There is no problem type '{problem}'; {PROBLEMS_PREFIX} lists them.")
        body = {
            "self": self.linker.href("api.problem", problem=problem_type.name),
            **problem_type_view(problem_type),
            "links": self.links(req, "api.problems", "api.root"),
        }
        # Static per deployment: a content-hash ETag, so a client can cache the page.
        send_bytes(req, resp, dumps(body), falcon.MEDIA_JSON)


ENDPOINTS = (
    Endpoint(
        name="api.problems",
        method="GET",
        template=PROBLEMS_PREFIX,
        resource=Problems,
        suffix="collection",
        auth=Auth.NONE,
        rel="problems",
        title="List the problem types that error documents name in `type`",
        collection="api",
        returns="problem-type-index",
    ),
    Endpoint(
        name="api.problem",
        method="GET",
        template=PROBLEMS_PREFIX + "/{problem}",
        resource=Problems,
        suffix=None,
        auth=Auth.NONE,
        rel="describedby",
        title="Read what a problem type means and what to do about it",
        collection="api",
        returns="problem-type",
    ),
)
