"""`python -m tanggap_runner up`."""

import sys

# First, before the slower imports: from here on Ctrl-C is a stop request, even when the runner inherited
# SIGINT ignored (a background job of a non-interactive shell).
from tanggap_runner.signals import StopRequest

stop = StopRequest()
stop.install()

from tanggap_runner.cli import main  # noqa: E402 - after the signal handlers on purpose

sys.exit(main(stop=stop))
