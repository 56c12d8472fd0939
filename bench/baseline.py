"""The benchmark's baseline: the cheapest WSGI app that answers JSON, served like the API.

uWSGI runs it with the API's own settings (`module = bench.baseline:application`) behind the
same nginx, so the ratio endpoint / baseline measures what Splits adds: Falcon, middleware,
the database and the work of the endpoint, not the server stack or the load generator.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

# A body about as large as a small API document, with the same headers the API sends.
BODY = (
    b'{"self":"/bench/baseline","api_name":"splits","links":[{"rel":"self",'
    b'"href":"/bench/baseline","method":"GET","title":"Answer a fixed JSON body"}]}'
)
HEADERS = [
    ("Content-Type", "application/json"),
    ("Content-Length", str(len(BODY))),
]


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Answer every request with the same JSON body."""
    start_response("200 OK", HEADERS)
    return [BODY]
