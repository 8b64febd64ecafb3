"""Records as Parquet with a stable Arrow schema (pyarrow; loads with `datasets.Dataset.from_parquet`).

Columns: schema_version, id, source, entities (list of struct), relations (list of struct),
model, chars, and meta (the record's whole `meta` as a JSON string, since input documents carry
arbitrary fields). `record_to_row` / `row_to_record` convert both ways; `read_parquet_records`
gives back the very records the JSONL output would hold.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

NORM = pa.struct([("value", pa.float64()), ("unit", pa.string()), ("qualifier", pa.string()), ("iso", pa.string())])
ENTITY = pa.struct([("id", pa.int32()), ("text", pa.string()), ("label", pa.string()), ("start", pa.int64()),
                    ("end", pa.int64()), ("score", pa.float64()), ("norm", NORM)])
RELATION = pa.struct([("head", pa.int32()), ("tail", pa.int32()), ("type", pa.string()), ("score", pa.float64())])
SCHEMA = pa.schema(
    [("schema_version", pa.int32()), ("id", pa.string()), ("source", pa.string()), ("entities", pa.list_(ENTITY)),
     ("relations", pa.list_(RELATION)), ("model", pa.string()), ("chars", pa.int64()), ("meta", pa.string())],
    metadata={"zxie.record_schema_version": "1"},
)
ROW_GROUP = 1000


def record_to_row(rec: dict) -> dict:
    entities = []
    for e in rec["entities"]:
        norm = e.get("norm")
        entities.append({"id": e["id"], "text": e["text"], "label": e["label"], "start": e["start"], "end": e["end"],
                         "score": e.get("score"), "norm": {k: norm.get(k) for k in NORM.names} if norm else None})
    return {"schema_version": rec["schema_version"], "id": rec["id"], "source": rec["source"], "entities": entities,
            "relations": [{k: r.get(k) for k in RELATION.names} for r in rec["relations"]],
            "model": rec["meta"].get("model"), "chars": rec["meta"].get("chars"),
            "meta": json.dumps(rec["meta"], ensure_ascii=False)}


def _number(v: float) -> int | float:
    return int(v) if float(v).is_integer() else v


def row_to_record(row: dict) -> dict:
    entities = []
    for e in row["entities"]:
        ent = {k: e[k] for k in ("id", "text", "label", "start", "end")}
        if e["score"] is not None:
            ent["score"] = e["score"]
        if e["norm"] is not None:
            ent["norm"] = {k: v for k, v in e["norm"].items() if v is not None}
            if "value" in ent["norm"]:
                ent["norm"]["value"] = _number(ent["norm"]["value"])
        entities.append(ent)
    relations = [{k: v for k, v in r.items() if v is not None} for r in row["relations"]]
    return {"schema_version": row["schema_version"], "id": row["id"], "source": row["source"], "entities": entities,
            "relations": relations, "meta": json.loads(row["meta"])}


def write_parquet(records: Iterable[dict], path: Path) -> int:
    """Stream records into a Parquet file, ROW_GROUP rows at a time; returns the row count."""
    n, rows = 0, []
    with pq.ParquetWriter(str(path), SCHEMA) as writer:
        for rec in records:
            rows.append(record_to_row(rec))
            if len(rows) >= ROW_GROUP:
                writer.write_table(pa.Table.from_pylist(rows, schema=SCHEMA))
                n, rows = n + len(rows), []
        if rows or n == 0:
            writer.write_table(pa.Table.from_pylist(rows, schema=SCHEMA))
            n += len(rows)
    return n


def read_parquet_records(path: str | Path) -> Iterator[dict]:
    """The records of a zxie Parquet output, batch by batch."""
    for batch in pq.ParquetFile(str(path)).iter_batches(batch_size=ROW_GROUP):
        for row in batch.to_pylist():
            yield row_to_record(row)
