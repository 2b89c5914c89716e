"""``python -m foundry_bench`` is the ``foundry-bench`` command."""

import sys

from foundry_bench.cli import main

sys.exit(main())
