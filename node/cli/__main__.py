"""``python -m node.cli``: the ``poolnode`` command."""

import sys

from node.cli import main

sys.exit(main())
