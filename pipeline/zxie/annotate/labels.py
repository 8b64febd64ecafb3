"""doccano label types from the schema (zxie.schema): distinct colours, shortcut keys, and the
check that a project's label set is the schema's.
"""

from __future__ import annotations

import colorsys
import string

from zxie.annotate.client import Doccano
from zxie.annotate.errors import LabelMismatch
from zxie.schema import load_schema


def palette(n: int, offset: float = 0.0) -> list[tuple[str, str]]:
    """N (background, text) colour pairs with evenly spaced hues, alternating two brightnesses."""
    out = []
    for i in range(n):
        r, g, b = colorsys.hsv_to_rgb((offset + i / n) % 1.0, 0.65, 0.92 if i % 2 else 0.72)
        background = "#{:02x}{:02x}{:02x}".format(round(r * 255), round(g * 255), round(b * 255))
        luminance = 0.299 * r + 0.587 * g + 0.114 * b
        out.append((background, "#000000" if luminance > 0.6 else "#ffffff"))
    return out


def shortcut_keys(names: tuple[str, ...]) -> list[str]:
    """One distinct key per name: its first unused letter, else an unused digit."""
    used: set[str] = set()
    keys = []
    for name in names:
        candidates = [c for c in name.lower() if c in string.ascii_lowercase] + list(string.digits)
        key = next(c for c in candidates if c not in used)
        used.add(key)
        keys.append(key)
    return keys


def span_type_specs() -> list[dict]:
    names = load_schema().entity_labels
    return [{"text": name, "prefix_key": None, "suffix_key": key, "background_color": bg, "text_color": fg}
            for name, key, (bg, fg) in zip(names, shortcut_keys(names), palette(len(names)))]


def relation_type_specs() -> list[dict]:
    names = load_schema().relation_types
    return [{"text": name, "prefix_key": "shift", "suffix_key": str(i + 1), "background_color": bg, "text_color": fg}
            for i, (name, (bg, fg)) in enumerate(zip(names, palette(len(names), offset=0.5 / len(names))))]


def _check(kind: str, project: str, have: set[str], want: set[str]) -> None:
    if have != want:
        parts = []
        if want - have:
            parts.append(f"missing {sorted(want - have)}")
        if have - want:
            parts.append(f"not in the schema {sorted(have - want)}")
        raise LabelMismatch(f"doccano project {project!r}: {kind} do not match the schema: {'; '.join(parts)}")


def project_labels(client: Doccano, project: dict, create: bool = False) -> tuple[dict[str, int], dict[str, int]]:
    """({span label: id}, {relation type: id}) of PROJECT; creates the schema's types when the
    project has none yet and CREATE is set; raises LabelMismatch when they differ from the schema."""
    pid, schema = project["id"], load_schema()
    spans, rels = client.span_types(pid), client.relation_types(pid)
    if create and not spans:
        spans = [client.create_span_type(pid, spec) for spec in span_type_specs()]
    if create and not rels:
        rels = [client.create_relation_type(pid, spec) for spec in relation_type_specs()]
    _check("span types", project["name"], {s["text"] for s in spans}, set(schema.entity_labels))
    _check("relation types", project["name"], {r["text"] for r in rels}, set(schema.relation_types))
    return {s["text"]: s["id"] for s in spans}, {r["text"]: r["id"] for r in rels}
