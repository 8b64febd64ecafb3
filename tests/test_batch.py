"""Batch extraction at scale: bad input never stops a batch, kill -9 and resume, process pool and
Dask engines equal to the inline one, Parquet round trip, long documents in sentence chunks."""

import json
import os
import random
import signal
import subprocess
import sys
import time
from itertools import islice
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from zxie.chunks import chunk_spans
from zxie.io.resume import drop_torn_line
from zxie.batch.run import BatchSettings, run_batch
from zxie.cli import app
from zxie.io.inputs import Document
from zxie.io.records import record_schema

from .conftest import SHARED

ZXIE = str(Path(sys.executable).with_name("zxie"))


def seed_paragraphs(limit=None):
    """Paragraphs of the seed reports, the documents of these tests."""
    out = []
    for path in sorted((SHARED / "seeds").glob("*.txt")):
        for k, para in enumerate(p for p in path.read_text(encoding="utf-8").split("\n") if len(p.strip()) >= 20):
            out.append({"id": f"{path.stem[:3]}-{k}", "text": para})
    return out[:limit]


def lines(path):
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()] if Path(path).exists() else []


def check_records(records, texts):
    validator = jsonschema.Draft202012Validator(record_schema())
    for rec in records:
        validator.validate(rec)
        for ent in rec["entities"]:
            assert texts[rec["id"]][ent["start"]:ent["end"]] == ent["text"]


@pytest.fixture(scope="module")
def mixed_inputs(tmp_path_factory):
    """A folder of .txt files and a JSONL file with every kind of bad input among good documents.
    Returns (paths, good ids in input order, texts by id, expected error kinds in order)."""
    root = tmp_path_factory.mktemp("mixed")
    paras = seed_paragraphs(40)
    folder = root / "reports"
    folder.mkdir()
    (folder / "a_good.txt").write_text(paras[0]["text"], encoding="utf-8")
    (folder / "b_gbk.txt").write_bytes(paras[1]["text"].encode("gb18030"))
    (folder / "c_binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (folder / "d_empty.txt").write_text(" \n\u3000\n", encoding="utf-8")
    (folder / "e_latin1.txt").write_bytes("Ärger über Straße und Maß".encode("latin-1"))
    jl = root / "docs.jsonl"
    body = [json.dumps(p, ensure_ascii=False) for p in paras[2:]]
    body.insert(3, '{"id": "broken", "text": ')                                  # invalid JSON
    body.insert(7, json.dumps({"id": "no-text", "title": "x"}))                  # no text
    body.insert(11, json.dumps(paras[5], ensure_ascii=False))                    # duplicate id
    body.insert(15, json.dumps({"id": "huge", "text": "政协" * 3000}, ensure_ascii=False))  # over --max-chars
    jl.write_text("\n".join(body) + "\n", encoding="utf-8")
    good = ["a_good", "b_gbk"] + [p["id"] for p in paras[2:]]
    texts = {"a_good": paras[0]["text"], "b_gbk": paras[1]["text"], **{p["id"]: p["text"] for p in paras[2:]}}
    kinds = ["decoded-gb18030", "binary", "empty", "decode", "json", "missing-text", "duplicate-id", "too-long"]
    return [folder, jl], good, texts, kinds


def test_every_bad_input_kind_is_one_error_line_and_the_rest_goes_on(tiny_model, mixed_inputs, tmp_path):
    paths, good, texts, kinds = mixed_inputs
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["extract", *map(str, paths), "-o", str(out), "--model", str(tiny_model), "--max-chars", "5000", "-q"])
    assert result.exit_code == 1, result.output
    records = lines(out)
    assert [r["id"] for r in records] == good
    check_records(records, texts)
    assert records[1]["meta"]["encoding"] == "gb18030" and "encoding" not in records[0]["meta"]
    errors = lines(tmp_path / "out.errors.jsonl")
    assert [e["error"] for e in errors] == kinds
    assert all(set(e) == {"id", "source", "error", "message"} and e["message"] for e in errors)
    by_kind = {e["error"]: e for e in errors}
    assert by_kind["json"]["source"] == f"{paths[1]}:4" and "line 4" in by_kind["json"]["message"]
    assert by_kind["binary"]["id"] == "c_binary" and by_kind["decode"]["id"] == "e_latin1"
    assert by_kind["too-long"]["id"] == "huge" and "6000 characters" in by_kind["too-long"]["message"]
    assert by_kind["duplicate-id"]["id"] == seed_paragraphs(40)[5]["id"]
    assert "7 document(s) failed" in result.output and "1 document(s) decoded" in result.output
    # only the notice: the exit code is 0
    clean = tmp_path / "clean.jsonl"
    ok = CliRunner().invoke(app, ["extract", str(paths[0] / "a_good.txt"), str(paths[0] / "b_gbk.txt"), "-o", str(clean),
                                  "--model", str(tiny_model)])
    assert ok.exit_code == 0, ok.output
    assert [e["error"] for e in lines(tmp_path / "clean.errors.jsonl")] == ["decoded-gb18030"]


def _kill_and_resume(args, out, rng, max_kills):
    """Run `zxie extract ARGS` and SIGKILL it after a random number of records (0: during start-up),
    then run it again with --resume, up to `max_kills` times; finally let it finish. If the very first
    run finishes before it could be killed, start over from nothing with a lower target."""
    kills, resume, most = 0, [], 25
    while True:
        proc = subprocess.Popen([ZXIE, "extract", *args, *resume], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if kills < max_kills:
            target = rng.randint(0, most)
            deadline = time.monotonic() + 60
            while proc.poll() is None and time.monotonic() < deadline:
                if out.exists() and out.read_bytes().count(b"\n") >= target:
                    break
                time.sleep(0.002)
            time.sleep(rng.uniform(0, 0.02))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                if os.environ.get("ZXIE_TEST_VERBOSE"):
                    data = out.read_bytes() if out.exists() else b""
                    print("killed at", data.count(b"\n"), "lines; torn last line:", data[-1:] not in (b"", b"\n"))
                kills += 1
                resume = ["--resume"]
                continue
            if kills == 0:  # too fast to be killed: again, from scratch
                for path in out.parent.glob(out.stem + "*"):
                    path.unlink()
                most //= 2
                continue
        proc.wait(timeout=120)
        return proc.returncode, kills, proc.stderr.read().decode()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_killed_with_sigkill_and_resumed_gives_exactly_one_line_per_document(tiny_model, mixed_inputs, tmp_path, seed):
    paths, good, texts, kinds = mixed_inputs
    ref = tmp_path / "ref.jsonl"
    run_batch(paths, ref, BatchSettings(model=tiny_model, max_chars=5000, batch_size=2))
    out = tmp_path / "out.jsonl"
    rng = random.Random(seed)
    extra = ["--n-process", "2"] if seed == 3 else []
    args = [*map(str, paths), "-o", str(out), "--model", str(tiny_model), "--max-chars", "5000", "--batch-size", "2", *extra]
    code, kills, stderr = _kill_and_resume(args, out, rng, max_kills=1 if extra else 2)
    assert code == 1, stderr
    assert kills >= 1
    records = lines(out)
    assert [r["id"] for r in records] == good  # no duplicate, no loss, input order
    assert out.read_bytes() == ref.read_bytes()
    assert [e["error"] for e in lines(tmp_path / "out.errors.jsonl")] == kinds
    assert "7 document(s) failed" in stderr


def test_resume_drops_a_torn_last_line(tiny_model, tmp_path):
    docs = tmp_path / "in.jsonl"
    paras = seed_paragraphs(6)
    docs.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in paras), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    run_batch([docs], out, BatchSettings(model=tiny_model))
    full = out.read_bytes()
    first_three = b"".join(full.splitlines(keepends=True)[:3])
    torn = full.splitlines(keepends=True)[3][:25]  # a record cut mid-write
    out.write_bytes(first_three + torn)
    summary = run_batch([docs], out, BatchSettings(model=tiny_model, resume=True))
    assert (summary.skipped, summary.written, summary.failed) == (3, 3, 0)
    assert out.read_bytes() == full
    out.write_bytes(b'{"id": "x"')  # only a torn line: it goes, and nothing else
    assert drop_torn_line(out) == 10 and out.read_bytes() == b""


def test_process_pool_streams_and_equals_the_inline_engine(tiny_model, tmp_path):
    from zxie.batch.engines import InlineEngine, PoolEngine

    paras = seed_paragraphs(30)
    docs = [Document(p["id"], p["text"], "<test>") for p in paras]
    inline = list(InlineEngine(tiny_model, batch_size=4, chunk_chars=0).run(docs))

    def endless():  # a stream with no end: only a bounded window may ever be read from it
        k = 0
        while True:
            k += 1
            yield Document(f"d{k}", paras[k % len(paras)]["text"], "<gen>")

    engine = PoolEngine(tiny_model, 2, batch_size=4, chunk_chars=0, partition_docs=3, partition_chars=10**6)
    try:
        assert list(engine.run(docs)) == inline
        unordered = list(engine.run(docs, ordered=False))
        assert sorted(unordered, key=lambda r: r["id"]) == sorted(inline, key=lambda r: r["id"])
        assert [r["id"] for r in islice(engine.run(endless()), 10)] == [f"d{k}" for k in range(1, 11)]
        # a document that kills its worker process: reported, and the batch goes on
        engine.task = crash_on_marker
        mixed = docs[:5] + [Document("killer", "区政协KILL-WORKER会议。", "<test>")] + docs[5:9]
        results = list(engine.run(mixed))
        assert [r["id"] if isinstance(r, dict) else (r.id, r.error) for r in results] == \
            [d.id for d in docs[:5]] + [("killer", "processing")] + [d.id for d in docs[5:9]]
        assert results[:5] + results[6:] == inline[:9] and engine.restarts >= 1
    finally:
        engine.close()


def crash_on_marker(items):
    """A worker task that dies like a segfault on a marked document (imported by spawned workers)."""
    from zxie.batch import worker

    if any(isinstance(i, Document) and "KILL-WORKER" in i.text for i in items):
        os._exit(3)
    return worker.process_partition(items)


def test_dask_local_cluster_output_equals_local_output(tiny_model, mixed_inputs, tmp_path):
    """`--engine dask --scheduler ADDRESS`, as a team points it at its cluster (here a LocalCluster
    on loopback), writes exactly what the local engine writes."""
    from distributed import LocalCluster

    paths, good, texts, kinds = mixed_inputs
    local, dask = tmp_path / "local.jsonl", tmp_path / "dask.jsonl"
    run_batch(paths, local, BatchSettings(model=tiny_model, max_chars=5000))
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None) as cluster:
        result = CliRunner().invoke(app, ["extract", *map(str, paths), "-o", str(dask), "--model", str(tiny_model), "--max-chars", "5000",
                                          "--engine", "dask", "--scheduler", cluster.scheduler_address, "-q"])
        unordered = CliRunner().invoke(app, ["extract", *map(str, paths), "-o", str(tmp_path / "u.jsonl"), "--model", str(tiny_model),
                                             "--max-chars", "5000", "--engine", "dask", "--scheduler", cluster.scheduler_address,
                                             "--unordered", "-q"])
    assert unordered.exit_code == 1, unordered.output
    assert sorted((tmp_path / "u.jsonl").read_text(encoding="utf-8").splitlines()) == sorted(local.read_text(encoding="utf-8").splitlines())
    assert result.exit_code == 1, result.output
    assert f"{len(good)} record(s) written" in result.output and "7 document(s) failed" in result.output
    assert dask.read_bytes() == local.read_bytes()
    assert (tmp_path / "dask.errors.jsonl").read_bytes() == (tmp_path / "local.errors.jsonl").read_bytes()


def test_parquet_round_trip_and_resume(tiny_model, tmp_path):
    import datasets
    import pyarrow.parquet as pq

    from zxie.io.parquet import SCHEMA, read_parquet_records

    paras = seed_paragraphs(12)
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text("".join(json.dumps({**p, "region": "崇川"}, ensure_ascii=False) + "\n" for p in paras[:7]), encoding="utf-8")
    second.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in paras[7:]), encoding="utf-8")
    ref = tmp_path / "ref.jsonl"
    run_batch([first, second], ref, BatchSettings(model=tiny_model))
    out = tmp_path / "out.parquet"
    run_batch([first], out, BatchSettings(model=tiny_model, format="parquet"))
    assert not (tmp_path / "out.parquet.partial.jsonl").exists()
    assert pq.read_schema(out).equals(SCHEMA, check_metadata=False)
    assert len(list(read_parquet_records(out))) == 7
    # resume with more input: the Parquet output goes on where it stopped
    summary = run_batch([first, second], out, BatchSettings(model=tiny_model, format="parquet", resume=True))
    assert (summary.skipped, summary.written) == (7, 5)
    expected = lines(ref)
    assert list(read_parquet_records(out)) == expected
    ds = datasets.Dataset.from_parquet(str(out))
    assert ds.num_rows == 12 and ds["id"] == [p["id"] for p in paras]
    assert json.loads(ds[0]["meta"])["region"] == "崇川"
    # the CLI picks Parquet from the suffix
    cli_out = tmp_path / "cli.parquet"
    result = CliRunner().invoke(app, ["extract", str(first), str(second), "-o", str(cli_out), "--model", str(tiny_model)])
    assert result.exit_code == 0, result.output
    assert list(read_parquet_records(cli_out)) == expected


def test_saved_dataset_input_through_the_cli(tiny_model, tmp_path):
    import datasets

    paras = seed_paragraphs(5)
    datasets.Dataset.from_dict({"body": [p["text"] for p in paras], "doc_id": [p["id"] for p in paras]}).save_to_disk(str(tmp_path / "ds"))
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["extract", str(tmp_path / "ds"), "-o", str(out), "--model", str(tiny_model),
                                      "--text-column", "body", "--id-column", "doc_id"])
    assert result.exit_code == 0, result.output
    records = lines(out)
    assert [r["id"] for r in records] == [p["id"] for p in paras]
    check_records(records, {p["id"]: p["text"] for p in paras})


def test_long_documents_are_processed_in_sentence_chunks_with_exact_offsets(tiny_model, tmp_path):
    from zxie.extract import Extractor
    from zxie.text import sentence_spans

    text = (SHARED / "seeds" / "002_6ca333dbabf3b452.txt").read_text(encoding="utf-8")
    spans = chunk_spans(text, 300)
    assert len(spans) > 5 and "".join(text[a:b] for a, b in spans) == text and all(b - a <= 300 for a, b in spans)
    starts = {a for a, _ in sentence_spans(text)} | {b for _, b in sentence_spans(text)}
    assert all(a in starts for a, _ in spans[1:])  # every cut is a sentence boundary
    whole = Extractor(tiny_model, chunk_chars=0).extract_text(text, "d")
    chunked = Extractor(tiny_model, chunk_chars=300).extract_text(text, "d")
    check_records([whole, chunked], {"d": text})
    assert [e["id"] for e in chunked["entities"]] == list(range(1, len(chunked["entities"]) + 1))
    ids = {e["id"]: e for e in chunked["entities"]}
    for rel in chunked["relations"]:  # relations stay inside one chunk
        head, tail = ids[rel["head"]], ids[rel["tail"]]
        assert any(a <= min(head["start"], tail["start"]) and max(head["end"], tail["end"]) <= b for a, b in spans)
    # cuts fall between sentences, so the entities hardly change
    key = lambda r: {(e["start"], e["end"], e["label"]) for e in r["entities"]}  # noqa: E731
    same = len(key(whole) & key(chunked))
    assert same >= 0.8 * len(key(whole)), (len(key(whole)), len(key(chunked)), same)


def dask_crash_on_marker(items, plugin_name):
    """A Dask task that dies like a segfault on a marked document (imported by the workers)."""
    from zxie.batch import worker

    if any(isinstance(i, Document) and "KILL-WORKER" in i.text for i in items):
        os._exit(3)
    return worker.dask_process_partition(items, plugin_name)


def test_dask_worker_killed_by_a_document_is_reported_and_the_batch_goes_on(tiny_model):
    import dask

    from zxie.batch.engines import DaskEngine

    paras = seed_paragraphs(6)
    docs = [Document(p["id"], p["text"], "<test>") for p in paras]
    docs.insert(3, Document("killer", "区政协KILL-WORKER会议。", "<test>"))
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        engine = DaskEngine(tiny_model, None, 1, batch_size=4, chunk_chars=0, partition_docs=4, partition_chars=10**6,
                            task=dask_crash_on_marker)
        try:
            results = list(engine.run(docs))
        finally:
            engine.close()
    assert [r["id"] if isinstance(r, dict) else (r.id, r.error) for r in results] == \
        [d.id for d in docs[:3]] + [("killer", "processing")] + [d.id for d in docs[4:]]
