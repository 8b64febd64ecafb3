"""`zxie evaluate` and `zxie train-curve` with a real (tiny) model; the HTML report in headless Chromium."""

import json
import shutil
import subprocess
from html.parser import HTMLParser

import pytest
import spacy
from PIL import Image
from typer.testing import CliRunner

from zxie.cli import app
from zxie.corpus.interchange import read_records
from zxie.corpus.splits import select
from zxie.evaluation.evaluate import evaluate_model, evaluate_nlp
from zxie.batch.run import extract_paths

runner = CliRunner()

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
                  "--enable-logging=stderr", "--v=0"]


def run(*args):
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.stdout


def chromium(page, tmp_path, name):
    """Open a file in headless Chromium; returns (screenshot path, console messages)."""
    exe = shutil.which("chromium")
    assert exe, "chromium is not installed: scripts/test.sh installs it (apt-get install chromium)"
    shot = tmp_path / f"{name}.png"
    profile = tmp_path / f"profile-{name}"
    proc = subprocess.run([exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--window-size=1280,3000",
                           f"--screenshot={shot}", page.as_uri()], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]
    return shot, console


class Resources(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls, self.scripts, self.marks = [], 0, 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.urls += [attrs[k] for k in ("src", "href") if k in attrs]
        self.scripts += tag == "script"
        self.marks += tag == "mark"


@pytest.fixture(scope="module")
def test_sections(tiny_data):
    return list(select(list(read_records(tiny_data / "gold.jsonl")), "test"))


def test_evaluate_model_scores_and_relations_on_gold_entities(tiny_model, test_sections):
    nlp = spacy.load(tiny_model)
    full = evaluate_model(nlp, test_sections, samples=200, seed=3)
    quick = evaluate_nlp(nlp, test_sections)
    # the distinct-mention block is the training's score
    assert full["ner"]["f"] == quick["ner"]["f"] and full["relations"]["f"] == quick["relations"]["f"]
    assert full["metric_norm"] == quick["metric_norm"]
    assert full["relations_gold_entities"] is not None
    assert set(full["ner_views"]) == {"strict", "exact", "type", "partial"}
    # partial credit can only raise the score, and every view counts the same gold and predictions
    views = full["ner_views"]
    assert views["partial"]["micro"]["f"] >= views["strict"]["micro"]["f"]
    assert len({(v["counts"]["POS"], v["counts"]["ACT"]) for v in views.values()}) == 1
    lo, hi = full["confidence"]["ner.strict.f"]
    assert lo <= hi
    assert evaluate_model(nlp, test_sections, samples=200, seed=3)["confidence"] == full["confidence"]
    fp = sum(1 for e in full["errors"] if e["kind"] == "FP")
    fn = sum(1 for e in full["errors"] if e["kind"] == "FN")
    assert (fp, fn) == (full["ner"]["fp"], full["ner"]["fn"])


def test_cli_evaluate_table_json_pred_and_baselines(tiny_model, tiny_data, tmp_path):
    gold = tiny_data / "gold.jsonl"
    table = run("evaluate", "--model", tiny_model, gold, "--baseline", "jieba", "--baseline", "gazetteer", "--samples", "200")
    assert "NER partial F1 micro" in table and "baseline:jieba" in table and "baseline:gazetteer" in table
    assert "paired bootstrap" in table and "relations gold entities F1" in table
    data = json.loads(run("evaluate", "--model", tiny_model, gold, "--json", "--samples", "200"))
    model_scores = data["systems"][0]
    # records written by zxie extract on the same documents score like the model itself
    written, failed = extract_paths([gold], tmp_path / "pred.jsonl", model=tiny_model)
    assert failed == 0
    via_pred = json.loads(run("evaluate", "--pred", tmp_path / "pred.jsonl", gold, "--json", "--samples", "200"))["systems"][0]
    assert via_pred["missing_predictions"] == []
    assert via_pred["ner_views"]["type"]["counts"]["POS"] == model_scores["ner_views"]["type"]["counts"]["POS"]
    assert abs(via_pred["ner"]["f"] - model_scores["ner"]["f"]) < 0.05
    assert via_pred["relations_gold_entities"] is None
    # comparing a model with itself: no difference, p = 1
    same = json.loads(run("evaluate", "--compare", tiny_model, tiny_model, gold, "--json", "--samples", "200"))
    tests = same["comparisons"][0]["tests"]
    assert tests["ner.strict.f"]["difference"] == 0.0 and tests["ner.strict.f"]["p"] == 1.0
    assert "relations_gold_entities.f" in tests
    # errors
    listing = run("evaluate", "--model", tiny_model, gold, "--errors", "--samples", "0")
    assert listing.count("\n  FP ") + listing.count("\n  FN ") == model_scores["ner"]["fp"] + model_scores["ner"]["fn"]


def test_cli_evaluate_bad_input(tiny_data, tmp_path):
    gold = tiny_data / "gold.jsonl"
    result = runner.invoke(app, ["evaluate", "--model", str(tmp_path / "nothing"), str(gold)])
    assert result.exit_code == 1 and "nothing" in result.output
    result = runner.invoke(app, ["evaluate", "--baseline", "bert", str(gold)])
    assert result.exit_code == 1 and "unknown baseline" in result.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1}\nnot json\n', encoding="utf-8")
    result = runner.invoke(app, ["evaluate", "--baseline", "jieba", str(bad)])
    assert result.exit_code == 1 and "bad.jsonl:2" in result.output
    # a gold document that cannot be scored stops the evaluation, named; it is never left out quietly
    records = [json.loads(line) for line in gold.read_text(encoding="utf-8").splitlines()]
    broken = dict(records[-1], id="broken")
    broken["entities"] = [dict(broken["entities"][0], start_offset="x")]
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in [*records, broken]), encoding="utf-8")
    result = runner.invoke(app, ["evaluate", "--baseline", "jieba", "--split", "all", "--json", "--samples", "0", str(mixed)])
    assert result.exit_code == 1
    assert "broken" in result.output and "cannot be scored" in result.output


def test_train_curve_and_report_in_headless_chromium(tiny_model, tiny_data, tmp_path):
    out = tmp_path / "curve"
    run("train-curve", "-o", out, "--gold", tiny_data / "gold.jsonl", "--datasets", tiny_data / "datasets",
        "--segmenter", tiny_model.parent / "model.work" / "segmenter", "--fractions", "0.5,1", "--no-vectors",
        "--samples", "100", "--set", "training.max_steps=20", "--set", "training.eval_frequency=10",
        "--set", "components.tok2vec.model.encode.width=32", "--set", "components.tok2vec.model.encode.depth=1")
    curve = json.loads((out / "curve.json").read_text(encoding="utf-8"))
    points = curve["points"]
    assert [p["fraction"] for p in points] == [0.5, 1.0]
    assert 0 < points[0]["train_sentences"] < points[1]["train_sentences"]
    assert all(0 <= p["ner_f"] <= 1 and p["ner_f_ci"][0] <= p["ner_f_ci"][1] for p in points)
    assert Image.open(out / "curve.png").size[0] > 300
    assert not list(out.glob("model-*")) and not list(out.glob("gold-*"))  # cleaned up

    report = tmp_path / "report.html"
    run("evaluate", "--model", tiny_model, tiny_data / "gold.jsonl", "--baseline", "gazetteer", "--samples", "100",
        "--report", report, "--curve", out / "curve.json")
    page = report.read_text(encoding="utf-8")
    parsed = Resources()
    parsed.feed(page)
    assert parsed.scripts == 0 and parsed.marks > 0  # displaCy entity marks, no scripts
    assert parsed.urls and all(u.startswith("data:image/png;base64,") for u in parsed.urls)  # self-contained
    assert "Learning curve" in page and "Errors of" in page and "Paired comparisons" in page
    shot, console = chromium(report, tmp_path, "report")
    assert console == [], console
    image = Image.open(shot).convert("L")
    assert image.size == (1280, 3000)
    low, high = image.getextrema()
    assert high - low > 100  # something was drawn

    # the console check can fail: a page that logs an error is caught
    broken = tmp_path / "broken.html"
    broken.write_text("<html><body><script>console.error('report-check')</script></body></html>", encoding="utf-8")
    _, console = chromium(broken, tmp_path, "broken")
    assert any("report-check" in line for line in console)
