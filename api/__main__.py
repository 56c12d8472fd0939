"""Run the command line: `python -m api --help`."""

import sys

from api.cli import main

sys.exit(main())
