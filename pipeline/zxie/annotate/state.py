"""Where the annotation loop keeps its state, and the credentials file (mode 0600).

The state folder is $ZXIE_STATE_DIR, or `.zxie/` in the working directory. It holds
`doccano/` (doccano's database and media), `server.json` (pids, port, log files of a running
server), `credentials.json` (url, username, generated password; mode 0600) and, unless
$ZXIE_DOCCANO_VENV says otherwise, `doccano-venv/` (doccano's own virtual environment).
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

CREDENTIALS = "credentials.json"


def state_dir() -> Path:
    path = Path(os.environ.get("ZXIE_STATE_DIR", ".zxie")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_private(path: Path, data: dict) -> None:
    """Write JSON to a file created with mode 0600 (never readable by others, not even briefly)."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def stored_credentials(root: Path | None = None) -> dict | None:
    return read_json((root or state_dir()) / CREDENTIALS)


def ensure_credentials(url: str, root: Path | None = None) -> dict:
    """The stored admin credentials, generating a password (and Django secret key) the first time."""
    path = (root or state_dir()) / CREDENTIALS
    creds = read_json(path) or {}
    if not creds.get("password"):
        creds = {"username": "admin", "password": secrets.token_urlsafe(18), "secret_key": secrets.token_urlsafe(40)}
    creds["url"] = url
    write_private(path, creds)
    return creds


def credentials() -> tuple[str, str, str]:
    """(url, username, password): DOCCANO_URL / DOCCANO_USERNAME / DOCCANO_PASSWORD, else the 0600 file."""
    stored = stored_credentials() or {}
    url = os.environ.get("DOCCANO_URL") or stored.get("url")
    user = os.environ.get("DOCCANO_USERNAME") or stored.get("username")
    password = os.environ.get("DOCCANO_PASSWORD") or stored.get("password")
    if not (url and user and password):
        from zxie.annotate.errors import AuthFailed

        raise AuthFailed(
            "no doccano credentials: set DOCCANO_URL, DOCCANO_USERNAME, DOCCANO_PASSWORD "
            "or start a local server with `zxie annotate server start`"
        )
    return url.rstrip("/"), user, password
