"""Plain-text rendering of a document, sentence by sentence, with its marks inline.

Used to read annotations against the guidelines: `[刘浩]PERSON`, relations listed under their
sentence. Line breaks inside a sentence show as ⏎ so each sentence stays on one line.
"""

from __future__ import annotations

from collections.abc import Iterator

from zxie.text import sentence_spans


def _show(text: str) -> str:
    return text.replace("\r", "").replace("\n", "⏎")


def render(text: str, entities: list[dict] = (), relations: list[dict] = ()) -> Iterator[str]:
    ents = sorted(entities, key=lambda e: e["start_offset"])
    by_id = {e["id"]: e for e in ents}
    surface = {e["id"]: _show(text[e["start_offset"] : e["end_offset"]]) for e in ents}
    for n, (a, b) in enumerate(sentence_spans(text)):
        parts, pos = [], a
        inside = [e for e in ents if a <= e["start_offset"] < b]
        for e in inside:
            s, t = e["start_offset"], e["end_offset"]
            parts += [_show(text[pos:s]), f"[{surface[e['id']]}]{e['label']}"]
            pos = t
        parts.append(_show(text[pos:b]))
        yield f"@{a} s{n}: " + "".join(parts)
        ids = {e["id"] for e in inside}
        for r in relations:
            if r["from_id"] in ids:
                h, t = by_id[r["from_id"]], by_id[r["to_id"]]
                yield f"    {surface[h['id']]} -{r['type']}-> {surface[t['id']]}"
