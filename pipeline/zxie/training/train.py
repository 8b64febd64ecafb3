"""Build a complete zxie pipeline from the repository: segmenter, vectors, NER, relations, norms.

    train_pipeline(TrainSettings(...))

1. when the config's tokenizer uses word features (`words = true`), the segmentation model
   (spacy-pkuseg, trained on the public CWS corpora plus the gold train split cut at entity
   boundaries), unless an existing one is given;
2. static character vectors from raw text (public corpora + gold train split);
3. DocBins of the gold corpus per split, plus mention-replacement copies of the train sentences,
   and of the general corpora (../shared/datasets/ner, their held-out tenth left out) for the
   config's auxiliary heads (`zxie_aux_ner` components, pipeline/zxie/components/aux_ner.py);
4. `spacy train` of configs/ner.cfg with fixed seeds, once per ensemble member (seeds seed,
   seed + 1, …, each with its own mention-replacement and general-corpus draw); the auxiliary
   heads are removed and the members joined into one tagger ensemble
   (pipeline/zxie/training/ensemble.py);
5. the relation classifier fitted on the gold train split, and the norm component;
6. a model directory whose meta records the training-data hash and the scores per split.

With `lexicon = true` in the config's tokenizer, the lexicon of its `lexicon_sources` is built first
(pipeline/zxie/training/lexicon.py) and handed to the tokenizer (`paths.lexicon`); it is saved in
the model directory, and the meta records its sources, sizes and input hashes.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

import spacy
from spacy.tokens import DocBin
from spacy.util import load_config

from zxie import __version__
from zxie.corpus.interchange import GOLD_FILES, read_corpus
from zxie.corpus.splits import SPLITS, select
from zxie.segmentation import Segmenter, gold_lines, read_cws, train_segmenter
from zxie.training.lexicon import write_lexicon


@dataclass
class TrainSettings:
    output: Path
    gold: Path | tuple[Path, ...] = GOLD_FILES  # one gold file or several
    datasets: Path = Path("../shared/datasets")
    config: Path = Path("configs/ner.cfg")
    segmenter: Path | None = None  # an existing segmentation model; trained when None
    segmenter_iterations: int = 10
    augment_copies: int = 0
    gold_repeat: int = 1
    # Splits the model learns from. With dev among them there is no held-out model selection:
    # the last step is kept (fix training.max_steps from a train-only run's best step).
    train_splits: tuple[str, ...] = ("train",)
    vectors: bool = True
    seed: int = 0
    # NER runs with seeds seed, seed + 1, ... joined into one tagger ensemble (pipeline/zxie/training/ensemble.py)
    members: int = 1
    name: str = "zxie_default"
    version: str = __version__
    overrides: dict = field(default_factory=dict)


def _plain(value):
    """A setting as JSON can hold it: paths as strings, also inside lists."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value) if isinstance(value, Path) else value


def _paths(gold: Path | tuple[Path, ...]) -> list[Path]:
    return [gold] if isinstance(gold, (str, Path)) else list(gold)


def file_hash(*paths: Path) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()


def build_segmenter(gold: Path, datasets: Path, out_dir: Path, iterations: int, log=print) -> dict:
    """Train the segmentation model: CWS corpora first, then again with the gold train split cut at
    entity boundaries (segmented by the first model)."""
    cws = [line for name in ("pku_test_gold.utf8", "msr_test_gold.utf8") for line in read_cws(datasets / "cws" / name)]
    log(f"segmenter: {len(cws)} CWS lines, first pass")
    first = out_dir.parent / (out_dir.name + ".cws-only")
    train_segmenter(cws, first, iterations=iterations)
    train_sections = list(select(read_corpus(gold), "train"))
    extra = list(gold_lines(train_sections, Segmenter(first)))
    log(f"segmenter: + {len(extra)} gold train sentences cut at entity boundaries, second pass")
    info = train_segmenter(cws + extra, out_dir, iterations=iterations)
    shutil.rmtree(first)
    return {**info, "cws_lines": len(cws), "gold_lines": len(extra)}


def raw_texts(gold: Path, datasets: Path) -> list[str]:
    """Unlabelled text for the character vectors: the CWS corpora, the general NER corpora without
    their held-out tenth (zxie.corpus.general) and the gold train split only."""
    from zxie.corpus.general import available_corpora, read_general

    texts = [line.replace(" ", "") for name in ("pku_test_gold.utf8", "msr_test_gold.utf8")
             for line in read_cws(datasets / "cws" / name)]
    texts += [text for name in available_corpora(datasets) for text, _ in read_general(datasets, name, part="train")]
    texts += [sec["text"] for sec in select(read_corpus(gold), "train")]
    return texts


def training_set_writer(nlp, s: TrainSettings, corpus: Path, records: list[dict], log=print):
    """What every NER run learns from, prepared once: the gold train splits (repeated), the
    sentences and replacement names for mention replacement. Returns `write(train_dir, seed) ->
    counts`, which writes one run's DocBins with the draws of `seed`."""
    from zxie.training.convert import sentence_sections, to_doc

    gold = DocBin(store_user_data=False)
    for split in s.train_splits:
        db = DocBin(store_user_data=False).from_disk(corpus / f"{split}.spacy")
        for _ in range(s.gold_repeat):
            for doc in db.get_docs(nlp.vocab):
                gold.add(doc)
    if s.augment_copies:
        from zxie.training.augment import augmented, name_pools

        sentences = [x for split in s.train_splits for x in sentence_sections(select(records, split))]
        pools = name_pools(sentences, s.datasets)

    def write(train_dir: Path, seed: int) -> dict:
        shutil.rmtree(train_dir, ignore_errors=True)
        train_dir.mkdir(parents=True)
        gold.to_disk(train_dir / "gold.spacy")
        counts = {}
        if s.augment_copies:
            aug = DocBin(store_user_data=False)
            for rec in augmented(sentences, pools, s.augment_copies, seed):
                aug.add(to_doc(nlp, rec))
            aug.to_disk(train_dir / "augmented.spacy")
            counts["augmented"] = len(aug)
            log(f"mention replacement: {len(aug)} augmented sentences")
        return counts

    return write


def auxiliary_heads(config) -> dict[str, str]:
    """{component: general corpus} of the config's auxiliary heads (zxie_aux_ner in its pipeline)."""
    components = config["components"]
    return {name: components[name]["spans_key"] for name in config["nlp"]["pipeline"]
            if components.get(name, {}).get("factory") == "zxie_aux_ner"}


def write_general_docs(nlp, heads: dict[str, str], datasets: Path, path: Path, log=print) -> dict:
    """The general corpora of the auxiliary heads as one DocBin (their held-out tenth left out);
    returns what the meta records: sentences per corpus and the sha256 of every file read."""
    from zxie.corpus.general import GENERAL_CORPORA, corpus_files, read_general
    from zxie.training.convert import general_docbin

    unknown = set(heads.values()) - set(GENERAL_CORPORA)
    if unknown:
        raise ValueError(f"auxiliary heads for unknown corpora {sorted(unknown)}; known: {sorted(GENERAL_CORPORA)}")
    corpora = sorted(set(heads.values()))
    counts = general_docbin(nlp, {name: read_general(datasets, name, part="train") for name in corpora}, path)
    log(f"general corpora for the auxiliary heads: {counts}")
    files = {str(p.relative_to(datasets)): file_hash(p) for name in corpora for p in corpus_files(datasets, name)}
    return {"heads": heads, "sentences": counts, "part": "train", "sha256": files}


def without_heads(path: Path, heads: dict[str, str], out: Path) -> Path:
    """A trained member without its auxiliary heads (they are for training only)."""
    nlp = spacy.load(path)
    for name in heads:
        nlp.remove_pipe(name)
    nlp.to_disk(out)
    return out


def train_pipeline(s: TrainSettings, log=print) -> Path:
    from spacy.cli.train import train as spacy_train

    from zxie.evaluation.evaluate import evaluate_nlp
    from zxie.training.convert import gold_docbins
    from zxie.training.ensemble import join_taggers
    from zxie.training.vectors import char_vectors, write_vectors_pipeline

    work = s.output.parent / (s.output.name + ".work")
    work.mkdir(parents=True, exist_ok=True)
    info: dict = {"settings": {k: _plain(v) for k, v in asdict(s).items()}}

    config = load_config(s.config, overrides=s.overrides)
    tokenizer_cfg = config["nlp"]["tokenizer"]
    words = tokenizer_cfg.get("words", True)  # does the NER read word features (needs a segmenter)?
    # lexicon features (pipeline/zxie/training/lexicon.py), built from the splits the model learns from
    lexicon_path = work / "lexicon.msgpack.gz"
    lexicon_info = write_lexicon(tokenizer_cfg, s.datasets, [x for split in s.train_splits for x in select(read_corpus(s.gold), split)],
                                 lexicon_path, log)
    if lexicon_info:
        info["lexicon"] = lexicon_info
    else:
        lexicon_path = None
    segmenter = s.segmenter if words else None
    if words and segmenter is None:
        segmenter = work / "segmenter"
        info["segmenter"] = build_segmenter(s.gold, s.datasets, segmenter, s.segmenter_iterations, log)

    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"@tokenizers": "zxie.ReportTokenizer.v1", "words": words}}})
    if segmenter:
        nlp.tokenizer.initialize(pkuseg_model=str(segmenter))
    corpus = work / "corpus"
    info["docs"] = gold_docbins(nlp, s.gold, corpus)
    overrides = {
        "paths.dev": str(corpus / "dev.spacy"),
        "paths.segmenter": str(segmenter) if segmenter else None,
        **({"paths.lexicon": str(lexicon_path)} if lexicon_path else {}),
        **s.overrides,
    }
    if s.vectors:  # one table for every member (a joined pipeline has one vocab)
        keys, vectors = char_vectors(raw_texts(s.gold, s.datasets), seed=s.seed)
        write_vectors_pipeline(keys, vectors, work / "vectors")
        overrides["paths.vectors"] = str(work / "vectors")
        overrides["components.tok2vec.model.embed.include_static_vectors"] = True
        log(f"character vectors: {len(keys)} characters × {vectors.shape[1]}")
    heads = auxiliary_heads(config)
    if heads:
        info["general"] = write_general_docs(nlp, heads, s.datasets, work / "general.spacy", log)
        info["general"]["general_sentences"] = config["corpora"]["train"]["general_sentences"]
        overrides["paths.general"] = str(work / "general.spacy")
    held_out_selection = "dev" not in s.train_splits
    records = read_corpus(s.gold)
    write_training_set = training_set_writer(nlp, s, corpus, records, log)
    members = []
    for k in range(s.members):
        seed = s.seed + k
        if s.members > 1:
            log(f"member {k + 1} of {s.members}: seed {seed}")
        train_dir = work / f"train-{k}"
        info["docs"].update(write_training_set(train_dir, seed))
        spacy_train(s.config, work / f"ner-{k}", overrides={**overrides, "paths.train": str(train_dir), "system.seed": seed})
        member = work / f"ner-{k}" / ("model-best" if held_out_selection else "model-last")
        members.append(without_heads(member, heads, work / f"ner-{k}" / "member") if heads else member)
    # one member too: its tok2vec then sits inside the ner, which predicts with its own fast, batch-invariant arithmetic
    nlp = join_taggers(members)
    nlp.add_pipe("zxie_norms")
    relations = nlp.add_pipe("zxie_relations")
    info["relations"] = relations.fit([x for split in s.train_splits for x in select(records, split)], seed=s.seed)
    nlp.meta.update(
        name=s.name,
        version=s.version,
        description="zxie: entities and relations from Chinese CPPCC and local-government reports",
        spacy_version=f">={spacy.about.__version__},<3.9.0",
    )
    nlp.meta["zxie"] = {
        "training_data": [str(g) for g in _paths(s.gold)],
        "training_data_sha256": file_hash(*_paths(s.gold)),
        "config_sha256": file_hash(s.config),
        **({"lexicon": info["lexicon"]} if lexicon_path else {}),
        **({"general_corpora": info["general"]} if heads else {}),
        "training": info,
        "trained_on": list(s.train_splits),
        "scores": {split: {**evaluate_nlp(nlp, list(select(records, split))), "in_training": split in s.train_splits}
                   for split in SPLITS},
    }
    if s.output.exists():
        shutil.rmtree(s.output)
    nlp.to_disk(s.output)
    return s.output
