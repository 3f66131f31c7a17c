"""`make demo` end to end: three real nodes, a flood formed, a pool and a flood decide."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_makefile_runs_the_demo_script() -> None:
    makefile = (ROOT / "Makefile").read_text("utf-8")
    assert "\ndemo: " in makefile and "scripts/demo.py" in makefile


@pytest.mark.multinode
def test_demo_runs_every_step_and_cleans_up() -> None:
    base = random.randrange(20000, 40000, 10)
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "demo.py"), "--no-wait", "--base-port", str(base),
         "--vote-seconds", "5"],
        capture_output=True, text=True, timeout=280, cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    out = done.stdout
    assert "flood formed" in out
    assert out.count("result: passed") == 2
    assert "Stopped the three nodes" in out
