"""Whether a process still exists: how dxsim tells a killed writer's leftovers from a running writer's files.

Temporary files and folders carry their writer's PID in their name (`.NAME.tmp-PID`, `dxsim-spool-PID-*`);
one whose process is gone is debris of a killed run and may be removed.
"""

from __future__ import annotations

import os


def pid_alive(pid: int) -> bool:
    """True if a process with this PID exists (also when it belongs to another user)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
