"""The input reader: .txt, folders, JSONL, stdin, and bad input as errors that do not stop a batch."""

import io
import json
import sys

from zxie.io.inputs import Document, InputError, read_documents


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
    (tmp_path / "gbk.txt").write_bytes("政协委员刘浩出席会议。".encode("gbk"))
    (tmp_path / "latin1.txt").write_bytes("Müller Straße".encode("latin-1"))  # not UTF-8, not Chinese
    (tmp_path / "bin.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (tmp_path / "empty.txt").write_text("  \n", encoding="utf-8")
    (tmp_path / "ok.txt").write_text("区政协。", encoding="utf-8")
    (tmp_path / "long.txt").write_text("区政协召开会议。" * 3, encoding="utf-8")
    jl = tmp_path / "in.jsonl"
    jl.write_text('{"id": "ok", "text": "重复"}\n{oops\n{"id": "n"}\n{"id": "t", "text": "区政协召开会议。区政协召开会议。区政协召开会议。"}\n',
                  encoding="utf-8")
    names = ["empty.txt", "gbk.txt", "latin1.txt", "bin.txt", "ok.txt", "long.txt"]
    items = list(read_documents([tmp_path / n for n in names] + [jl, tmp_path / "nope.txt"], max_chars=20))
    kinds = [(i.id, i.error) if isinstance(i, InputError) else (i.id, "ok") for i in items]
    assert kinds == [("empty", "empty"), ("gbk", "decoded-gb18030"), ("gbk", "ok"), ("latin1", "decode"), ("bin", "binary"),
                     ("ok", "ok"), ("long", "too-long"), ("ok", "duplicate-id"), (None, "json"), ("n", "missing-text"),
                     ("t", "too-long"), ("nope", "not-found")]
    assert items[1].notice and not items[0].notice
    assert items[2].text == "政协委员刘浩出席会议。" and items[2].meta == {"encoding": "gb18030"}
    assert items[8].source == f"{jl}:2" and "line 2" in items[8].message
    assert "24 characters, over the limit of 20" in items[6].message


def test_saved_dataset_input(tmp_path):
    import datasets

    ds = datasets.Dataset.from_dict({"doc": ["区政协召开会议。", " ", "刘浩出席。"], "key": ["a", "b", None], "region": ["崇川", "钱塘", "海门"]})
    ds.save_to_disk(str(tmp_path / "ds"))
    items = list(read_documents([tmp_path / "ds"], text_column="doc", id_column="key"))
    assert [(i.id, i.error if isinstance(i, InputError) else i.text) for i in items] == [
        ("a", "区政协召开会议。"), ("b", "empty"), ("ds:2", "刘浩出席。")]
    assert items[0].meta == {"region": "崇川"} and items[2].source == f"{tmp_path / 'ds'}:2"
    missing = list(read_documents([tmp_path / "ds"]))  # no column "text"
    assert len(missing) == 1 and missing[0].error == "missing-text" and "--text-column" in missing[0].message


def test_stdin(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO('{"id": "s", "text": "文"}\n'.encode())))
    assert [d for d in read_documents(["-"])] == [Document("s", "文", "<stdin>:1")]


def test_gb18030_jsonl_line_is_decoded_with_a_notice(tmp_path):
    jl = tmp_path / "g.jsonl"
    jl.write_bytes(json.dumps({"id": "g", "text": "区政协召开会议。"}, ensure_ascii=False).encode("gbk") + b"\n"
                   + b'{"id": "x", "text": "\xff\xfe\x00"}\n')
    items = list(read_documents([jl]))
    assert [(i.id, i.error if isinstance(i, InputError) else i.text) for i in items] == [
        ("g", "decoded-gb18030"), ("g", "区政协召开会议。"), (None, "json")]
    assert items[1].meta == {"encoding": "gb18030"} and "line 2" in items[2].message
