"""The package's imports go one way: no module imports, directly or through others, a module
that imports it back (function-level imports included)."""

import ast
from pathlib import Path

import zxie

PACKAGE = Path(zxie.__file__).parent


def _module_name(path: Path) -> str:
    parts = ["zxie", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py") if "models" not in p.relative_to(PACKAGE).parts}
    graph = {}
    for name, path in modules.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                # `from zxie.cli import annotate` imports the module zxie.cli.annotate
                found = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in modules else node.module
                         for a in node.names]
            elif isinstance(node, ast.Import):
                found = [a.name for a in node.names]
            else:
                continue
            targets |= {t for t in found if t in modules and t != name}
        graph[name] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_in_the_package():
    graph = import_graph()
    assert "zxie.extract" in graph and graph["zxie.extract"]
    assert cycles(graph) == []


def test_shipped_model_loads_by_registry_names_only():
    import spacy

    from zxie.extract import DEFAULT_MODEL

    config = (DEFAULT_MODEL / "config.cfg").read_text(encoding="utf-8")
    assert "pipeline." not in config and "zxie." in config  # registry names, no module paths
    nlp = zxie.load()
    assert isinstance(nlp, spacy.Language) and nlp.pipe_names == spacy.load(DEFAULT_MODEL).pipe_names
    assert any(e.label_ == "PERSON" for e in nlp("区委书记刘浩在崇川区调研。").ents)
