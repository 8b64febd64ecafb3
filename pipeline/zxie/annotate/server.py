"""A local doccano server: `start` (install on first use, init, web + task worker, wait for
health), `stop` (exactly the recorded processes), `status`.

The web server and the task worker each run in a session of their own, so their pid is also
their process-group id: `stop` signals those two groups (the processes zxie started and the
workers they forked) and nothing else, after checking that each pid still runs our runner.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import requests

from zxie.annotate import state as st
from zxie.annotate.errors import AnnotateError
from zxie.annotate.venv import ensure_venv, venv_dir

RUNNER = Path(__file__).with_name("doccano_runner.py")
SERVER_FILE = "server.json"
DEFAULT_PORT = 8000


def _proc_state(pid: int) -> str | None:
    """The kernel's state letter of PID, or None when there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[0]


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def _alive(pid: int) -> bool:
    _reap(pid)
    state = _proc_state(pid)
    return state is not None and state not in ("Z", "X")


def _ours(pid: int) -> bool:
    """Does PID still run our runner (and not some later process that got the same pid)?"""
    try:
        return str(RUNNER) in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False


def health(url: str, timeout: float = 5) -> bool:
    try:
        return requests.get(f"{url}/v1/health/?format=json", timeout=timeout).status_code == 200
    except requests.RequestException:
        return False


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server will: TIME_WAIT is no use
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def status(root: Path | None = None) -> dict:
    """{"running", "healthy", "url", "pids"} of the server recorded in the state folder."""
    root = root or st.state_dir()
    info = st.read_json(root / SERVER_FILE)
    if not info:
        return {"running": False, "healthy": False, "url": None, "pids": {}}
    alive = {name: pid for name, pid in info["pids"].items() if _alive(pid) and _ours(pid)}
    running = len(alive) == len(info["pids"])
    return {"running": running, "healthy": running and health(info["url"]), "url": info["url"], "pids": alive,
            "logs": info.get("logs", {})}


def _doccano_env(root: Path, creds: dict) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCCANO_", "DJANGO_", "ZXIE_DOCCANO_ADMIN"))}
    env.pop("DATABASE_URL", None)
    env.update(DOCCANO_HOME=str(root / "doccano"), SECRET_KEY=creds["secret_key"], DEBUG="False",
               PYTHONUNBUFFERED="1", OMP_NUM_THREADS="1")
    return env


def start(port: int | None = None, root: Path | None = None, timeout: float = 240, log=print) -> dict:
    """Start doccano on 127.0.0.1:PORT (installing it on first use); returns status() once healthy."""
    root = root or st.state_dir()
    current = status(root)
    if current["running"]:
        return current
    if current["pids"]:
        stop(root)  # half of an earlier server is still up
    port = port or int(os.environ.get("ZXIE_DOCCANO_PORT", DEFAULT_PORT))
    if not _port_free(port):
        raise AnnotateError(f"port {port} on 127.0.0.1 is in use; choose another with --port")
    python = ensure_venv(venv_dir(root), log=log)
    url = f"http://127.0.0.1:{port}"
    creds = st.ensure_credentials(url, root)
    env = _doccano_env(root, creds)
    logs = {name: str(root / f"doccano-{name}.log") for name in ("init", "web", "task")}

    # doccano's database holds every user's API token in plain text: only we may read it
    home = root / "doccano"
    home.mkdir(mode=0o700, exist_ok=True)
    os.chmod(home, 0o700)
    log("preparing doccano's database")
    with open(logs["init"], "w", encoding="utf-8") as out:
        init_env = dict(env, ZXIE_DOCCANO_ADMIN_USER=creds["username"], ZXIE_DOCCANO_ADMIN_PASSWORD=creds["password"])
        done = subprocess.run([str(python), str(RUNNER), "init"], env=init_env, cwd=root, stdout=out,
                              stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise AnnotateError(f"doccano's database setup failed; see {logs['init']}")
    for db in home.glob("db.sqlite3*"):
        os.chmod(db, 0o600)

    pids = {}
    for name, args in (("web", ["web", str(port)]), ("task", ["task"])):
        with open(logs[name], "w", encoding="utf-8") as out:
            proc = subprocess.Popen([str(python), str(RUNNER), *args], env=env, cwd=root, stdout=out,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        pids[name] = proc.pid
    st.write_private(root / SERVER_FILE, {"url": url, "port": port, "pids": pids, "logs": logs})

    log(f"waiting for doccano at {url}")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        dead = [name for name, pid in pids.items() if not _alive(pid)]
        if dead:
            stop(root)
            raise AnnotateError(f"doccano's {dead[0]} process exited during start: {_last_line(logs[dead[0]])} "
                                f"(whole log: {logs[dead[0]]})")
        if health(url, timeout=10):
            return status(root)
        time.sleep(1)
    stop(root)
    raise AnnotateError(f"doccano did not become healthy within {timeout:.0f} s; see {logs['web']}")


def _last_line(path: str) -> str:
    """The last non-empty line of a log (where a crashing process says why)."""
    try:
        lines = [line.strip() for line in Path(path).read_text(encoding="utf-8", errors="replace").splitlines()]
    except OSError:
        return "(no log)"
    return next((line for line in reversed(lines) if line), "(empty log)")


def stop(root: Path | None = None, grace: float = 20) -> list[int]:
    """End the recorded server processes (and the workers they forked); returns the pids ended."""
    root = root or st.state_dir()
    info = st.read_json(root / SERVER_FILE)
    if not info:
        return []
    ended = []
    for pid in info["pids"].values():
        if _alive(pid) and _ours(pid):
            try:
                os.killpg(pid, signal.SIGTERM)
                ended.append(pid)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(_group_alive(pid) for pid in ended):
        time.sleep(0.2)
    for pid in ended:
        if _group_alive(pid):
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            time.sleep(0.2)
            _reap(pid)
    (root / SERVER_FILE).unlink(missing_ok=True)
    return ended


def _group_alive(pgid: int) -> bool:
    _reap(pgid)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
                return True
    return False
