"""Very long documents in pieces: chunks cut at sentence boundaries (zxie.text.sentence_spans),
and the chunks' records merged back into one record with offsets into the whole text.

Chunks tile the text exactly (the whitespace between two sentences opens the later chunk),
so a chunk starting at offset `a` shifts its entities by `a`. Relations never cross a sentence, so
none is lost at a cut. A single sentence longer than the limit is cut hard at the limit.
"""

from __future__ import annotations

from zxie.text import sentence_spans


def chunk_spans(text: str, max_chars: int) -> list[tuple[int, int]]:
    """(start, end) pieces of at most `max_chars` characters covering `text` exactly."""
    if max_chars <= 0 or len(text) <= max_chars:
        return [(0, len(text))]
    cuts, start, prev_end = [], 0, 0
    for _, b in sentence_spans(text):
        if b - start > max_chars and prev_end > start:
            cuts.append((start, prev_end))  # close the chunk after the previous sentence
            start = prev_end
        prev_end = b
        while b - start > max_chars:  # one sentence longer than a chunk
            cuts.append((start, start + max_chars))
            start += max_chars
    if start < len(text):
        cuts.append((start, len(text)))
    return cuts


def merge_chunk_records(record: dict, parts: list[tuple[int, dict]]) -> dict:
    """Fill `record` (id, source, meta already set) with the entities and relations of the chunk
    records `parts` ((offset, chunk record) in text order), renumbering entity ids."""
    entities, relations = [], []
    for offset, part in parts:
        new_id = {}
        for ent in part["entities"]:
            moved = {**ent, "id": len(entities) + 1, "start": ent["start"] + offset, "end": ent["end"] + offset}
            new_id[ent["id"]] = moved["id"]
            entities.append(moved)
        for rel in part["relations"]:
            relations.append({**rel, "head": new_id[rel["head"]], "tail": new_id[rel["tail"]]})
    record["entities"], record["relations"] = entities, relations
    return record
