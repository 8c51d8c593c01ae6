"""Starting and stopping the real app for the benchmarks (load.py, startup.py): `python app.py`
(or another command) on a free port, in its own process group."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 120


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, proc=None, log_path: Path | None = None, timeout=START_TIMEOUT_S) -> float:
    """Seconds until `url` answers HTTP 200; a clear exit if the app dies or never answers."""
    t0 = time.perf_counter()
    while True:
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"the app exited with {proc.returncode}"
                             + (f":\n{log_path.read_text()[-3000:]}" if log_path else ""))
        try:
            if urllib.request.urlopen(url, timeout=2).status == 200:
                return time.perf_counter() - t0
        except OSError:
            pass
        if time.perf_counter() - t0 > timeout:
            raise SystemExit(f"{url} did not answer HTTP 200 within {timeout} s"
                             + (f":\n{log_path.read_text()[-3000:]}" if log_path else ""))
        time.sleep(0.1)


def start_app(workdir: Path, command: list[str] | None = None, env: dict | None = None):
    """The app on a free port → (process, url, seconds to HTTP 200, log path)."""
    port = _free_port()
    log_path = workdir / "app.log"
    for d in ("gradio", "tmp"):
        (workdir / d).mkdir(parents=True, exist_ok=True)
    full_env = dict(os.environ, GRADIO_SERVER_PORT=str(port), GRADIO_SERVER_NAME="127.0.0.1",
                    GRADIO_ANALYTICS_ENABLED="False", GRADIO_TEMP_DIR=str(workdir / "gradio"),
                    TMPDIR=str(workdir / "tmp"), PYTHONUNBUFFERED="1", **(env or {}))
    with open(log_path, "wb") as log:
        # its own process group: `gradio app.py` serves from a child process that must stop too
        proc = subprocess.Popen(command or [sys.executable, "app.py"], cwd=ROOT, env=full_env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        return proc, url, wait_http(url, proc, log_path), log_path
    except BaseException:
        stop_app(proc)
        raise


def stop_app(proc) -> None:
    """SIGTERM the app's process group, SIGKILL what is left after 10 s."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            proc.poll()  # reap our own child, or it stays in the group as a zombie
            try:
                os.killpg(proc.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)


# ---- watching a running server ------------------------------------------------------------------

SAMPLE_S = 0.5


def _pid_listening_on(port: int) -> int | None:
    import psutil

    try:
        for c in psutil.net_connections(kind="tcp"):
            if c.laddr and c.laddr.port == port and c.status == psutil.CONN_LISTEN and c.pid:
                return c.pid
    except (psutil.AccessDenied, PermissionError):
        pass
    return None


class RssSampler(threading.Thread):
    """Resident memory of a process and its children (MB) every `period` s, with phase labels."""

    def __init__(self, pid: int, period: float = SAMPLE_S):
        super().__init__(daemon=True)
        import psutil

        self.proc, self.period = psutil.Process(pid), period
        self.samples: list[tuple[float, float, str]] = []   # (t since start, MB, phase)
        self.phase = "idle"
        self.t0 = time.perf_counter()
        self._halt = threading.Event()

    def rss_mb(self) -> float:
        import psutil

        total = 0
        for p in [self.proc, *self.proc.children(recursive=True)]:
            try:
                total += p.memory_info().rss
            except psutil.Error:
                pass
        return total / 2**20

    def run(self):
        while not self._halt.is_set():
            try:
                self.samples.append((time.perf_counter() - self.t0, self.rss_mb(), self.phase))
            except Exception:  # the server went away
                return
            self._halt.wait(self.period)

    def stop(self):
        self._halt.set()
        self.join(5)
