"""doccano examples ↔ interchange records (GUIDELINES §7).

Offsets are code points into the text exactly as given on both sides (doccano's projects are
created with grapheme mode off). doccano strips whitespace around a text on upload: zxie keeps
what was stripped in the example's meta (`zxie_edges`) and shifts offsets by the leading part,
so a pulled record has the original text and offsets into it.

A pushed example's meta holds what zxie needs to find and merge it again:
`zxie_id` (the document id), `zxie_meta` (the record's own meta, e.g. its split sections) and
`zxie_pushed` (the entities and relations it was pushed with: the base of a three-way merge).
"""

from __future__ import annotations

from zxie.norms import NormError, parse_metric

ID_KEY, META_KEY, PUSHED_KEY, EDGES_KEY = "zxie_id", "zxie_meta", "zxie_pushed", "zxie_edges"


def split_edges(text: str) -> tuple[str, str, str]:
    """(leading whitespace, what doccano stores, trailing whitespace): doccano strips a text's
    surrounding whitespace on upload, so zxie keeps it in meta and shifts offsets by the lead."""
    core = text.strip()
    lead = text[: len(text) - len(text.lstrip())]
    return lead, core, text[len(lead) + len(core):]


def norm_for(label: str, surface: str, start: int, end: int, pushed: list[dict]) -> dict | None:
    """A METRIC's norm: the one it was pushed with if the span is unchanged, else parsed from the surface."""
    if label != "METRIC":
        return None
    for ent in pushed:
        if (ent["start_offset"], ent["end_offset"], ent["label"]) == (start, end, label) and ent.get("norm"):
            return ent["norm"]
    try:
        return parse_metric(surface)
    except NormError:
        return None


def to_record(example: dict, spans: list[dict], relations: list[dict], span_names: dict[int, str],
              relation_names: dict[int, str]) -> dict:
    """The interchange record of a doccano example with its spans and relations."""
    meta = example.get("meta") or {}
    edges = meta.get(EDGES_KEY) or ["", ""]
    text, shift = edges[0] + example["text"] + edges[1], len(edges[0])
    pushed = (meta.get(PUSHED_KEY) or {}).get("entities", [])
    entities, index = [], {}
    for span in sorted(spans, key=lambda s: (s["start_offset"], s["end_offset"], s["id"])):
        label, start, end = span_names[span["label"]], span["start_offset"] + shift, span["end_offset"] + shift
        ent = {"id": len(entities) + 1, "label": label, "start_offset": start, "end_offset": end}
        norm = norm_for(label, text[start:end], start, end, pushed)
        if norm is not None:
            ent["norm"] = norm
        entities.append(ent)
        index[span["id"]] = ent["id"]
    rels = sorted((index[r["from_id"]], index[r["to_id"]], relation_names[r["type"]]) for r in relations
                  if r["from_id"] in index and r["to_id"] in index)
    return {
        "id": str(meta.get(ID_KEY, example["id"])),
        "text": text,
        "entities": entities,
        "relations": [{"id": n, "from_id": h, "to_id": t, "type": ty} for n, (h, t, ty) in enumerate(rels, 1)],
        "meta": dict(meta.get(META_KEY) or {}),
    }


def annotations_of(record: dict) -> dict:
    """The part of a record a merge compares: spans and relations by offsets, not ids."""
    by_id = {e["id"]: (e["start_offset"], e["end_offset"], e["label"]) for e in record.get("entities", [])}
    return {
        "entities": sorted(by_id.values()),
        "relations": sorted((by_id.get(r["from_id"]), by_id.get(r["to_id"]), r["type"])
                            for r in record.get("relations", []) if r["from_id"] in by_id and r["to_id"] in by_id),
    }
