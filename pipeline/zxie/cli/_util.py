"""Helpers shared by the CLI commands."""

from __future__ import annotations

import json
import re

# The user:password@ of a URL (DOCCANO_URL=http://bob:secret@host, a Dask scheduler address).
_USERINFO = re.compile(r"(?<=://)[^/\s]+@")


def config_overrides(items: list[str]) -> dict:
    """`--set KEY=VALUE` options as spaCy config overrides (VALUE as JSON when it parses)."""
    overrides = {}
    for item in items:
        key, _, value = item.partition("=")
        try:
            overrides[key] = json.loads(value)
        except json.JSONDecodeError:
            overrides[key] = value
    return overrides


def redact(text: str) -> str:
    """TEXT with the user and password of every URL in it replaced by `***`."""
    return _USERINFO.sub("***@", text)
