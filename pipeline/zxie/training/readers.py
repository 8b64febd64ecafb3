"""`zxie.TrainCorpus.v1`: the NER's training examples, our gold plus a sample of the general corpora.

    [corpora.train]
    @readers = "zxie.TrainCorpus.v1"
    path = ${paths.train}            # a .spacy file or a folder of them: gold, mention replacement
    general = ${paths.general}       # the general corpora's sentences (training/convert.py:general_docbin)
    general_sentences = 6000         # how many of them go in, drawn with `seed`
    seed = ${system.seed}
    teacher = ${paths.teacher}       # a trained zxie model to distil (null: none)
    teacher_weight = 0.5

The general sentences teach the auxiliary heads (components/aux_ner.py) and, through them, the
shared tok2vec; `general_sentences` sets their weight against the gold (0: none).

With a `teacher`, every example also gets soft targets for the NER (distillation): the teacher's
`ner` tag probabilities, mixed with the gold one-hot tags as teacher_weight × teacher +
(1 − teacher_weight) × gold where the token has a gold tag, the teacher's alone where it has none
(the general sentences, which have no gold in our labels). `zxie_tag_ner` then learns from those
(TagNER.soft_targets); the auxiliary heads still learn from their corpora's gold. This is how one
network learns what an ensemble of several predicts (`zxie train --teacher`).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
from spacy.tokens import DocBin
from spacy.training import Corpus, Example
from spacy.util import registry
from tqdm import tqdm

from zxie.components.tag_ner import SOFT_TARGETS


@registry.readers("zxie.TrainCorpus.v1")
def create_train_corpus(path: Path, general: Path | None = None, general_sentences: int = 0, seed: int = 0,
                        max_length: int = 0, teacher: Path | None = None,
                        teacher_weight: float = 0.5) -> Callable[..., Iterator[Example]]:
    if not 0.0 <= teacher_weight <= 1.0:
        raise ValueError(f"zxie.TrainCorpus.v1: teacher_weight must be within 0-1, not {teacher_weight}")
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
            if teacher is not None:
                add_soft_targets(examples, Path(teacher), teacher_weight)
        yield from examples

    return read


def add_soft_targets(examples: list[Example], teacher: Path, weight: float, batch: int = 64) -> None:
    """Put into each example's reference user_data the NER targets distilled from TEACHER (a model
    directory with a zxie_tag_ner `ner`): weight × its tag probabilities + (1 − weight) × the gold
    tags where a token has one, its probabilities alone where none."""
    import spacy

    nlp = spacy.load(teacher)
    ner = nlp.get_pipe("ner")
    tags = ner.tags
    column = {tag: k for k, tag in enumerate(tags)}
    for start in tqdm(range(0, len(examples), batch), desc=f"teacher {teacher.name}", unit="batch", leave=False):
        group = examples[start : start + batch]
        docs = [nlp.make_doc(eg.x.text) for eg in group]
        for eg, doc, probs in zip(group, docs, ner.predict(docs)):
            if len(doc) != len(eg.x):
                raise ValueError(f"teacher {teacher}: tokenizes {eg.x.text[:30]!r} into {len(doc)} tokens, not {len(eg.x)}")
            target = probs.astype(np.float32)
            gold = [column.get(tag) if tag else None for tag in eg.get_aligned_ner()]
            known = [k for k, c in enumerate(gold) if c is not None]
            if known and weight < 1.0:
                onehot = np.zeros((len(known), len(tags)), dtype=np.float32)
                onehot[np.arange(len(known)), [gold[k] for k in known]] = 1.0
                target[known] = weight * target[known] + (1.0 - weight) * onehot
            eg.reference.user_data[SOFT_TARGETS] = (tags, target.astype(np.float16))
