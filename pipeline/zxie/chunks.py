"""Very long documents in pieces: chunks cut at sentence boundaries (zxie.text.sentence_spans),
and the chunks' records merged back into one record with offsets into the whole text.

Where the text has sentence boundaries, chunks tile it exactly (the whitespace between two
sentences opens the later chunk), and relations, which never cross a sentence, are never lost at
a cut. A sentence longer than a chunk (a text without sentence ends) is cut hard, with the two
chunks overlapping by OVERLAP characters: each keeps the entities that start before the middle of
the overlap, where both see at least OVERLAP / 2 characters of context on either side, so a cut
never runs through a mention (`201‖7年`, `董‖笑瑜`).
"""

from __future__ import annotations

from zxie.text import sentence_spans

OVERLAP = 200


def chunk_spans(text: str, max_chars: int) -> list[tuple[int, int]]:
    """(start, end) pieces of at most `max_chars` characters covering `text`, in order; pieces
    cut at sentence boundaries touch, pieces cut inside a sentence overlap."""
    if max_chars <= 0 or len(text) <= max_chars:
        return [(0, len(text))]
    overlap = min(OVERLAP, max_chars // 4)
    cuts, start, prev_end = [], 0, 0
    for _, b in sentence_spans(text):
        if b - start > max_chars and prev_end > start:
            cuts.append((start, prev_end))  # close the chunk after the previous sentence
            start = prev_end
        prev_end = b
        while b - start > max_chars:  # one sentence longer than a chunk: hard cuts, overlapping
            cuts.append((start, start + max_chars))
            start += max_chars - overlap
    if start < len(text):
        cuts.append((start, len(text)))
    return cuts


def _middle(left: tuple[int, int], right: tuple[int, int]) -> int:
    """Where the left chunk's entities stop and the right one's begin."""
    return (right[0] + left[1]) // 2 if right[0] < left[1] else right[0]


def merge_chunk_records(record: dict, parts: list[tuple[tuple[int, int], dict]]) -> dict:
    """Fill `record` (id, source, meta already set) with the entities and relations of the chunk
    records `parts` (((start, end), chunk record) in text order), renumbering entity ids. Of two
    overlapping chunks, an entity found by both is kept once, and one that overlaps an entity
    already kept is dropped."""
    entities, relations, kept, pairs = [], [], {}, set()
    for k, (span, part) in enumerate(parts):
        lo = _middle(parts[k - 1][0], span) if k else 0
        hi = _middle(span, parts[k + 1][0]) if k + 1 < len(parts) else span[1]
        new_id = {}
        for ent in part["entities"]:
            start, end = ent["start"] + span[0], ent["end"] + span[0]
            key = (start, end, ent["label"])
            if key in kept:  # the same mention, seen by the chunk before
                new_id[ent["id"]] = kept[key]
                continue
            if not lo <= start < hi or (entities and start < entities[-1]["end"]):
                continue
            moved = {**ent, "id": len(entities) + 1, "start": start, "end": end}
            kept[key] = new_id[ent["id"]] = moved["id"]
            entities.append(moved)
        for rel in part["relations"]:
            if rel["head"] in new_id and rel["tail"] in new_id:
                moved = {**rel, "head": new_id[rel["head"]], "tail": new_id[rel["tail"]]}
                if (moved["head"], moved["tail"], moved["type"]) not in pairs:
                    pairs.add((moved["head"], moved["tail"], moved["type"]))
                    relations.append(moved)
    record["entities"], record["relations"] = entities, relations
    return record
