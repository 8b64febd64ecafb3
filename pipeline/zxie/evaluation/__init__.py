"""Evaluation of zxie systems against gold: matching views, bootstrap, baselines, report, curve.

- views.py: the four SemEval-2013 views of entity matching (strict, exact, type, partial)
- scoring.py: per-document counts of every metric, and the scores built from them
- bootstrap.py: confidence intervals and paired p-values by resampling documents
- systems.py: predictions of a model, of `zxie extract` records, or of a baseline
- baselines.py: the jieba.posseg and the gazetteer/rule baselines
- gold.py: which gold documents are scored, and the problems found in them
- general.py: scores on the held-out tenth of the public NER corpora (`zxie evaluate-general`)
- evaluate.py / table.py: `zxie evaluate`, and its table
- report.py / figures.py: the self-contained HTML report
(the learning curve, `zxie train-curve`, lives in zxie.training.curve)
"""
