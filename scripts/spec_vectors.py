"""`make vectors`: write docs/vectors/*.json and the vector blocks of docs/SPEC.md from the code.

The vectors are built by tests/spec/vectors.py with the node's own functions, fixed keys and
times; tests/spec/test_vectors.py fails when the checked-in files differ from what this writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.spec.vectors import main

if __name__ == "__main__":
    main()
