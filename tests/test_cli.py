"""The `zxie` command line, as a user calls it."""

import json
import shutil
import subprocess
import sys

from typer.testing import CliRunner

from zxie.cli import app

runner = CliRunner()


def test_help_lists_commands():
    exe = shutil.which("zxie") or str(__import__("pathlib").Path(sys.executable).with_name("zxie"))
    out = subprocess.run([exe, "--help"], capture_output=True, text=True, check=True).stdout
    assert "annotations" in out
    out = runner.invoke(app, ["annotations", "--help"]).output
    for command in ("validate", "stats", "split", "render"):
        assert command in out


def test_validate_exit_codes(good_record, write_jsonl):
    ok = runner.invoke(app, ["annotations", "validate", str(write_jsonl([good_record]))])
    assert ok.exit_code == 0 and "valid" in ok.output
    good_record["entities"][0]["label"] = "BOSS"
    bad = runner.invoke(app, ["annotations", "validate", str(write_jsonl([good_record], "bad.jsonl"))])
    assert bad.exit_code == 1
    assert "bad.jsonl:1: fixture: entity 1: label 'BOSS' is not in the schema" in bad.output


def test_stats_split_and_render(good_record, write_jsonl):
    path = write_jsonl([good_record])
    out = runner.invoke(app, ["annotations", "stats", str(path), "--json"])
    counts = json.loads(out.output)
    assert counts["entities"]["PERSON"] == {"none": 1}
    assert counts["relations"]["HAS_TITLE"] == {"none": 1}
    assert "conflicts: 0" in runner.invoke(app, ["annotations", "stats", str(path), "--conflicts"]).output
    del good_record["entities"][2]  # 崇川区政协 unlabelled: its 崇川 is now a conflict
    text = runner.invoke(app, ["annotations", "stats", str(write_jsonl([good_record], "c.jsonl")), "--conflicts"]).output
    assert "conflicts: 1" in text and "崇川: REGION ×1, unlabelled ×1" in text
    shown = runner.invoke(app, ["annotations", "render", str(path)]).output
    assert "[区委书记]TITLE[刘浩]PERSON" in shown and "刘浩 -HAS_TITLE-> 区委书记" in shown
    split = runner.invoke(app, ["annotations", "split", str(path), "--section-chars", "5", "--dev", "0", "--test", "0"])
    assert split.exit_code == 0, split.output
    assert runner.invoke(app, ["annotations", "validate", str(path)]).exit_code == 0
