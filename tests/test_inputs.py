"""The input reader: .txt, folders, JSONL, stdin, and bad input as errors that do not stop a batch."""

import io
import json
import sys

from pipeline.inputs import Document, InputError, read_documents


def test_txt_folder_and_jsonl_in_order(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "b.txt").write_bytes("乙\r\n文".encode())
    (tmp_path / "d" / "a.txt").write_bytes("\ufeff甲文".encode())
    jl = tmp_path / "x.jsonl"
    jl.write_text(json.dumps({"id": 7, "text": "丙", "region": "钱塘"}, ensure_ascii=False) + "\n\n"
                  + json.dumps({"text": "丁"}, ensure_ascii=False) + "\n", encoding="utf-8")
    docs = list(read_documents([tmp_path / "d", jl]))
    assert [(d.id, d.text) for d in docs] == [("a", "甲文"), ("b", "乙\r\n文"), ("7", "丙"), ("x:3", "丁")]
    assert docs[2].meta == {"region": "钱塘"} and docs[2].source == f"{jl}:1"


def test_bad_inputs_become_errors_and_the_rest_goes_on(tmp_path):
    (tmp_path / "gbk.txt").write_bytes("政协".encode("gbk"))
    (tmp_path / "empty.txt").write_text("  \n", encoding="utf-8")
    (tmp_path / "ok.txt").write_text("区政协。", encoding="utf-8")
    jl = tmp_path / "in.jsonl"
    jl.write_text('{"id": "ok", "text": "重复"}\n{oops\n{"id": "n"}\n', encoding="utf-8")
    items = list(read_documents([tmp_path / "empty.txt", tmp_path / "gbk.txt", tmp_path / "ok.txt", jl, tmp_path / "nope.txt"]))
    kinds = [(i.id, i.error) if isinstance(i, InputError) else (i.id, "ok") for i in items]
    assert kinds == [("empty", "empty"), ("gbk", "decode"), ("ok", "ok"), ("ok", "duplicate-id"),
                     (None, "json"), ("n", "missing-text"), ("nope", "not-found")]
    assert items[4].source == f"{jl}:2" and "line 2" in items[4].message


def test_stdin(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO('{"id": "s", "text": "文"}\n'.encode())))
    assert [d for d in read_documents(["-"])] == [Document("s", "文", "<stdin>:1")]
