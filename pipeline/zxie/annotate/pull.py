"""`pull`: annotations back from doccano through its REST API (its export drops relations),
as interchange records, validated, merged into a gold file (zxie.annotate.merge).

Only documents marked done (doccano's checkmark, an example state) are pulled unless
`only_done=False`. Each record's meta gains `annotator` (who marked it done; several
comma-separated) and `doccano` (project and example id).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from zxie.annotate.client import Doccano
from zxie.annotate.convert import PUSHED_KEY, to_record
from zxie.annotate.merge import MergeResult, merge
from zxie.annotate.push import open_project
from zxie.annotate.errors import AnnotateError
from zxie.corpus.interchange import FormatError, Record, read_records, write_records
from zxie.corpus.validate import check_record


@dataclass
class PullResult:
    invalid: list[str] = field(default_factory=list)  # one line per problem
    merged: MergeResult | None = None
    conflicts_path: Path | None = None


def fetch(client: Doccano, project: str, only_done: bool = True, progress: bool = False) -> list[tuple[dict, dict | None]]:
    """(record, pushed base or None) of every (done) example of PROJECT, in doccano's order."""
    from tqdm import tqdm

    proj, span_ids, rel_ids = open_project(client, project, create=False)
    pid = proj["id"]
    span_names = {v: k for k, v in span_ids.items()}
    rel_names = {v: k for k, v in rel_ids.items()}
    users = {m["user"]: m["username"] for m in client.members(pid)}
    examples = list(client.examples(pid, confirmed=True if only_done else None))
    out = []
    for ex in tqdm(examples, desc="pull", unit="doc", disable=not progress):
        rec = to_record(ex, client.spans(pid, ex["id"]), client.relations(pid, ex["id"]), span_names, rel_names)
        done_by = sorted({users.get(s["confirmed_by"], f"user:{s['confirmed_by']}") for s in client.states(pid, ex["id"])})
        if done_by:
            rec["meta"]["annotator"] = ", ".join(done_by)
        rec["meta"]["doccano"] = {"project": project, "example": ex["id"]}
        out.append((rec, (ex.get("meta") or {}).get(PUSHED_KEY)))  # the annotations it was pushed with
    return out


def pull_project(project: str, output: str | Path, only_done: bool = True, client: Doccano | None = None,
                 progress: bool = False) -> PullResult:
    """Pull PROJECT into OUTPUT: new documents are added, changed ones merged, conflicts and
    documents that fail validation left out and reported (conflicts also to OUTPUT.conflicts.jsonl)."""
    client = client or Doccano.from_env()
    output = Path(output)
    try:  # the file first: a broken one stops the pull before any work
        ours = [r.data for r in read_records(output)] if output.exists() else []
    except FormatError as err:
        raise AnnotateError(f"cannot merge into {err}") from None
    result = PullResult()
    valid = []
    for rec, base in fetch(client, project, only_done, progress):
        problems = list(check_record(Record(rec, f"doccano:{project}", rec["meta"]["doccano"]["example"])))
        if problems:
            result.invalid.extend(str(p) for p in problems)
            continue
        valid.append((rec, base))
    result.merged = merge(ours, valid)
    tmp = output.with_name(output.name + ".tmp")
    write_records(tmp, result.merged.records)
    tmp.replace(output)
    conflicts = output.with_name(output.name.removesuffix(".jsonl") + ".conflicts.jsonl")
    conflicts.unlink(missing_ok=True)  # it describes the last pull only
    if result.merged.conflicts:
        write_records(conflicts, [dict(rec, meta={**rec["meta"], "conflict": why}) for rec, why in result.merged.conflicts])
        result.conflicts_path = conflicts
    return result
