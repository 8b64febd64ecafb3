"""doccano's own virtual environment: its dependency pins clash with zxie's, so it never shares ours.

Created on first use with the interpreter running zxie (or $ZXIE_DOCCANO_PYTHON), at
$ZXIE_DOCCANO_VENV or <state folder>/doccano-venv, and reused afterwards: a venv that has the
marker file `.zxie-ready` is complete. Installing takes about two minutes on a 2-core machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from zxie.annotate.errors import AnnotateError

DOCCANO_VERSION = "1.8.4"
# Found by trying: doccano 1.8.4 breaks with marshmallow 4 (environs) and numpy 2.
REQUIREMENTS = [f"doccano=={DOCCANO_VERSION}", "marshmallow<4", "numpy<2"]
READY = ".zxie-ready"


def venv_dir(state: Path) -> Path:
    return Path(os.environ.get("ZXIE_DOCCANO_VENV") or state / "doccano-venv").resolve()


def venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def is_ready(venv: Path) -> bool:
    marker = venv / READY
    return marker.exists() and marker.read_text().strip() == " ".join(REQUIREMENTS) and venv_python(venv).exists()


def ensure_venv(venv: Path, log=print) -> Path:
    """The python of a complete doccano venv at VENV, installing it if needed."""
    if is_ready(venv):
        return venv_python(venv)
    if venv.exists():
        shutil.rmtree(venv)  # a half-made venv from an interrupted install
    venv.parent.mkdir(parents=True, exist_ok=True)
    base = os.environ.get("ZXIE_DOCCANO_PYTHON", sys.executable)
    log(f"creating doccano's virtual environment at {venv} (once; about two minutes)")
    logfile = venv.parent / (venv.name + ".install.log")
    with open(logfile, "w", encoding="utf-8") as out:
        steps = [
            [base, "-m", "venv", str(venv)],
            [str(venv_python(venv)), "-m", "pip", "install", "--disable-pip-version-check", "-q", *REQUIREMENTS],
        ]
        for cmd in steps:
            if subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT).returncode != 0:
                raise AnnotateError(f"installing doccano failed: `{' '.join(cmd[-len(REQUIREMENTS):])}`; see {logfile}")
    (venv / READY).write_text(" ".join(REQUIREMENTS))
    return venv_python(venv)
