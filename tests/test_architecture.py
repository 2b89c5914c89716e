"""The layout keeps its promises: no import cycle of any module (imports inside functions
count), no private name imported from another module, and no module past the size where it
stops being one concept."""

from __future__ import annotations

import ast
from pathlib import Path

import grimp

PACKAGE = Path(__file__).resolve().parent.parent / "desktop" / "foundry_bench"
MAX_LINES = 400


def _modules() -> list[tuple[str, Path]]:
    """Every module of the package (a check over none would pass on anything)."""
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out.append((name, path))
    assert len(out) > 100, f"only {len(out)} modules under {PACKAGE}"
    return out


def _imports(graph: grimp.ImportGraph, module: str):  # type: ignore[no-untyped-def]
    return iter(sorted(graph.find_modules_directly_imported_by(module)))


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, _imports(graph, root))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in graph.modules:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_module_takes_part_in_an_import_cycle() -> None:
    graph = grimp.build_graph("foundry_bench", exclude_type_checking_imports=True)
    assert _cycles(graph) == []


def test_the_cycle_finder_sees_a_cycle_through_a_function_import(tmp_path: Path) -> None:
    """The check above would pass on anything if the finder were blind; show it is not."""
    import sys

    pkg = tmp_path / "cyclic_demo"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from cyclic_demo import b\n")
    (pkg / "b.py").write_text("def f():\n    from cyclic_demo import a\n")
    sys.path.insert(0, str(tmp_path))
    try:
        graph = grimp.build_graph("cyclic_demo", cache_dir=None)
    finally:
        sys.path.remove(str(tmp_path))
    assert _cycles(graph) == [["cyclic_demo.a", "cyclic_demo.b"]]


def test_no_private_name_is_imported_from_another_module() -> None:
    """A package's ``_common`` module is the one place meant to be shared privately."""
    offenders = []
    for _name, path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or not node.module:
                continue
            if not node.module.startswith("foundry_bench"):
                continue
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    offenders.append(f"{path.name}:{node.lineno}: {node.module}.{alias.name}")
    assert offenders == []


def test_no_module_is_longer_than_one_concept() -> None:
    long = {
        name: lines
        for name, path in _modules()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


# Widgets whose text Qt renders as HTML when it looks like HTML, so that a model id
# "<h1>big</h1>" or an answer with a link shows as markup. They are made in one module.
_GUESSING_WIDGETS = ("QLabel", "QMessageBox")
_PLAIN_TEXT_MODULE = PACKAGE / "ui" / "base" / "plain_text.py"


def test_text_widgets_are_made_plain() -> None:
    """No ``QLabel(...)`` outside ``ui/base/plain_text.py`` (use ``plain_label``), and no
    static ``QMessageBox.question/warning/...`` (their text is rich when it looks rich)."""
    offenders = []
    for _name, path in _modules():
        if path == _PLAIN_TEXT_MODULE:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Name) and func.id == "QLabel":
                offenders.append(f"{path.name}:{node.lineno}: QLabel(...) -> plain_label(...)")
            if (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and func.value.id in _GUESSING_WIDGETS
                and func.attr in ("question", "warning", "information", "critical", "about")
            ):
                offenders.append(f"{path.name}:{node.lineno}: {func.value.id}.{func.attr}(...)")
    assert offenders == [], (
        "text shown in these widgets may be untrusted; use foundry_bench.ui.base.plain_text "
        f"(plain_label, rich_label with html_escaped, plain_tooltip): {offenders}"
    )
