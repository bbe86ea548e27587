"""SIGTERM and Ctrl-C stop the audit and its worker processes at once, without tracebacks.

Each test starts ``vanishing-minima audit --claims E1 --workers 2`` (E1 runs its training sweep on the
process pool), waits until the pool's workers exist, signals, and checks that the parent and every
worker are gone within 5 s.  (Before: the workers kept computing for 33 s after the parent died.)
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

AUDIT = [
    sys.executable,
    "-c",
    "import sys; from vanishing_minima.checks.cli import main; sys.exit(main(sys.argv[1:]))",
    "audit",
    "--claims",
    "E1",
    "--workers",
    "2",
    "--json",
    "",
    "--docs",
    "",
]


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for path in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found |= {int(x) for x in path.read_text().split()}
        except OSError:
            pass
    return found


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for a reaper that is not us counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _start_audit_and_wait_for_workers(tmp_path: Path) -> tuple[subprocess.Popen, set[int]]:
    proc = subprocess.Popen(
        AUDIT,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal job
        # with Ctrl-C's default action, as in a terminal: a suite started in the background by a
        # non-interactive shell (`.ci/run &`) inherits SIGINT ignored, and so would the audit
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 60
    workers: set[int] = set()
    while time.monotonic() < deadline and proc.poll() is None:
        workers = _children(proc.pid)
        if len(workers) >= 2:
            break
        time.sleep(0.05)
    if len(workers) < 2:
        proc.kill()
        pytest.fail(f"the pool's workers did not start: {proc.communicate()}")
    time.sleep(0.5)  # let them get into their tasks
    return proc, workers


def _wait_until_gone(proc: subprocess.Popen, workers: set[int], seconds: float = 5.0) -> float:
    start = time.monotonic()
    try:
        proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail(f"the parent did not exit within {seconds:g} s of the signal")
    while any(_alive(w) for w in workers) and time.monotonic() - start < seconds:
        time.sleep(0.05)
    left = [w for w in workers if _alive(w)]
    if left:
        for w in left:
            os.kill(w, signal.SIGKILL)
        pytest.fail(f"workers {left} still running {seconds} s after the signal")
    return time.monotonic() - start


def test_sigterm_stops_the_parent_and_its_workers(tmp_path):
    proc, workers = _start_audit_and_wait_for_workers(tmp_path)
    os.kill(proc.pid, signal.SIGTERM)
    _wait_until_gone(proc, workers)
    err = proc.communicate()[1]
    assert proc.returncode == 143 and "Traceback" not in err
    assert err.strip().splitlines()[-1] == "vanishing-minima: terminated (SIGTERM)"


def test_ctrl_c_exits_130_without_tracebacks_from_parent_or_workers(tmp_path):
    proc, workers = _start_audit_and_wait_for_workers(tmp_path)
    os.killpg(proc.pid, signal.SIGINT)  # what the terminal does: the whole process group
    _wait_until_gone(proc, workers)
    err = proc.communicate()[1]
    assert proc.returncode == 130 and "Traceback" not in err and "KeyboardInterrupt" not in err
    assert err.strip().splitlines()[-1] == "vanishing-minima: interrupted"


def test_workers_die_with_a_parent_killed_outright(tmp_path):
    """SIGKILL leaves no chance to clean up: the workers' PR_SET_PDEATHSIG takes them down."""
    proc, workers = _start_audit_and_wait_for_workers(tmp_path)
    os.kill(proc.pid, signal.SIGKILL)
    _wait_until_gone(proc, workers)
    proc.communicate()
