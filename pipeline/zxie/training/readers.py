"""`zxie.TrainCorpus.v1`: the NER's training examples, our gold plus a sample of the general corpora.

    [corpora.train]
    @readers = "zxie.TrainCorpus.v1"
    path = ${paths.train}            # a .spacy file or a folder of them: gold, mention replacement
    general = ${paths.general}       # the general corpora's sentences (training/convert.py:general_docbin)
    general_sentences = 6000         # how many of them go in, drawn with `seed`
    seed = ${system.seed}

The general sentences teach the auxiliary heads (components/aux_ner.py) and, through them, the
shared tok2vec; `general_sentences` sets their weight against the gold (0: none).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from pathlib import Path

from spacy.tokens import DocBin
from spacy.training import Corpus, Example
from spacy.util import registry


@registry.readers("zxie.TrainCorpus.v1")
def create_train_corpus(path: Path, general: Path | None = None, general_sentences: int = 0, seed: int = 0,
                        max_length: int = 0) -> Callable[..., Iterator[Example]]:
    gold = Corpus(path, max_length=max_length)
    examples: list[Example] = []

    def read(nlp) -> Iterator[Example]:
        # made once: `spacy train` asks for the examples once per component it initializes
        if not examples:
            examples.extend(gold(nlp))
            if general_sentences > 0:
                if general is None:
                    raise ValueError("zxie.TrainCorpus.v1: general_sentences > 0 needs `general` (paths.general)")
                docs = list(DocBin().from_disk(general).get_docs(nlp.vocab))
                sample = random.Random(seed).sample(docs, min(general_sentences, len(docs)))
                examples.extend(Example(nlp.make_doc(doc.text), doc) for doc in sample)
        yield from examples

    return read
