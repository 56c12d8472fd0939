"""The WSGI entry point for uWSGI: `module = api.wsgi:application`."""

from api.app import create_app
from api.config import Config
from api.logs import configure_logging

config = Config.from_env()
configure_logging(config)
application = create_app(config)
