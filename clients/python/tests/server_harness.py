"""A real Threadline server for the tests, started once per test run.

Spawns ``tsx clients/python/tests/start-server.ts`` (the HTTP API, a session worker and a
summarizer on the run's Redis, or on a redis-server of its own), reads the JSON line it prints
(``url``, ``apiKey``, ``otherApiKey``) and stops it at exit by closing its stdin.

THREADLINE_URL and THREADLINE_API_KEY in the environment point the tests at a running server
instead (then the other-tenant test is skipped unless THREADLINE_OTHER_API_KEY is set).
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Dict, Optional

HERE = Path(__file__).resolve().parent
PACKAGE_ROOT = HERE.parent
REPO_ROOT = PACKAGE_ROOT.parent.parent
if str(PACKAGE_ROOT) not in sys.path:
    sys.path.insert(0, str(PACKAGE_ROOT))

STARTUP_TIMEOUT_S = float(os.environ.get("THREADLINE_TEST_STARTUP_TIMEOUT", "120"))

_lock = threading.Lock()
_server: Optional[Dict[str, str]] = None
_process: Optional[subprocess.Popen] = None


def _tsx_command() -> list:
    local = REPO_ROOT / "node_modules" / ".bin" / "tsx"
    if local.exists():
        return [str(local)]
    npx = shutil.which("npx")
    if not npx:
        raise RuntimeError("neither node_modules/.bin/tsx nor npx found: run `npm ci` at the repo root")
    return [npx, "tsx"]


def start_server(env: Optional[Dict[str, str]] = None) -> "tuple[Dict[str, str], subprocess.Popen]":
    """Start another test server (with extra environment, e.g. a low rate limit); stop it with
    ``stop_server(process)``."""
    command = _tsx_command() + [str(HERE / "start-server.ts")]
    process = subprocess.Popen(
        command,
        cwd=str(REPO_ROOT),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=None,  # the server's warnings and errors go to the test's stderr
        text=True,
        env={**os.environ, **(env or {})},
    )
    atexit.register(stop_server, process)
    line: list = []
    reader = threading.Thread(target=lambda: line.append(process.stdout.readline()), daemon=True)
    reader.start()
    reader.join(STARTUP_TIMEOUT_S)
    if not line or not line[0].strip():
        code = process.poll()
        stop_server(process)
        raise RuntimeError(
            f"the test server did not start within {STARTUP_TIMEOUT_S:.0f}s "
            f"(exit code {code}); command: {' '.join(command)}"
        )
    return json.loads(line[0]), process


def stop_server(process: subprocess.Popen) -> None:
    """Stop a server of ``start_server``: close its stdin, then wait (terminate if it hangs)."""
    if process.poll() is not None:
        return
    try:
        if process.stdin:
            process.stdin.close()
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def server() -> Dict[str, str]:
    """``{"url", "apiKey", "otherApiKey"}`` of the test server, starting it on first call."""
    global _server, _process
    with _lock:
        if _server is not None:
            return _server
        if os.environ.get("THREADLINE_URL") and os.environ.get("THREADLINE_API_KEY"):
            _server = {
                "url": os.environ["THREADLINE_URL"],
                "apiKey": os.environ["THREADLINE_API_KEY"],
                "otherApiKey": os.environ.get("THREADLINE_OTHER_API_KEY", ""),
            }
            return _server
        _server, _process = start_server()
        return _server
