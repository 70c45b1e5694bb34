"""Leaving the `dxsim` process without the interpreter's tear-down.

Why: once a command has finished, CPython frees every module and object one by one before the process ends.
With numba, llvmlite, polars and pydantic loaded that takes ~0.4 s (measured: `bench/RESULTS.md`, the everyday
run), a sixth of a warm `dxsim run`, and nobody reads anything in it. The work of tear-down that matters is
done first, in the interpreter's own order: other threads are let finish (or, when one is still running, the
ordinary exit is taken instead), the atexit handlers run (weakref finalizers such as a metrics spool's
temporary folder, logging, multiprocessing's children), and stdout and stderr are flushed. Only then
`os._exit` ends the process with the code `sys.exit` would have given.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading
from typing import NoReturn


def exit_code(code: str | int | None) -> int:
    """The process exit status `sys.exit(code)` gives: None -> 0, an int as is, anything else -> 1 (printed)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def others_running() -> bool:
    """Whether a thread other than this main thread that the interpreter would wait for is still alive."""
    main = threading.main_thread()
    return any(t is not main and not t.daemon and t.is_alive() for t in threading.enumerate())


def leave(code: str | int | None) -> NoReturn:
    """End the process as `sys.exit(code)` would, without freeing the interpreter's modules (see the module doc).

    Called only by the `dxsim` console entry point, never in a process that goes on (tests, the Python API).
    """
    if threading.current_thread() is not threading.main_thread() or others_running():
        sys.exit(code)  # the interpreter's own shutdown waits for them (and for executors' queues) correctly
    atexit._run_exitfuncs()
    status = exit_code(code)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed pipe: nothing more can be said on it
            stream.flush()
    os._exit(status)
