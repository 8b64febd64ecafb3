"""The public NER corpora read one way (zxie/corpus/general.py), their held-out tenth, the mapping to
our labels, and `zxie evaluate-general` (zxie/evaluation/general.py)."""

import json

import pytest
import spacy
from typer.testing import CliRunner

from tests.conftest import SHARED
from zxie.cli import app
from zxie.corpus.general import (EVALUATED_LABELS, GENERAL_CORPORA, CorpusFormatError, decode_tags, is_heldout,
                                 native_labels, read_file, read_general, to_our_labels)
from zxie.schema import load_schema

DATASETS = SHARED / "datasets"


def write(path, text, newline="\n"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.replace("\n", newline).encode("utf-8"))
    return path


def test_bio_with_tabs(tmp_path):
    path = write(tmp_path / "a.bio", "王\tB-PER\n小\tI-PER\n明\tI-PER\n在\tO\n北\tB-LOC\n京\tI-LOC\n\n"
                                     "新\tB-ORG\n华\tI-ORG\n社\tI-ORG\n")
    assert list(read_file(path)) == [("王小明在北京", [(0, 3, "PER"), (4, 6, "LOC")]),
                                     ("新华社", [(0, 3, "ORG")])]


def test_bio_with_spaces_and_several_blank_lines(tmp_path):
    path = write(tmp_path / "a.bio", "\n李 B-PER\n华 I-PER\n中 B-LOC\n国 I-LOC\n\n\n\n好 O\n")
    assert list(read_file(path)) == [("李华中国", [(0, 2, "PER"), (2, 4, "LOC")]), ("好", [])]


def test_bmes_with_crlf(tmp_path):
    text = "高\tB-NAME\n勇\tE-NAME\n：\tO\n董\tB-TITLE\n事\tM-TITLE\n长\tE-TITLE\n汉\tS-RACE\n\n张\tS-NAME\n"
    path = write(tmp_path / "a.bmes", text, newline="\r\n")
    assert b"\r\n" in path.read_bytes()
    assert list(read_file(path)) == [("高勇：董事长汉", [(0, 2, "NAME"), (3, 6, "TITLE"), (6, 7, "RACE")]),
                                     ("张", [(0, 1, "NAME")])]


def test_tag_sequences():
    assert decode_tags(["B-PER", "I-PER", "B-PER"]) == [(0, 2, "PER"), (2, 3, "PER")]  # B starts a new one
    assert decode_tags(["O", "I-LOC", "I-LOC", "I-ORG"]) == [(1, 3, "LOC"), (3, 4, "ORG")]  # as conlleval
    assert decode_tags(["B-X", "E-X", "E-X"]) == [(0, 2, "X"), (2, 3, "X")]  # E closes
    assert decode_tags(["S-X", "M-X"]) == [(0, 1, "X"), (1, 2, "X")]
    with pytest.raises(CorpusFormatError):
        decode_tags(["B_PER"])


def test_malformed_line_named(tmp_path):
    path = write(tmp_path / "a.bio", "王\tB-PER\nX\n")
    with pytest.raises(CorpusFormatError, match=r"a\.bio:2"):
        list(read_file(path))


def test_cluener_inclusive_ends(tmp_path):
    record = {"text": "浙商银行企业信贷部叶老桂博士则从另一个角度。叶老桂认为",
              "label": {"name": {"叶老桂": [[9, 11], [22, 24]]}, "company": {"浙商银行": [[0, 3]]},
                        "position": {"博士": [[12, 13]]}}}
    path = write(tmp_path / "c.jsonl", json.dumps(record, ensure_ascii=False) + "\n")
    [(text, spans)] = list(read_file(path))
    assert spans == [(0, 4, "company"), (9, 12, "name"), (12, 14, "position"), (22, 25, "name")]
    assert [text[s:e] for s, e, _ in spans] == ["浙商银行", "叶老桂", "博士", "叶老桂"]
    record["label"]["name"]["叶老桂"][0] = [9, 12]  # an end that does not give the surface
    write(path, json.dumps(record, ensure_ascii=False) + "\n")
    with pytest.raises(CorpusFormatError, match="not '叶老桂'"):
        list(read_file(path))


def test_read_general_parts(tmp_path):
    texts = [f"张{i}号在北京" for i in range(60)]
    held = [t for t in texts if is_heldout(t)]
    assert 0 < len(held) < len(texts)
    write(tmp_path / "ner" / "msra_dev.bio", "".join("".join(f"{c}\tO\n" for c in t) + "\n" for t in texts))
    assert [t for t, _ in read_general(tmp_path, "msra", "heldout")] == held
    assert [t for t, _ in read_general(tmp_path, "msra", "train")] == [t for t in texts if t not in held]
    assert len(list(read_general(tmp_path, "msra", "all"))) == 60
    with pytest.raises(ValueError, match="part"):
        list(read_general(tmp_path, "msra", "test"))
    with pytest.raises(FileNotFoundError, match="resume"):
        list(read_general(tmp_path, "resume"))


def test_heldout_is_a_hash_of_the_text():
    import hashlib

    for text in ("王小明在北京", "", "新华社", "叶老桂认为"):
        assert is_heldout(text) == (int(hashlib.sha256(text.encode("utf-8")).hexdigest(), 16) % 10 == 0)


@pytest.mark.skipif(not (DATASETS / "ner").is_dir(), reason="no ../shared/datasets")
@pytest.mark.parametrize("name", list(GENERAL_CORPORA))
def test_real_files_split_a_tenth(name):
    everything = list(read_general(DATASETS, name, "all"))
    held = [t for t, _ in read_general(DATASETS, name, "heldout")]
    train = [t for t, _ in read_general(DATASETS, name, "train")]
    assert len(held) + len(train) == len(everything)
    assert not set(held) & set(train)  # duplicates of a sentence fall on one side
    assert 0.08 < len(held) / len(everything) < 0.12
    assert held == [t for t, _ in read_general(DATASETS, name, "heldout")]  # deterministic
    labels = {lab for _, spans in everything for _, _, lab in spans}
    assert labels <= set(native_labels(name))
    for text, spans in everything[:500]:
        assert all(0 <= s < e <= len(text) for s, e, _ in spans)


def test_evaluated_labels_are_ours():
    ours = set(load_schema().entity_labels)
    assert set(EVALUATED_LABELS) == set(GENERAL_CORPORA)
    for labels in EVALUATED_LABELS.values():
        assert set(labels) <= ours


def test_mapping_msra_and_weibo():
    text = "江主席和邓小平理论，王小明在北京"
    spans = [(0, 1, "PER"), (4, 7, "PER"), (10, 13, "PER"), (14, 16, "LOC")]
    # a bare surname and a name inside a doctrine are no PERSON; LOC is not scored
    assert to_our_labels("msra", spans, text) == [(10, 13, "PERSON")]
    text = "江小姐和妈妈去上海看张三"
    spans = [(0, 3, "PER.NAM"), (4, 6, "PER.NOM"), (7, 9, "GPE.NAM"), (10, 12, "PER.NAM")]
    assert to_our_labels("weibo", spans, text) == [(7, 9, "REGION"), (10, 12, "PERSON")]


def test_mapping_resume():
    text = "刘先生，中共党员，现任本公司董事长、昆明市财政局科长、泰盛制药总经理"
    spans = [(0, 1, "NAME"), (4, 8, "TITLE"), (11, 14, "ORG"), (14, 17, "TITLE"), (18, 24, "ORG"),
             (24, 26, "TITLE"), (27, 31, "ORG"), (31, 34, "TITLE")]
    assert to_our_labels("resume", spans, text) == [(14, 17, "TITLE"), (24, 26, "TITLE"), (27, 31, "ORG"),
                                                    (31, 34, "TITLE")]


def test_mapping_cluener():
    text = "广州市委常委、常务副市长苏泽说，记者表示，美军和农业部、央视、英超、曼联"
    spans = [(0, 6, "position"), (7, 12, "position"), (12, 14, "name"), (16, 18, "position"), (21, 23, "government"),
             (24, 27, "organization"), (28, 30, "government"), (31, 33, "organization"), (34, 36, "organization")]
    assert to_our_labels("cluener", spans, text) == [
        (0, 6, "TITLE"), (7, 12, "TITLE"), (12, 14, "PERSON"),  # a run of titles before a name; 记者 alone is generic
        (24, 27, "COMMITTEE"), (28, 30, "ORG"), (34, 36, "ORG")]  # 美军 and the league 英超 unscored


# --- evaluation -------------------------------------------------------------------------------------

MSRA = ("王\tB-PER\n小\tI-PER\n明\tI-PER\n在\tO\n北\tB-LOC\n京\tI-LOC\n\n"
        "李\tB-PER\n华\tI-PER\n和\tO\n张\tB-PER\n三\tI-PER\n见\tO\n面\tO\n")


@pytest.fixture
def tiny_general(tmp_path):
    """A datasets folder with two MSRA sentences, and a real pipeline (an EntityRuler) that finds
    王小明 and 张三 right, 李华和 with a wrong edge, 北京 as a PERSON and 见面 as an ORG."""
    write(tmp_path / "datasets" / "ner" / "msra_dev.bio", MSRA)
    nlp = spacy.blank("zh")
    nlp.add_pipe("entity_ruler").add_patterns([{"label": "PERSON", "pattern": p} for p in ("王小明", "张三", "李华和", "北京")]
                                              + [{"label": "ORG", "pattern": "见面"}])
    nlp.to_disk(tmp_path / "model")
    return tmp_path / "datasets", nlp, tmp_path / "model"


def test_scores_by_hand(tiny_general):
    from zxie.evaluation.general import evaluate_general

    datasets, nlp, _ = tiny_general
    result = evaluate_general([("ruler", nlp)], datasets, ["msra"], part="all")
    entry = result["corpora"]["msra"]
    assert entry["documents"] == 2 and entry["labels"] == ["PERSON"]
    person = entry["scores"]["ruler"]["per_label"]["PERSON"]
    # gold 王小明, 李华, 张三; predicted 王小明 and 张三 (TP), 李华和 and 北京 (FP); 李华 missed (FN);
    # 见面 is an ORG, not scored on MSRA
    assert (person["gold"], person["tp"], person["fp"], person["fn"]) == (3, 2, 2, 1)
    assert (person["p"], person["r"], person["f"]) == (0.5, 0.6667, 0.5714)  # 2/4, 2/3, 2·P·R/(P+R) = 4/7
    assert entry["scores"]["ruler"]["micro"] == person


def test_micro_over_several_labels():
    from zxie.evaluation.general import score

    docs = [{"text": "", "gold": {(0, 2, "PERSON"), (3, 5, "TITLE")}}, {"text": "", "gold": {(0, 3, "TITLE")}}]
    preds = [{(0, 2, "PERSON"), (3, 6, "TITLE"), (7, 9, "ORG")}, {(0, 3, "TITLE"), (4, 6, "PERSON")}]
    s = score(docs, preds, ["PERSON", "TITLE"])
    assert s["per_label"]["PERSON"] == {"gold": 1, "tp": 1, "fp": 1, "fn": 0, "p": 0.5, "r": 1.0, "f": 0.6667}
    assert s["per_label"]["TITLE"] == {"gold": 2, "tp": 1, "fp": 1, "fn": 1, "p": 0.5, "r": 0.5, "f": 0.5}
    assert s["micro"] == {"gold": 3, "tp": 2, "fp": 2, "fn": 1, "p": 0.5, "r": 0.6667, "f": 0.5714}  # ORG not scored


def test_cli(tiny_general, tmp_path):
    datasets, _, model = tiny_general
    runner = CliRunner()
    out = tmp_path / "scores.json"
    run = runner.invoke(app, ["evaluate-general", str(model), "--datasets", str(datasets), "--part", "all", "--json", str(out)])
    assert run.exit_code == 0, run.output
    row = next(line for line in run.output.splitlines() if line.startswith("msra") and "PERSON" in line)
    assert row.split() == ["msra", "PERSON", "3", "|", "0.500", "0.667", "0.571"]
    scores = json.loads(out.read_text(encoding="utf-8"))
    assert scores["corpora"]["msra"]["scores"][str(model)]["micro"]["f"] == 0.5714
    assert scores["corpora"]["msra"]["missing_files"] == ["ner/msra_train_sample.bio", "ner/msra_bakeoff_test.bio"]
    assert list(scores["corpora"]) == ["msra"]  # the only corpus with files there
    bad = runner.invoke(app, ["evaluate-general", str(model), "--datasets", str(datasets), "--corpus", "resume"])
    assert bad.exit_code == 1 and "no files of resume" in bad.output
    bad = runner.invoke(app, ["evaluate-general", str(model), "--datasets", str(datasets), "--corpus", "ontonotes"])
    assert bad.exit_code == 1 and "unknown corpus 'ontonotes'" in bad.output
    bad = runner.invoke(app, ["evaluate-general", str(tmp_path / "nothing"), "--datasets", str(datasets)])
    assert bad.exit_code == 1 and "cannot load the model" in bad.output


# --- training code reads only the train part ----------------------------------------------------------

def test_training_code_never_reads_the_heldout_tenth(tmp_path):
    from zxie.training.augment import name_pools
    from zxie.training.lexicon import corpus_mentions
    from zxie.training.train import raw_texts

    names = [a + b + c for a in "赵钱孙李" for b in "明华国强" for c in "东西南北"]
    held = [n for n in names if is_heldout(f"{n}在北京")]
    seen = [n for n in names if not is_heldout(f"{n}在北京")]
    assert held and seen
    bio = "".join(f"{n[0]}\tB-PER\n{n[1]}\tI-PER\n{n[2]}\tI-PER\n在\tO\n北\tB-LOC\n京\tI-LOC\n\n" for n in names)
    write(tmp_path / "ner" / "msra_dev.bio", bio)
    write(tmp_path / "ner" / "cluener_train.jsonl", "".join(
        json.dumps({"text": f"{n}在北京", "label": {"name": {n: [[0, 2]]}}}, ensure_ascii=False) + "\n" for n in names))
    for name in ("pku_training_words.utf8", "msr_training_words.utf8", "pku_test_gold.utf8", "msr_test_gold.utf8"):
        write(tmp_path / "cws" / name, "")
    write(tmp_path / "gold.jsonl", "")
    pools = name_pools([], tmp_path)
    mentions = corpus_mentions(tmp_path, [])
    assert set(pools["PERSON"]) == set(seen)
    assert set(mentions["PERSON"]) == set(seen) and all(mentions["PERSON"][n] == 2 for n in seen)  # MSRA + CLUENER
    assert {t[:3] for t in raw_texts(tmp_path / "gold.jsonl", tmp_path)} == set(seen)  # the vectors' raw text
