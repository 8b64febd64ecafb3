"""The annotation loop with a doccano server: serve, push pre-annotated documents, pull, agree.

    from zxie.annotate import server, push, pull, agreement
    server.start()                                    # a local doccano in its own venv
    push.push_documents(["reports/"], project="p1")   # model pre-annotations, uncertain first
    pull.pull_project("p1", "gold.jsonl")            # confirmed documents, validated, merged

The CLI `zxie annotate ...` (pipeline/zxie/cli/annotate.py) is a thin layer over these modules.
"""

from zxie.annotate.errors import AnnotateError

__all__ = ["AnnotateError"]
