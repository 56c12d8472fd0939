"""The WSGI entry point for uWSGI: `module = api.wsgi:application`."""

import atexit

from api import metrics
from api.app import create_app
from api.config import Config
from api.logs import configure_logging

config = Config.from_env()
configure_logging(config)
application = create_app(config)
# A worker that exits (recycled, reloaded) takes its in-flight gauge out of the sums.
atexit.register(metrics.mark_process_dead)
