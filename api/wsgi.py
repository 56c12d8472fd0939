"""The WSGI entry point for uWSGI: `module = api.wsgi:application`."""

import atexit
import sys

from api import metrics
from api.app import create_app
from api.config import Config
from api.logs import configure_logging

config = Config.from_env()
configure_logging(config)
# Threads of a worker share one GIL: shorten how long a busy thread keeps it from one that a
# MariaDB answer just woke (docs/performance.md, "The tail").
sys.setswitchinterval(config.gil_switch_interval_ms / 1000)
application = create_app(config)
# A worker that exits (recycled, reloaded) takes its in-flight gauge out of the sums.
atexit.register(metrics.mark_process_dead)
