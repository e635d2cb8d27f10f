"""The server under benchmark: ``motcua serve`` (gunicorn, threaded workers) in its own process
group, so that it can be stopped — or killed, master and workers at once — as a unit."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from . import pg

BENCH_DIR = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def port_is_free(port: int) -> bool:
    """Nobody listens on it (connections of a killed server lingering in TIME_WAIT do not
    count, as for gunicorn's own socket)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class Server:
    def __init__(
        self,
        url: str,
        var_dir: Path,
        *,
        port: int = 0,
        workers: int = 2,
        threads: int | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.url, self.var_dir = url, var_dir
        # Port 0: a free one. A port already taken is refused before starting, so that the
        # readiness probe can never be answered by somebody else's server.
        self.port = port or free_port()
        self.workers, self.threads = workers, threads
        self.extra_env = env or {}
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = var_dir / f"serve-{self.port}.log"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = pg.motcua_env(
            self.url,
            self.var_dir,
            DJANGO_SETTINGS_MODULE="lib.bench_settings",
            MOTCUA_SECURE_COOKIES="0",
            **self.extra_env,
        )
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(BENCH_DIR), env.get("PYTHONPATH", "")) if p
        )
        return env

    def start(self, timeout: float = 60) -> None:
        if not port_is_free(self.port):
            raise SystemExit(f"port {self.port} is in use: choose another with --port")
        self.var_dir.mkdir(parents=True, exist_ok=True)
        command = [pg.motcua_bin(), "serve", "--port", str(self.port)]
        command += ["--workers", str(self.workers)]
        if self.threads:
            command += ["--threads", str(self.threads)]
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            command,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: master and workers
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"the server exited ({self.proc.returncode}); see {self.log_path}")
            if self.answers():
                return
            time.sleep(0.2)
        self.stop()
        raise SystemExit(f"the server did not answer within {timeout:.0f} s; see {self.log_path}")

    def answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.base}/api/v1/public/dossiers/-", timeout=2):
                return True
        except urllib.error.HTTPError:
            return True  # any HTTP answer (404 here) means a worker is serving
        except (urllib.error.URLError, OSError):
            return False

    def pids(self) -> list[int]:
        """The master and its workers (the process group)."""
        if self.proc is None:
            return []
        pgid = self.proc.pid
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    if os.getpgid(int(entry.name)) == pgid:
                        found.append(int(entry.name))
                except (ProcessLookupError, PermissionError):
                    continue
        return found

    def kill(self) -> list[int]:
        """SIGKILL the master and every worker at once (a power cut, an OOM kill)."""
        assert self.proc is not None
        pids = self.pids()
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        return pids

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
