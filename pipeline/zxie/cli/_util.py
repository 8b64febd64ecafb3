"""Helpers shared by the CLI commands."""

from __future__ import annotations

import json


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
