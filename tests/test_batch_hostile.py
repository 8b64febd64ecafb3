"""Batch extraction against hostile inputs and careless use (issue 15): no input crashes a batch,
no user mistake destroys data, and a problem of the run itself is one `error:` line and exit 2.
Hostile inputs are made on the fly; kill and concurrency tests are bounded in time."""

import errno
import fcntl
import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import jsonschema
import numpy as np
import pytest
from typer.testing import CliRunner

from zxie.batch.run import BatchSettings, run_batch
from zxie.cli import app
from zxie.io.inputs import Document, InputError, read_documents
from zxie.io.records import record_schema


ZXIE = str(Path(sys.executable).with_name("zxie"))
TEXTS = ["区委书记刘浩到崇川区政协调研。", "崇川已建成协商议事室205个。", "2024年,区政协开展活动40余场次。",
         "钱塘区政协召开常委会议。", "海门区委副书记董笑瑜出席会议。"]


def lines(path):
    path = Path(path)
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def sha(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_against(out, texts):
    """OUT holds exactly one valid record per id of TEXTS, each made from that text."""
    records = lines(out)
    validator = jsonschema.Draft202012Validator(record_schema())
    for rec in records:
        validator.validate(rec)
        assert rec["meta"]["sha256"] == sha(texts[rec["id"]]), rec["id"]
        for ent in rec["entities"]:
            assert texts[rec["id"]][ent["start"]:ent["end"]] == ent["text"]
            assert 0 <= ent["score"] <= 1
    assert sorted(r["id"] for r in records) == sorted(texts)
    return records


def write_jsonl(path, docs):
    path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    return path


def cli(tiny_model, *args):
    return CliRunner().invoke(app, ["extract", *map(str, args), "--model", str(tiny_model), "-q"])


def is_run_error(result):
    """One `error:` line, exit 2, no traceback."""
    return (result.exit_code == 2 and isinstance(result.exception, SystemExit) and "Traceback" not in result.output
            and result.output.count("error:") == 1)


def in_time(fn, seconds=20):
    """FN's result, or a failure (never a hung test) when it does not return within SECONDS."""
    box = []
    worker = threading.Thread(target=lambda: box.append(fn()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"did not return within {seconds} s"
    return box[0]


@pytest.fixture
def deny(monkeypatch):
    """deny(path, write=False): make PATH (a file, or a folder and what is below it) unreadable, or
    only unwritable. Without root by chmod; as root, who may read anything, by making os.open and
    os.scandir fail on it as the kernel would for anyone else."""
    denied, restore = [], []
    real_open, real_scandir = os.open, os.scandir

    def check(path, writing):
        p = os.path.realpath(os.fsdecode(path))
        for d, write_only in denied:
            if (p == d or p.startswith(d + os.sep)) and (writing or not write_only):
                raise PermissionError(errno.EACCES, "Permission denied", p)

    def fake_open(path, flags, mode=0o777, *, dir_fd=None):
        check(path, bool(flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)))
        return real_open(path, flags, mode, dir_fd=dir_fd)

    def fake_scandir(path="."):
        check(path, False)
        return real_scandir(path)

    if os.geteuid() == 0:
        monkeypatch.setattr(os, "open", fake_open)
        monkeypatch.setattr(os, "scandir", fake_scandir)

    def deny_path(path, write=False):
        path = Path(path)
        if os.geteuid() == 0:
            denied.append((os.path.realpath(path), write))
        else:
            restore.append((path, path.stat().st_mode))
            path.chmod((0o555 if path.is_dir() else 0o444) if write else 0)

    yield deny_path
    for path, mode in restore:
        path.chmod(mode)


# --- crashes that stopped the whole batch -----------------------------------------------------

def test_lone_surrogates_and_deep_nesting_are_one_error_line_each_and_resume_passes(tiny_model, tmp_path):
    good = [{"id": f"g{k}", "text": t} for k, t in enumerate(TEXTS)]
    jl = tmp_path / "in.jsonl"
    jl.write_text("\n".join([
        json.dumps(good[0], ensure_ascii=False),
        '{"id": "field", "title": "\\udc80", "text": "区政协召开会议。"}',   # an extra field
        '{"id": "\\udc80x", "text": "区政协召开会议。"}',                   # the id
        '{"id": "inner", "text": "区政协召开会议。", "tags": [{"a": "\\ud800"}]}',
        '{"id": "text", "text": "区政协\\udc80召开会议。"}',                 # the text
        json.dumps(good[1], ensure_ascii=False),
        '{"id": "deep", "text": "区政协。", "x": ' + "[" * 5000 + "]" * 5000 + "}",  # RecursionError in json
        '{"id": "deep2", "text": "区政协。", "x": ' + "[" * 100 + "]" * 100 + "}",   # parses, too deep to keep
        '{"id": 1.5, "text": "区政协。"}', '{"id": true, "text": "区政协。"}',
        json.dumps(good[2], ensure_ascii=False),
    ]) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    for resume in ([], ["--resume"], ["--resume"]):
        result = cli(tiny_model, jl, "-o", out, *resume)
        assert result.exit_code == 1, result.output
        check_against(out, {d["id"]: d["text"] for d in good[:3]})
        errors = lines(tmp_path / "out.errors.jsonl")
        assert [(e["source"].rsplit(":", 1)[1], e["error"]) for e in errors] == [
            (str(n), "json") for n in (2, 3, 4, 5, 7, 8, 9, 10)]
        assert "surrogate" in errors[0]["message"] and "'title'" in errors[0]["message"]
        assert "nested" in errors[4]["message"] and "nest" in errors[5]["message"]


def test_an_unreadable_folder_argument_is_an_error_line_and_later_paths_go_on(tiny_model, tmp_path, deny):
    locked, sub = tmp_path / "locked", tmp_path / "open" / "sub"
    locked.mkdir()
    (locked / "a.txt").write_text(TEXTS[0], encoding="utf-8")
    sub.mkdir(parents=True)
    (tmp_path / "open" / "b.txt").write_text(TEXTS[1], encoding="utf-8")
    (sub / "c.txt").write_text(TEXTS[2], encoding="utf-8")
    hidden = tmp_path / "open" / "hidden"
    hidden.mkdir()
    (hidden / "d.txt").write_text(TEXTS[3], encoding="utf-8")
    after = tmp_path / "after.txt"
    after.write_text(TEXTS[4], encoding="utf-8")
    deny(locked)
    deny(hidden)  # an unreadable subfolder is reported too, not skipped silently
    out = tmp_path / "out.jsonl"
    result = cli(tiny_model, locked, tmp_path / "open", after, "-o", out)
    assert result.exit_code == 1, result.output
    check_against(out, {"b": TEXTS[1], "sub/c": TEXTS[2], "after": TEXTS[4]})
    errors = lines(tmp_path / "out.errors.jsonl")
    assert [(e["source"], e["error"]) for e in errors] == [(str(locked), "read"), (str(hidden), "read")]
    assert "cannot list this folder" in errors[0]["message"]


@pytest.mark.parametrize("case", ["directory", "read-only file", "unwritable folder", "missing folder", "disk full"])
def test_an_output_that_cannot_be_written_is_one_error_line_and_exit_2(tiny_model, tmp_path, deny, case):
    src = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": TEXTS[0]}])
    if case == "directory":
        out = tmp_path / "outdir"
        out.mkdir()
    elif case == "read-only file":
        out = tmp_path / "ro.jsonl"
        out.write_text("keep\n", encoding="utf-8")
        deny(out, write=True)
    elif case == "unwritable folder":
        (tmp_path / "ro").mkdir()
        out = tmp_path / "ro" / "out.jsonl"
        deny(tmp_path / "ro", write=True)
    elif case == "missing folder":
        out = tmp_path / "nowhere" / "out.jsonl"
    else:
        out = Path("/dev/full")
    result = cli(tiny_model, src, "-o", out)
    assert is_run_error(result), result.output
    assert f"error: cannot write {out}" in result.output
    if case == "read-only file":
        assert out.read_text(encoding="utf-8") == "keep\n"
    if case == "disk full":
        assert "No space left on device" in result.output


def test_debug_shows_the_traceback(tiny_model, tmp_path):
    (tmp_path / "outdir").mkdir()
    src = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": TEXTS[0]}])
    result = cli(tiny_model, src, "-o", tmp_path / "outdir", "--debug")
    assert result.exit_code == 1 and type(result.exception).__name__ == "RunError"


# --- data destroyed or silently wrong -----------------------------------------------------------

def test_an_output_that_is_an_input_is_refused_and_the_input_kept(tiny_model, tmp_path):
    src = write_jsonl(tmp_path / "t.jsonl", [{"id": "a", "text": TEXTS[0]}])
    before = src.read_bytes()
    os.link(src, tmp_path / "hard.jsonl")
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "r.txt").write_text(TEXTS[1], encoding="utf-8")
    for out, inputs in [(src, [src]),                                        # the same file
                        (tmp_path / "sub" / ".." / "t.jsonl", [src]),       # spelled otherwise
                        (tmp_path / "hard.jsonl", [src]),                   # a hard link
                        (tmp_path / "t.parquet", [tmp_path / "t.errors.jsonl"]),  # its errors file
                        (tmp_path / "reports" / "new.txt", [tmp_path / "reports"])]:  # read as an input
        (tmp_path / "sub").mkdir(exist_ok=True)
        if out.name == "t.parquet":
            write_jsonl(tmp_path / "t.errors.jsonl", [{"id": "x", "text": TEXTS[2]}])
        result = cli(tiny_model, *inputs, "-o", out)
        assert is_run_error(result), result.output
        assert "is also an input" in result.output
        assert src.read_bytes() == before
    assert not (tmp_path / "reports" / "new.txt").exists()


def test_a_second_run_on_a_locked_output_fails_at_once_and_leaves_it_alone(tiny_model, tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", [{"id": f"d{k}", "text": t} for k, t in enumerate(TEXTS)])
    out = tmp_path / "out.jsonl"
    assert cli(tiny_model, src, "-o", out).exit_code == 0
    before = out.read_bytes()
    with open(out, "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        for extra in ([], ["--resume"]):
            result = cli(tiny_model, src, "-o", out, *extra)
            assert is_run_error(result), result.output
            assert "being written by another zxie extract run" in result.output
            assert out.read_bytes() == before
    parquet = tmp_path / "out.parquet"
    with open(tmp_path / "out.parquet.partial.jsonl", "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        assert is_run_error(cli(tiny_model, src, "-o", parquet))


def _wait_for_lines(path, proc, n=1, seconds=120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        if path.exists() and path.read_bytes().count(b"\n") >= n:
            return True
        time.sleep(0.01)
    return False


def test_two_real_resumed_runs_on_one_output_one_fails_the_other_writes_everything_once(tiny_model, tmp_path):
    """Two `--resume` runs of an interrupted batch (the in-process test above holds the lock for
    plain runs as well)."""
    docs = [{"id": f"d{k}", "text": TEXTS[k % len(TEXTS)] * (1 + k % 3)} for k in range(400)]
    src = write_jsonl(tmp_path / "in.jsonl", docs)
    out = tmp_path / "out.jsonl"
    run_batch([src], out, BatchSettings(model=tiny_model))
    out.write_bytes(b"".join(out.read_bytes().splitlines(keepends=True)[:100]))
    args = [ZXIE, "extract", str(src), "-o", str(out), "--model", str(tiny_model), "--batch-size", "2", "--resume"]
    first = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert _wait_for_lines(out, first, 101), "the first run wrote nothing"
        second = subprocess.run(args, capture_output=True, text=True, timeout=120)
        assert second.returncode == 2, second.stderr
        assert "being written by another zxie extract run" in second.stderr and "Traceback" not in second.stderr
        assert first.wait(timeout=180) == 0, first.stderr.read().decode()
    finally:
        first.kill()
    records = check_against(out, {d["id"]: d["text"] for d in docs})
    assert [r["id"] for r in records] == [d["id"] for d in docs]


def test_files_of_one_name_in_different_subfolders_get_their_paths_as_ids(tiny_model, tmp_path):
    for year, text in (("2023", TEXTS[0]), ("2024", TEXTS[1])):
        (tmp_path / "r" / year).mkdir(parents=True)
        (tmp_path / "r" / year / "01.txt").write_text(text, encoding="utf-8")
    (tmp_path / "r" / "01.txt").write_text(TEXTS[2], encoding="utf-8")
    (tmp_path / "r" / "2024" / "Notes.TXT").write_text(TEXTS[3], encoding="utf-8")  # any case
    (tmp_path / "r" / "2024" / "skip.md").write_text(TEXTS[4], encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert cli(tiny_model, tmp_path / "r", "-o", out).exit_code == 0
    records = check_against(out, {"01": TEXTS[2], "2023/01": TEXTS[0], "2024/01": TEXTS[1], "2024/Notes": TEXTS[3]})
    assert [r["id"] for r in records] == ["01", "2023/01", "2024/01", "2024/Notes"]
    assert records[1]["source"] == str(tmp_path / "r" / "2023" / "01.txt")
    # id-less JSONL files of one name: ids by OUTPUT.md (stem:LINE), so the second is reported, not lost
    for d in ("a", "b"):
        (tmp_path / d).mkdir()
        write_jsonl(tmp_path / d / "x.jsonl", [{"text": TEXTS[0 if d == "a" else 1]}])
    items = list(read_documents([tmp_path / "a" / "x.jsonl", tmp_path / "b" / "x.jsonl"]))
    assert [(i.id, getattr(i, "error", "ok")) for i in items] == [("x:1", "ok"), ("x:1", "duplicate-id")]


def test_resume_after_the_input_changed_never_keeps_a_stale_record(tiny_model, tmp_path):
    docs = {f"d{k}": t for k, t in enumerate(TEXTS)}
    src = tmp_path / "in.jsonl"
    out = tmp_path / "out.jsonl"

    def save(texts):
        write_jsonl(src, [{"id": k, "text": v} for k, v in texts.items()])

    save(docs)
    run_batch([src], out, BatchSettings(model=tiny_model))
    # d1 gets a new text, d3 goes, d9 comes
    changed = {**docs, "d1": "全新内容：区委书记刘浩出席会议。", "d9": "钱塘区政协开展协商活动。"}
    del changed["d3"]
    save(changed)
    summary = run_batch([src], out, BatchSettings(model=tiny_model, resume=True))
    assert (summary.skipped, summary.written) == (3, 2)
    records = check_against(out, changed)
    assert [r["id"] for r in records] == ["d0", "d2", "d4", "d1", "d9"]  # kept ones first, then the redone
    # a resume killed before it could drop the stale record leaves two records of d1: the next keeps the right one
    stale = json.dumps({**records[0], "id": "d1", "meta": {**records[0]["meta"], "sha256": sha("旧")}}, ensure_ascii=False)
    out.write_text(stale + "\n" + out.read_text(encoding="utf-8"), encoding="utf-8")
    summary = run_batch([src], out, BatchSettings(model=tiny_model, resume=True))
    assert (summary.skipped, summary.written) == (5, 0)
    check_against(out, changed)
    # records written before texts were hashed are redone
    old = [{**r, "meta": {k: v for k, v in r["meta"].items() if k != "sha256"}} for r in lines(out)]
    write_jsonl(out, old)
    assert run_batch([src], out, BatchSettings(model=tiny_model, resume=True)).written == 5
    check_against(out, changed)


def test_resume_after_a_line_was_prepended_to_an_id_less_jsonl(tiny_model, tmp_path):
    src = write_jsonl(tmp_path / "p.jsonl", [{"text": t} for t in TEXTS[:3]])
    out = tmp_path / "out.jsonl"
    run_batch([src], out, BatchSettings(model=tiny_model))
    write_jsonl(src, [{"text": t} for t in [TEXTS[4], *TEXTS[:3]]])
    run_batch([src], out, BatchSettings(model=tiny_model, resume=True))
    records = check_against(out, {f"p:{n}": t for n, t in enumerate([TEXTS[4], *TEXTS[:3]], 1)})
    assert [r["id"] for r in records] == ["p:1", "p:2", "p:3", "p:4"]


def test_resume_with_the_input_spelled_otherwise_does_not_repeat_error_lines(tiny_model, tmp_path, monkeypatch):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "a", "text": TEXTS[0]}, ensure_ascii=False) + "\n{bad\n{\"id\": \"e\", \"text\": \" \"}\n",
                   encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    counts = []
    for path, extra in (("in.jsonl", []), (str(src), ["--resume"]), ("./in.jsonl", ["--resume"])):
        assert cli(tiny_model, path, "-o", "out.jsonl", *extra).exit_code == 1
        counts.append(len(lines(tmp_path / "out.errors.jsonl")))
    assert counts == [2, 2, 2]
    assert len(lines(tmp_path / "out.jsonl")) == 1


def test_discovery_reports_fifos_never_blocks_and_reads_jsonl_by_any_suffix_case(tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "a.txt").write_text(TEXTS[0], encoding="utf-8")
    os.mkfifo(folder / "b.txt")
    lone = tmp_path / "lone.txt"
    os.mkfifo(lone)  # given directly, with no writer: opens at once and reads as empty
    upper = write_jsonl(tmp_path / "UP.JSONL", [{"id": "u", "text": TEXTS[1]}])
    nd = write_jsonl(tmp_path / "x.ndjson", [{"id": "n", "text": TEXTS[2]}])
    items = in_time(lambda: list(read_documents([folder, lone, upper, nd])))
    assert [(i.id, i.error if isinstance(i, InputError) else i.text) for i in items] == [
        ("a", TEXTS[0]), ("b", "read"), ("lone", "empty"), ("u", TEXTS[1]), ("n", TEXTS[2])]
    assert "not a regular file" in items[1].message
    # a device without end is read no further than --max-chars allows
    for fmt in ("text", "jsonl"):
        got = in_time(lambda: list(read_documents(["/dev/zero"], max_chars=1000, input_format=fmt)))
        assert [i.error for i in got] == ["too-long"]


def test_names_that_do_not_tell_the_format_need_input_format(tiny_model, tmp_path):
    src = write_jsonl(tmp_path / "x.jsonl", [{"id": "a", "text": TEXTS[0]}, {"id": "b", "text": TEXTS[1]}])
    notes = tmp_path / "notes"
    notes.write_text(TEXTS[2], encoding="utf-8")
    assert is_run_error(cli(tiny_model, notes, "-o", tmp_path / "o.jsonl"))
    assert cli(tiny_model, notes, "-o", tmp_path / "o.jsonl", "--input-format", "text").exit_code == 0
    assert [r["id"] for r in lines(tmp_path / "o.jsonl")] == ["notes"]
    refused = cli(tiny_model, "/dev/stdin", "-o", tmp_path / "s.jsonl")
    assert is_run_error(refused) and "--input-format" in refused.output
    substituted = subprocess.run(["bash", "-c", '"$0" extract <(cat "$1") -o "$2" --model "$3" --input-format jsonl',
                                  ZXIE, str(src), str(tmp_path / "p.jsonl"), str(tiny_model)],
                                 capture_output=True, text=True, timeout=120)
    assert substituted.returncode == 0, substituted.stderr
    assert [r["id"] for r in lines(tmp_path / "p.jsonl")] == ["a", "b"]


def _children(pid):
    out = []
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_file.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat_file.parent.name))
    return out


def _alive(pid):
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_workers_die_with_the_main_process(tiny_model, tmp_path):
    """SIGTERM (like SIGKILL, it ends the main process without any cleanup of its own)."""
    src = write_jsonl(tmp_path / "in.jsonl", [{"id": f"d{k}", "text": TEXTS[k % 5] * 3} for k in range(3000)])
    out = tmp_path / "out.jsonl"
    proc = subprocess.Popen([ZXIE, "extract", str(src), "-o", str(out), "--model", str(tiny_model), "-n", "2",
                             "--batch-size", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert _wait_for_lines(out, proc), "no record written"
        children = _children(proc.pid)
        assert len(children) >= 2  # the workers (and multiprocessing's resource tracker)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        deadline = time.monotonic() + 10
        while any(map(_alive, children)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in children if _alive(pid)]
    finally:
        proc.kill()
        for pid in _children(proc.pid):
            os.kill(pid, signal.SIGKILL)


# --- smaller, but a user sees them -------------------------------------------------------------

def test_a_too_long_file_is_reported_with_its_true_length(tmp_path):
    big = tmp_path / "big.txt"
    big.write_text("政" * 3_000_000, encoding="utf-8")
    (err,) = read_documents([big], max_chars=2_000_000)
    assert err.error == "too-long" and err.message.startswith("3000000 characters, over the limit of 2000000")


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_with_a_byte_order_mark_are_decoded(tmp_path, codec):
    text = "区委书记刘浩出席会议。\r\n第二段。"
    path = tmp_path / "notepad.txt"
    data = text.encode(codec)
    path.write_bytes(data if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "\ufeff".encode(codec) + data)
    notice, doc = read_documents([path])
    assert doc.text == text and doc.meta["encoding"] == codec[:6]
    assert notice.notice and notice.error == f"decoded-{codec[:6]}"


def test_a_text_without_sentence_ends_is_cut_with_overlap_and_no_mention_is_cut(tmp_path):
    """One 4,600-character line without a sentence end, through a pipeline that finds its mentions
    by rule (so the whole text and the chunks must give the very same entities)."""
    import spacy

    from zxie.chunks import chunk_spans
    from zxie.extract import Extractor
    from zxie.text import sentence_spans

    nlp = spacy.blank("zh")
    nlp.add_pipe("entity_ruler").add_patterns([{"label": "PERSON", "pattern": [{"TEXT": c} for c in "董笑瑜"]},
                                               {"label": "DATE", "pattern": [{"TEXT": c} for c in "2017年"]}])
    nlp.to_disk(tmp_path / "ruler")
    text = "海门区委副书记董笑瑜出席2017年会议，" * 230
    assert len(sentence_spans(text)) == 1
    spans = chunk_spans(text, 300)
    assert len(spans) > 10 and spans[0][0] == 0 and spans[-1][1] == len(text) and all(b - a <= 300 for a, b in spans)
    assert all(a2 < b1 for (_, b1), (a2, _) in zip(spans, spans[1:]))  # hard cuts overlap
    whole = Extractor(tmp_path / "ruler", chunk_chars=0).extract_text(text, "d")
    chunked = Extractor(tmp_path / "ruler", chunk_chars=300).extract_text(text, "d")
    key = lambda r: [(e["start"], e["end"], e["label"]) for e in r["entities"]]  # noqa: E731
    assert len(key(whole)) == 460 and key(chunked) == key(whole)
    assert [e["id"] for e in chunked["entities"]] == list(range(1, 461))
    # the test means something: mentions straddle chunk ends, where a cut without overlap splits them
    assert sum(any(a < b < e for _, b in spans[:-1]) for a, e, _ in key(whole)) >= 5


def test_merged_chunks_keep_a_mention_at_a_cut_whole_and_once():
    from zxie.chunks import merge_chunk_records

    def ent(i, a, b, label="PERSON"):
        return {"id": i, "text": "x" * (b - a), "label": label, "start": a, "end": b, "score": 0.9}

    left = {"entities": [ent(1, 40, 45), ent(2, 70, 75, "TITLE"), ent(3, 95, 100)],  # 95-100: cut by the chunk end
            "relations": [{"head": 3, "tail": 2, "type": "HAS_TITLE", "score": 0.5}]}
    right = {"entities": [ent(1, 10, 15, "TITLE"), ent(2, 35, 43)],                # offsets from 60: 70-75, 95-103
             "relations": [{"head": 2, "tail": 1, "type": "HAS_TITLE", "score": 0.8}]}
    merged = merge_chunk_records({"id": "d"}, [((0, 100), left), ((60, 160), right)])
    assert [(e["id"], e["start"], e["end"]) for e in merged["entities"]] == [(1, 40, 45), (2, 70, 75), (3, 95, 103)]
    assert merged["relations"] == [{"head": 3, "tail": 2, "type": "HAS_TITLE", "score": 0.8}]


def test_memory_is_bounded_by_the_chunk_not_the_document(tiny_model, monkeypatch):
    """A chunk's Doc becomes a record before the model makes the next ones: at most a batch of
    chunk Docs is alive, however long the document."""
    import zxie.extract
    from zxie.extract import Extractor

    ex = Extractor(tiny_model, chunk_chars=200, batch_size=2)
    counts = {"made": 0, "recorded": 0, "most": 0}
    real_pipe, real_record = ex.nlp.pipe, zxie.extract.doc_record

    def pipe(texts, **kw):
        for doc in real_pipe(texts, **kw):
            counts["made"] += 1
            counts["most"] = max(counts["most"], counts["made"] - counts["recorded"])
            yield doc

    def record(*args):
        counts["recorded"] += 1
        return real_record(*args)

    ex.nlp.pipe = pipe
    monkeypatch.setattr(zxie.extract, "doc_record", record)
    ex.extract_text("区委书记刘浩到崇川区政协调研，" * 400, "long")
    assert counts["made"] > 20 and counts["most"] <= 2


def test_a_zero_width_character_stays_out_of_a_metric_norm():
    import spacy
    from spacy.tokens import Doc, Span

    from zxie.components.norms import NormFiller

    nlp = spacy.blank("xx")
    doc = Doc(nlp.vocab, words=["建成", "3\u200c件", "\u200b2024\u200d年"], spaces=[False, False, False])
    doc.ents = [Span(doc, 1, 2, "METRIC"), Span(doc, 2, 3, "DATE")]
    NormFiller("METRIC", "DATE")(doc)
    assert doc.ents[0]._.norm == {"value": 3, "unit": "件", "qualifier": "exact"}
    assert doc.ents[1]._.norm == {"iso": "2024"}


def test_a_password_in_a_url_is_never_echoed(tmp_path, monkeypatch):
    from zxie.cli._util import redact

    assert redact("at http://bob:Hunter2pw@127.0.0.1:9/v1 and tcp://a@b:1") == "at http://***@127.0.0.1:9/v1 and tcp://***@b:1"
    monkeypatch.setenv("DOCCANO_URL", "http://bob:Hunter2pw@127.0.0.1:9")
    monkeypatch.setenv("DOCCANO_USERNAME", "bob")
    monkeypatch.setenv("DOCCANO_PASSWORD", "Hunter2pw")
    monkeypatch.setenv("ZXIE_STATE_DIR", str(tmp_path / "state"))
    (tmp_path / "a.txt").write_text(TEXTS[0], encoding="utf-8")
    for args in (["push", str(tmp_path / "a.txt"), "-p", "p", "--pre-annotate", "none"], ["pull", "-p", "p", "-o", str(tmp_path / "g.jsonl")]):
        result = CliRunner().invoke(app, ["annotate", *args])
        assert result.exit_code == 1 and "error:" in result.output, result.output
        assert "Hunter2pw" not in result.output and "***@127.0.0.1:9" in result.output


def test_every_entity_has_the_taggers_confidence_as_score_in_jsonl_and_parquet(tiny_model, tmp_path):
    import spacy

    from zxie.io.parquet import read_parquet_records, write_parquet
    from zxie.io.records import doc_record

    nlp = spacy.load(tiny_model)
    ner = nlp.get_pipe("ner")
    doc = nlp.make_doc("区委书记刘浩出席")
    assert len(doc) == 8
    probs = np.full((8, len(ner.tags)), 1e-4, dtype="float32")
    probs[:, 0] = 0.999
    col = {label: 1 + 4 * j for j, label in enumerate(ner.labels)}
    for t, (tag, p) in enumerate([(col["TITLE"], 0.9), (col["TITLE"] + 1, 0.8), (col["TITLE"] + 1, 0.9), (col["TITLE"] + 2, 0.8),
                                  (col["PERSON"], 0.5), (col["PERSON"] + 2, 0.8)]):
        probs[t, 0], probs[t, tag] = 0.0, p
    ner.set_annotations([doc], [probs])
    assert [(e.text, e.label_, e._.score) for e in doc.ents] == [
        ("区委书记", "TITLE", round((0.9 * 0.8 * 0.9 * 0.8) ** 0.25, 4)), ("刘浩", "PERSON", round((0.5 * 0.8) ** 0.5, 4))]
    rec = doc_record(doc, Document("d", doc.text, "<test>"), "m")
    assert [e["score"] for e in rec["entities"]] == [e._.score for e in doc.ents]
    jsonschema.Draft202012Validator(record_schema()).validate(rec)
    write_parquet([rec], tmp_path / "out.parquet")
    assert list(read_parquet_records(tmp_path / "out.parquet")) == [rec]  # the Parquet column is filled


def test_relations_hold_plain_python_types():
    from zxie.components.relations import Entity, RelationExtractor

    class Classifier:
        classes_ = np.array(["HAS_TITLE", "NONE"])

        def predict_proba(self, features):
            return np.array([[0.9, 0.1]] * len(features))

    rx = RelationExtractor()
    rx.model = Classifier()
    (rel,) = rx.predict("区委书记刘浩出席。", [Entity("TITLE", 0, 4), Entity("PERSON", 4, 6)])
    assert rel == {"head": 1, "tail": 0, "type": "HAS_TITLE", "score": 0.9}
    assert [type(rel[k]) for k in ("head", "tail", "type", "score")] == [int, int, str, float]


def _commands(group, prefix=()):
    import typer.main

    cmd = typer.main.get_command(app) if group is None else group
    for name, sub in getattr(cmd, "commands", {}).items():
        yield (*prefix, name)
        yield from _commands(sub, (*prefix, name))


def test_help_shows_no_bool_metavar_and_no_markup_is_lost():
    runner = CliRunner()
    for command in [(), *_commands(None)]:
        shown = runner.invoke(app, [*command, "--help"], terminal_width=200).output
        assert "<bool>" not in shown and "Traceback" not in shown, command
    assert "[pretraining]" in runner.invoke(app, ["pretrain", "--help"]).output


def test_a_value_after_a_flag_is_refused_not_read_as_an_input(tiny_model, tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": TEXTS[0]}])
    result = cli(tiny_model, src, "-o", tmp_path / "out.jsonl", "--resume", "yes")
    assert is_run_error(result) and "flags take no value" in result.output
    assert not (tmp_path / "out.jsonl").exists()


def test_progress_bars_only_on_a_terminal(monkeypatch, tmp_path, good_record, write_jsonl):
    import zxie.annotate.pull
    import zxie.annotate.push
    import zxie.evaluation.evaluate

    seen = []

    def fake(*args, progress=None, **kwargs):
        seen.append(progress)
        raise SystemExit(0)

    for module, name in ((zxie.annotate.push, "push_documents"), (zxie.annotate.pull, "pull_project"),
                         (zxie.evaluation.evaluate, "evaluate_systems")):
        monkeypatch.setattr(module, name, fake)
    (tmp_path / "a.txt").write_text(TEXTS[0], encoding="utf-8")
    gold = write_jsonl([good_record])
    pred = write_jsonl([{"id": "fixture", "entities": [], "relations": []}], "pred.jsonl")
    runner = CliRunner()  # stderr is no terminal here
    for args in (["annotate", "push", str(tmp_path / "a.txt"), "-p", "p", "--pre-annotate", "none"],
                 ["annotate", "pull", "-p", "p", "-o", str(tmp_path / "g.jsonl")],
                 ["evaluate", str(gold), "--pred", str(pred), "--samples", "0"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
    assert seen == [False, False, False]
