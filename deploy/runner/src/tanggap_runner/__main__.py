"""`python -m tanggap_runner up`."""

import sys

from tanggap_runner.cli import main

sys.exit(main())
