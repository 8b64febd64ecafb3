"""Figures of the evaluation report, as PNG bytes (matplotlib, no display needed)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def per_label_bars(systems: list[dict], view: str = "strict") -> bytes:
    """Grouped bars: F1 of each label (rows of the schema) for each system, with 95 % intervals."""
    labels = list(systems[0]["ner"]["per_label"])
    x = np.arange(len(labels))
    width = 0.8 / len(systems)
    fig, ax = plt.subplots(figsize=(max(8, len(labels) * 0.8), 4))
    for k, s in enumerate(systems):
        per = s["ner_views"][view]["per_label"]
        f = [per.get(label, {}).get("f", 0.0) for label in labels]
        ci = [s.get("confidence", {}).get(f"ner.{view}.f.{label}") for label in labels]
        err = np.array([[max(0.0, v - c[0]), max(0.0, c[1] - v)] if c else [0, 0] for v, c in zip(f, ci)]).T
        ax.bar(x + (k - (len(systems) - 1) / 2) * width, f, width, yerr=err, capsize=2, label=s["system"])
    ax.set_xticks(x, labels, rotation=45, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel(f"F1 ({view})")
    ax.set_title(f"F1 per label ({view} matching), 95 % bootstrap intervals")
    ax.legend(fontsize=8)
    return _png(fig)


def confusion_heatmap(confusion: dict, title: str) -> bytes:
    labels, matrix = confusion["labels"], np.array(confusion["matrix"])
    fig, ax = plt.subplots(figsize=(1 + 0.55 * len(labels), 0.8 + 0.5 * len(labels)))
    im = ax.imshow(np.log1p(matrix), cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted (∅: missed)")
    ax.set_ylabel("gold (∅: spurious)")
    top = matrix.max() if matrix.size else 0
    for i in range(len(labels)):
        for j in range(len(labels)):
            if matrix[i, j]:
                ax.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=7,
                        color="white" if np.log1p(matrix[i, j]) > np.log1p(top) / 2 else "black")
    ax.set_title(title, fontsize=10)
    fig.colorbar(im, ax=ax, label="log(1 + count)", shrink=0.7)
    return _png(fig)


def learning_curve(curve: dict) -> bytes:
    """F1 on dev against the number of training sentences, with 95 % intervals."""
    points = curve["points"]
    n = [p["train_sentences"] for p in points]
    fig, ax = plt.subplots(figsize=(6, 4))
    for key, name in (("ner_f", "NER F1 (strict)"), ("relations_f", "relations F1 (end to end)"),
                      ("relations_gold_entities_f", "relations F1 (gold entities)")):
        if any(p.get(key) is None for p in points):
            continue
        ys = [p[key] for p in points]
        cis = [p.get(f"{key}_ci") for p in points]
        err = np.array([[max(0.0, y - c[0]), max(0.0, c[1] - y)] if c else [0, 0] for y, c in zip(ys, cis)]).T
        ax.errorbar(n, ys, yerr=err, marker="o", capsize=3, label=name)
    for p in points:
        ax.annotate(f"{round(100 * p['fraction'])} %", (p["train_sentences"], p["ner_f"]), textcoords="offset points",
                    xytext=(0, 8), ha="center", fontsize=8)
    ax.set_xlabel("training sentences")
    ax.set_ylabel(f"F1 on {curve.get('scored_on', 'dev')}")
    ax.set_ylim(0, 1.05)
    ax.set_title("Learning curve: is more annotation worth it?")
    ax.legend(fontsize=8)
    return _png(fig)
