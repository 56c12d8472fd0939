"""The uWSGI entry point tunes the interpreter: the GIL switch interval (docs/performance.md)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from api.config import Config, ConfigError

ROOT = Path(__file__).resolve().parents[2]
KEY = "splits-test-secret-key-0123456789abcdef"


def test_the_switch_interval_defaults_to_half_a_millisecond():
    assert Config.from_env({"SECRET_KEY": KEY}).gil_switch_interval_ms == 0.5
    assert (
        Config.from_env({"SECRET_KEY": KEY, "GIL_SWITCH_INTERVAL_MS": "2"}).gil_switch_interval_ms
        == 2.0
    )


@pytest.mark.parametrize("value", ["0", "0.01", "101", "nan", "inf", "fast"])
def test_a_switch_interval_out_of_range_is_refused(value):
    with pytest.raises(ConfigError):
        Config.from_env({"SECRET_KEY": KEY, "GIL_SWITCH_INTERVAL_MS": value})


def test_each_worker_sets_the_switch_interval_when_it_loads_the_app(tmp_path):
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SECRET_KEY": KEY,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'entry.db'}",
        "GIL_SWITCH_INTERVAL_MS": "0.25",
    }
    done = subprocess.run(
        [sys.executable, "-c", "import sys, api.wsgi; print(sys.getswitchinterval())"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert float(done.stdout.strip().splitlines()[-1]) == pytest.approx(0.00025)
