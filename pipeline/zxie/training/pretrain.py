"""Masked-character pretraining of the NER's tok2vec on raw text (`spacy pretrain`).

Uses the `[pretraining]` block of configs/ner.cfg, the same segmenter and character vectors as
training, and the unlabelled text of train.raw_texts (public corpora + gold train split); with
lexicon features in the config, the same lexicon (pipeline/zxie/training/lexicon.py).
"""

from __future__ import annotations

from pathlib import Path

import srsly
from spacy.training.pretrain import pretrain as spacy_pretrain
from spacy.util import load_config

from zxie.corpus.interchange import read_corpus
from zxie.corpus.splits import select
from zxie.training.lexicon import write_lexicon
from zxie.training.train import raw_texts
from zxie.training.vectors import char_vectors, write_vectors_pipeline


def pretrain_tok2vec(output: Path, segmenter: Path, gold: Path, datasets: Path, config: Path,
                     epochs: int | None = None, seed: int = 0) -> Path:
    """Write build artefacts and pretrained weights (model{N}.bin, model-last.bin) to `output`."""
    import zxie.tokenizer  # noqa: F401  (registers the tokenizer)

    output.mkdir(parents=True, exist_ok=True)
    texts = raw_texts(gold, datasets)
    srsly.write_jsonl(output / "raw.jsonl", ({"text": t} for t in texts if len(t) >= 2))
    keys, vectors = char_vectors(texts, seed=seed)
    write_vectors_pipeline(keys, vectors, output / "vectors")
    lexicon = write_lexicon(load_config(config)["nlp"]["tokenizer"], datasets, list(select(read_corpus(gold), "train")),
                            output / "lexicon.msgpack.gz")
    overrides = {
        **({"paths.lexicon": str(output / "lexicon.msgpack.gz")} if lexicon else {}),
        "paths.raw_text": str(output / "raw.jsonl"),
        "paths.segmenter": str(segmenter),
        "paths.vectors": str(output / "vectors"),
        "components.tok2vec.model.embed.include_static_vectors": True,
        "system.seed": seed,
    }
    if epochs:
        overrides["pretraining.max_epochs"] = epochs
    spacy_pretrain(load_config(config, overrides=overrides, interpolate=True), output, silent=False)
    return output / "model-last.bin"
