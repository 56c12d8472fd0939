"""Splits: a hypermedia REST API for running teams' training logs.

`create_app` and `Config` are imported lazily so that importing a submodule (for example
`api.config` from Alembic's env.py) never builds the whole application.
"""

from typing import Any

__all__ = ["Config", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from api.app import create_app

        return create_app
    if name == "Config":
        from api.config import Config

        return Config
    raise AttributeError(name)
