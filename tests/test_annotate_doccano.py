"""The annotation loop against a real doccano on loopback (started once for this module).

The session fixture installs doccano into its own venv on first use (cached per machine at
$ZXIE_DOCCANO_VENV or ~/.cache/zxie/doccano-venv; about 75 s once), starts the web server and the
task worker, and stops exactly those processes at the end, checking none is left.
"""

from __future__ import annotations

import copy
import json
import os
import socket
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from zxie.annotate import server
from zxie.annotate.client import Doccano
from zxie.annotate.convert import annotations_of
from zxie.annotate.pull import pull_project
from zxie.annotate.push import push_documents
from zxie.cli.main import app
from zxie.corpus.interchange import read_records, write_records
from zxie.corpus.validate import validate_files
from zxie.schema import load_schema
from zxie.text import sentence_spans

ANNOTATOR, ANNOTATOR_PW = "ann1", "annotator-" + os.urandom(6).hex()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _group_members(pgids) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) in pgids and fields[0] != "Z":
                out.append(int(entry.name))
    return out


@pytest.fixture(scope="module")
def doccano(tmp_path_factory):
    saved = {k: os.environ.pop(k) for k in ("DOCCANO_URL", "DOCCANO_USERNAME", "DOCCANO_PASSWORD") if k in os.environ}
    saved_venv = os.environ.get("ZXIE_DOCCANO_VENV")
    state = tmp_path_factory.mktemp("zxie-state")
    os.environ["ZXIE_STATE_DIR"] = str(state)
    os.environ["ZXIE_DOCCANO_VENV"] = saved_venv or str(Path.home() / ".cache" / "zxie" / "doccano-venv")
    info = server.start(port=_free_port(), root=state, log=lambda m: None)
    try:
        yield {"state": state, **info}
    finally:
        pgids = set(info["pids"].values())
        server.stop(state)
        os.environ.pop("ZXIE_STATE_DIR", None)
        if saved_venv is None:
            os.environ.pop("ZXIE_DOCCANO_VENV", None)
        os.environ.update(saved)
        assert _group_members(pgids) == [], "doccano processes left behind"
        assert server.status(state)["running"] is False


@pytest.fixture(scope="module")
def admin(doccano):
    return Doccano.from_env()


LEAD = "\n\u3000 "  # doccano strips surrounding whitespace; offsets must survive that


@pytest.fixture(scope="module")
def gold_docs(tiny_data):
    """Two gold documents; the first one starts with whitespace (offsets shifted to match)."""
    docs = [r.data for r in read_records(tiny_data / "gold.jsonl")][:2]
    docs[0]["text"] = LEAD + docs[0]["text"]
    for ent in docs[0]["entities"]:
        ent["start_offset"] += len(LEAD)
        ent["end_offset"] += len(LEAD)
    return docs


def _lead(text: str) -> int:
    return len(text) - len(text.lstrip())


def _cli(*args, env=None):
    result = CliRunner().invoke(app, list(args), env=env)
    return result


# --- server ------------------------------------------------------------------------------
def test_server_is_loopback_only_with_a_private_password(doccano):
    info = server.status(doccano["state"])
    assert info["running"] and info["healthy"]
    creds_file = doccano["state"] / "credentials.json"
    assert stat.S_IMODE(creds_file.stat().st_mode) == 0o600
    password = json.loads(creds_file.read_text())["password"]
    assert len(password) >= 16
    for pid in _group_members(set(info["pids"].values())):
        assert password.encode() not in Path(f"/proc/{pid}/cmdline").read_bytes()
    for name in ("init", "web", "task"):
        assert password not in Path(info["logs"][name]).read_text(errors="replace")
    port = int(info["url"].rsplit(":", 1)[1])
    listening = [line.split()[1] for line in Path("/proc/net/tcp").read_text().splitlines()[1:]
                 if line.split()[3] == "0A" and int(line.split()[1].split(":")[1], 16) == port]
    assert listening == [f"0100007F:{port:04X}"]
    assert server.start(root=doccano["state"])["pids"] == info["pids"]  # already running: no second server
    status = _cli("annotate", "server", "status")
    assert status.exit_code == 0 and "healthy" in status.stdout and password not in status.output


# --- push --------------------------------------------------------------------------------
def test_doccano_database_is_private(doccano):
    home = doccano["state"] / "doccano"  # the state folder existed before start (mktemp)
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    db = home / "db.sqlite3"
    assert db.exists() and stat.S_IMODE(db.stat().st_mode) == 0o600


def test_push_pre_annotates_with_the_model_in_uncertainty_order(doccano, admin, tiny_model, gold_docs, tmp_path):
    from zxie.annotate.uncertainty import document_uncertainty
    from zxie.extract import Extractor

    docs = tmp_path / "docs.jsonl"
    write_records(docs, [{"id": d["id"], "text": d["text"]} for d in gold_docs])
    result = push_documents([docs], "model-loop", model=tiny_model, order="uncertain", client=admin)
    assert sorted(result.created) == sorted(d["id"] for d in gold_docs) and not result.failed

    project = admin.project("model-loop")
    assert project["use_relation"] and project["project_type"] == "SequenceLabeling"
    spans, rels = admin.span_types(project["id"]), admin.relation_types(project["id"])
    assert [s["text"] for s in spans] == list(load_schema().entity_labels)
    assert [r["text"] for r in rels] == list(load_schema().relation_types)
    assert len({s["background_color"] for s in spans}) == len(spans)
    assert len({(s["prefix_key"], s["suffix_key"]) for s in spans + rels}) == len(spans) + len(rels)

    extractor = Extractor(tiny_model)
    examples = list(admin.examples(project["id"]))
    texts = {d["id"]: d["text"] for d in gold_docs}
    expected_u = {}
    for ex in examples:
        text = texts[ex["meta"]["zxie_id"]]
        sp = extractor.nlp(text)
        expected_u[ex["meta"]["zxie_id"]] = document_uncertainty(extractor.nlp, sp)
        record = extractor.extract_text(text, ex["meta"]["zxie_id"])
        shift = _lead(text)
        by_id = {e["id"]: e for e in record["entities"]}
        label_of = {s["id"]: s["text"] for s in spans}
        got = sorted((s["start_offset"] + shift, s["end_offset"] + shift, label_of[s["label"]]) for s in admin.spans(project["id"], ex["id"]))
        assert got == sorted((e["start"], e["end"], e["label"]) for e in record["entities"])
        span_at = {s["id"]: (s["start_offset"] + shift, s["end_offset"] + shift) for s in admin.spans(project["id"], ex["id"])}
        type_of = {r["id"]: r["text"] for r in rels}
        got_rels = sorted((span_at[r["from_id"]], span_at[r["to_id"]], type_of[r["type"]]) for r in admin.relations(project["id"], ex["id"]))
        want_rels = sorted(((by_id[r["head"]]["start"], by_id[r["head"]]["end"]), (by_id[r["tail"]]["start"], by_id[r["tail"]]["end"]), r["type"])
                           for r in record["relations"])
        assert got_rels == want_rels
        assert ex["meta"]["zxie_model"] == extractor.model_name
    scores = [ex["score"] for ex in examples]
    assert scores == sorted(scores, reverse=True)  # least sure first
    assert {ex["meta"]["zxie_id"]: ex["score"] for ex in examples} == pytest.approx(expected_u)
    assert all(0.0 <= s <= 1.0 for s in scores)

    again = push_documents([docs], "model-loop", model=tiny_model, client=admin)
    assert again.created == [] and sorted(again.skipped) == sorted(d["id"] for d in gold_docs)
    assert len(list(admin.examples(project["id"]))) == len(gold_docs)


# --- an annotator's work, pulled back --------------------------------------------------
def _free_window(rec: dict, tail_labels: set[str]) -> tuple[int, int, int]:
    """(start, end, tail entity id): two uncovered CJK characters in a sentence with an entity whose
    label LOCATED_IN accepts as tail, and no relation crossing."""
    text, ents = rec["text"], rec["entities"]
    covered = set()
    for e in ents:
        covered.update(range(e["start_offset"], e["end_offset"]))
    for s0, s1 in sentence_spans(text):
        tails = [e for e in ents if s0 <= e["start_offset"] < s1 and e["label"] in tail_labels]
        if not tails:
            continue
        for i in range(s0, s1 - 1):
            if i not in covered and i + 1 not in covered and all("\u4e00" <= c <= "\u9fff" for c in text[i:i + 2]):
                return i, i + 2, tails[0]["id"]
    raise AssertionError("no free window in the fixture document")


def _annotator(admin, pid: int) -> Doccano:
    try:
        user = admin.post("users/create", {"username": ANNOTATOR, "password1": ANNOTATOR_PW, "password2": ANNOTATOR_PW,
                                           "email": f"{ANNOTATOR}@example.org"})
        uid = user["id"]
    except Exception:
        uid = next(m["user"] for m in admin.members(pid) if m["username"] == ANNOTATOR)
    roles = {r["name"]: r["id"] for r in admin.get("roles")}
    if not any(m["username"] == ANNOTATOR for m in admin.members(pid)):
        admin.post(f"projects/{pid}/members", {"user": uid, "role": roles["annotator"]})
    return Doccano(admin.url, ANNOTATOR, ANNOTATOR_PW)


@pytest.fixture(scope="module")
def edited(doccano, admin, gold_docs, tmp_path_factory):
    """Gold documents pushed with their own annotations; the annotator then deletes, changes and adds
    spans and relations on the first and marks it done; the second stays untouched and not done.
    Returns (project, the expected record after the edits, the pushed records)."""
    root = tmp_path_factory.mktemp("edit")
    write_records(root / "pushed.jsonl", gold_docs)
    result = push_documents([root / "pushed.jsonl"], "edit", pre_annotate="input", client=admin)
    assert sorted(result.created) == sorted(d["id"] for d in gold_docs), result.failed
    project = admin.project("edit")
    pid = project["id"]
    ann = _annotator(admin, pid)
    span_type = {s["text"]: s["id"] for s in ann.span_types(pid)}
    rel_type = {r["text"]: r["id"] for r in ann.relation_types(pid)}
    target = gold_docs[0]
    ex = next(e for e in ann.examples(pid) if e["meta"]["zxie_id"] == target["id"])
    shift = _lead(target["text"])
    assert shift == len(LEAD) and ex["text"] == target["text"].strip()
    # the annotator works on doccano's (stripped) text: its offsets are the record's minus the lead
    spans = {(s["start_offset"] + shift, s["end_offset"] + shift): s for s in ann.spans(pid, ex["id"])}
    expected = copy.deepcopy(target)
    ents = {e["id"]: e for e in expected["entities"]}
    in_rel = {r["from_id"] for r in expected["relations"]} | {r["to_id"] for r in expected["relations"]}

    # 1. delete a relation
    gone = expected["relations"][0]
    doc_rels = ann.relations(pid, ex["id"])
    key = lambda e: (e["start_offset"], e["end_offset"])  # noqa: E731
    victim = next(r for r in doc_rels if r["from_id"] == spans[key(ents[gone["from_id"]])]["id"]
                  and r["to_id"] == spans[key(ents[gone["to_id"]])]["id"])
    ann.request("DELETE", f"projects/{pid}/examples/{ex['id']}/relations/{victim['id']}")
    expected["relations"].remove(gone)
    # 2. delete a span that is in no relation
    free = [e for e in expected["entities"] if e["id"] not in in_rel and e["label"] != "METRIC"]
    dropped, changed = free[0], free[1]
    ann.request("DELETE", f"projects/{pid}/examples/{ex['id']}/spans/{spans[key(dropped)]['id']}")
    expected["entities"].remove(dropped)
    # 3. change another span's label
    new_label = "PLACE" if changed["label"] != "PLACE" else "ORG"
    ann.request("PATCH", f"projects/{pid}/examples/{ex['id']}/spans/{spans[key(changed)]['id']}",
                json={"label": span_type[new_label]})
    changed["label"] = new_label
    # 4. add a span and a relation from it
    s, e, tail_id = _free_window(expected, set(load_schema().tails["LOCATED_IN"]))
    added = ann.add_span(pid, ex["id"], span_type["PLACE"], s - shift, e - shift)
    ann.add_relation(pid, ex["id"], rel_type["LOCATED_IN"], added["id"], spans[key(ents[tail_id])]["id"])
    new_id = max(ents) + 1
    expected["entities"].append({"id": new_id, "label": "PLACE", "start_offset": s, "end_offset": e})
    expected["relations"].append({"id": 999, "from_id": new_id, "to_id": tail_id, "type": "LOCATED_IN"})
    ann.toggle_done(pid, ex["id"])
    return project, expected, gold_docs


def test_pull_gives_what_the_annotator_did(edited, admin, tmp_path):
    project, expected, pushed = edited
    out = tmp_path / "pulled.jsonl"
    result = pull_project("edit", out, client=admin)
    records = [r.data for r in read_records(out)]
    assert [r["id"] for r in records] == [expected["id"]]  # the untouched document is not done
    got = records[0]
    assert got["text"] == expected["text"]
    assert annotations_of(got) == annotations_of(expected)
    assert annotations_of(got) != annotations_of(pushed[0])
    assert got["meta"]["annotator"] == ANNOTATOR
    assert got["meta"]["split"] == pushed[0]["meta"]["split"]
    metrics = {(e["start_offset"], e["end_offset"]): e.get("norm") for e in got["entities"] if e["label"] == "METRIC"}
    assert metrics == {(e["start_offset"], e["end_offset"]): e["norm"] for e in expected["entities"] if e["label"] == "METRIC"}
    assert validate_files([out]) == []
    assert result.invalid == [] and result.merged.added == [expected["id"]]

    everything = tmp_path / "all.jsonl"
    pull_project("edit", everything, only_done=False, client=admin)
    untouched = [r.data for r in read_records(everything)][1]
    assert annotations_of(untouched) == annotations_of(pushed[1]) and "annotator" not in untouched["meta"]


def test_pulled_file_round_trips_into_doccano_unchanged(edited, admin, tmp_path):
    out = tmp_path / "pulled.jsonl"
    pull_project("edit", out, client=admin)
    pid = admin.project("edit")["id"]

    def snapshot():
        return {ex["meta"]["zxie_id"]: (ex["text"], sorted((s["start_offset"], s["end_offset"], s["label"]) for s in admin.spans(pid, ex["id"])),
                                          len(admin.relations(pid, ex["id"])))
                for ex in admin.examples(pid)}

    before = snapshot()
    again = push_documents([out], "edit", pre_annotate="input", client=admin)
    assert again.created == [] and again.skipped == [json.loads(out.read_text())["id"]]
    assert snapshot() == before

    copy_result = push_documents([out], "edit-copy", pre_annotate="input", client=admin)
    assert copy_result.created and not copy_result.failed
    back = tmp_path / "back.jsonl"
    pull_project("edit-copy", back, only_done=False, client=admin)
    first, second = [r.data for r in read_records(out)], [r.data for r in read_records(back)]
    assert [(r["id"], r["text"], r["entities"], r["relations"]) for r in first] == \
           [(r["id"], r["text"], r["entities"], r["relations"]) for r in second]


def test_merge_reports_conflicts_and_keeps_the_file(edited, admin, tmp_path):
    project, expected, pushed = edited
    gold = tmp_path / "gold.jsonl"
    # the gold file holds both documents as pushed; someone edits the first one locally too
    local = copy.deepcopy(pushed)
    local[0]["entities"] = [e for e in local[0]["entities"] if e["label"] != "METRIC" or
                            any(r["from_id"] == e["id"] or r["to_id"] == e["id"] for r in local[0]["relations"])]
    removed = len(pushed[0]["entities"]) - len(local[0]["entities"])
    assert removed > 0
    write_records(gold, local)
    result = _cli("annotate", "pull", "--project", "edit", "-o", str(gold))
    assert result.exit_code == 2
    assert f"conflict: {expected['id']}" in result.stderr
    kept = [r.data for r in read_records(gold)]
    assert kept == local  # nothing overwritten
    conflicts = [r.data for r in read_records(tmp_path / "gold.conflicts.jsonl")]
    assert annotations_of(conflicts[0]) == annotations_of(expected)

    # the file unchanged since the push: doccano's version is taken
    write_records(gold, pushed)
    result = _cli("annotate", "pull", "--project", "edit", "-o", str(gold))
    assert result.exit_code == 0, result.output
    merged = [r.data for r in read_records(gold)]
    assert annotations_of(merged[0]) == annotations_of(expected) and merged[1] == pushed[1]
    assert not (tmp_path / "gold.conflicts.jsonl").exists()


def test_pull_leaves_out_and_names_a_document_that_does_not_validate(doccano, admin, gold_docs, tmp_path):
    write_records(tmp_path / "d.jsonl", [{"id": "bad-doc", "text": "区委书记刘浩到崇川区政协调研。"}])
    push_documents([tmp_path / "d.jsonl"], "invalid", pre_annotate="none", client=admin)
    pid = admin.project("invalid")["id"]
    ex = next(iter(admin.examples(pid)))
    types = {s["text"]: s["id"] for s in admin.span_types(pid)}
    admin.add_span(pid, ex["id"], types["PERSON"], 4, 7)  # "刘浩到": fine
    admin.add_span(pid, ex["id"], types["REGION"], 7, 15)  # "崇川区政协调研。" ends with punctuation
    admin.toggle_done(pid, ex["id"])
    out = tmp_path / "gold.jsonl"
    write_records(out, [gold_docs[1]])
    result = _cli("annotate", "pull", "--project", "invalid", "-o", str(out))
    assert result.exit_code == 2
    assert "bad-doc" in result.stderr and "punctuation" in result.stderr
    assert [r.data for r in read_records(out)] == [gold_docs[1]]


def test_push_takes_a_gb18030_file_with_its_notice_not_as_a_failure(doccano, admin, tmp_path):
    (tmp_path / "gbk.txt").write_bytes("区政协召开常委会会议。".encode("gb18030"))
    result = push_documents([tmp_path / "gbk.txt"], "gbk", pre_annotate="none", client=admin)
    assert (result.created, result.failed) == (["gbk"], [])
    pid = admin.project("gbk")["id"]
    assert [ex["text"] for ex in admin.examples(pid)] == ["区政协召开常委会会议。"]


def test_pull_into_a_broken_file_is_one_error(doccano, tmp_path):
    out = tmp_path / "broken.jsonl"
    out.write_text("{not json\n", encoding="utf-8")
    line = _one_line_error(_cli("annotate", "pull", "--project", "edit", "-o", str(out)))
    assert "cannot merge into" in line and out.read_text(encoding="utf-8") == "{not json\n"


# --- failure modes: one clear line, exit code != 0 ----------------------------------------
def _one_line_error(result) -> str:
    assert result.exit_code != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def test_server_down(doccano, tmp_path):
    env = {"DOCCANO_URL": f"http://127.0.0.1:{_free_port()}", "DOCCANO_USERNAME": "admin", "DOCCANO_PASSWORD": "x"}
    line = _one_line_error(_cli("annotate", "pull", "--project", "edit", "-o", str(tmp_path / "o.jsonl"), env=env))
    assert "not reachable" in line


def test_wrong_credentials(doccano, tmp_path):
    env = {"DOCCANO_URL": doccano["url"], "DOCCANO_USERNAME": "admin", "DOCCANO_PASSWORD": "wrong-password"}
    line = _one_line_error(_cli("annotate", "pull", "--project", "edit", "-o", str(tmp_path / "o.jsonl"), env=env))
    assert "rejected the credentials" in line and "wrong-password" not in line


def test_missing_project(doccano, tmp_path):
    line = _one_line_error(_cli("annotate", "pull", "--project", "no-such-project", "-o", str(tmp_path / "o.jsonl")))
    assert "no doccano project named 'no-such-project'" in line
    assert not (tmp_path / "o.jsonl").exists()


def test_label_set_not_the_schema(doccano, admin, tmp_path, gold_docs):
    project = admin.create_project("foreign-labels", "labels that are not zxie's")
    admin.create_span_type(project["id"], {"text": "FOO", "background_color": "#123456", "text_color": "#ffffff"})
    write_records(tmp_path / "d.jsonl", [{"id": "x", "text": gold_docs[0]["text"]}])
    line = _one_line_error(_cli("annotate", "push", "--project", "foreign-labels", "--pre-annotate", "none", str(tmp_path / "d.jsonl")))
    assert "do not match the schema" in line and "FOO" in line
    line = _one_line_error(_cli("annotate", "pull", "--project", "foreign-labels", "-o", str(tmp_path / "o.jsonl")))
    assert "do not match the schema" in line
    assert list(admin.examples(project["id"])) == []


def test_cli_start_and_stop_end_only_their_own_processes(doccano, tmp_path):
    env = {"ZXIE_STATE_DIR": str(tmp_path / "second")}
    busy = _cli("annotate", "server", "start", "--port", doccano["url"].rsplit(":", 1)[1], env=env)
    assert "is in use" in _one_line_error(busy)
    started = _cli("annotate", "server", "start", "--port", str(_free_port()), env=env)
    assert started.exit_code == 0 and "doccano is running at http://127.0.0.1:" in started.stdout, started.output
    creds = json.loads((tmp_path / "second" / "credentials.json").read_text())
    assert creds["password"] not in started.output
    pids = set(server.status(tmp_path / "second")["pids"].values())
    assert len(pids) == 2 and _group_members(pids)
    stopped = _cli("annotate", "server", "stop", env=env)
    assert stopped.exit_code == 0 and "stopped 2" in stopped.stdout
    assert _group_members(pids) == []
    assert _cli("annotate", "server", "status", env=env).exit_code == 1
    assert server.status(doccano["state"])["healthy"]  # the other server was not touched


def test_a_crashed_server_part_is_reported_with_its_last_log_line(tmp_path):
    from zxie.annotate.server import _last_line

    log = tmp_path / "doccano-task.log"
    log.write_text("starting\nTraceback (most recent call last):\n  ...\nOperationalError: database is locked\n\n")
    assert _last_line(str(log)) == "OperationalError: database is locked"
    assert _last_line(str(tmp_path / "missing.log")) == "(no log)"
