"""The package's shape: no import cycles between modules, no private name imported from another
module, and no import inside a function except where the reason is written down below.

The layers themselves (a stage imports only the stages below it) are checked by `lint-imports`
(import-linter, configured in pyproject.toml); this test adds what that contract cannot express.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "assistant"

# (module, function) pairs that import inside a function, and why that is right there.
LAZY_IMPORTS_ALLOWED = {
    # Each command loads only its own stage: `assistant ask` must not pay for gradio or the drafter.
    ("assistant.interfaces.cli", "*"),
    # The LLM client (llama-index) is loaded only when an LLM is configured.
    ("assistant.pipeline", "generator"),
    # The drafter is loaded only for a draft request typed into the chat.
    ("assistant.pipeline", "_draft"),
    # Measures a cold import in a subprocess, so the import must happen inside the probe.
    ("assistant.devtools.bench", "probe"),
    # Starts the web app (gradio) only when the load test serves one itself.
    ("assistant.devtools.loadtest", "run_loadtest"),
}


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for sub in node.body for n in ast.walk(sub))
    return skip


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(modules: dict[str, Path]) -> list[tuple[str, str, list[str], str | None]]:
    """(importer, imported module, names, enclosing function or None) for every runtime import."""
    found = []
    for name, path in modules.items():
        tree = ast.parse(path.read_text("utf-8"))
        skip = _type_checking_nodes(tree)
        parents: dict[int, str] = {}
        for fn in ast.walk(tree):
            if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                for sub in ast.walk(fn):
                    parents.setdefault(id(sub), fn.name)
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            if isinstance(node, ast.ImportFrom):
                target = _resolve(name, path.name == "__init__.py", node)
                names = [a.name for a in node.names]
                # `from assistant.index import build` imports a module, not a name.
                for n in list(names):
                    if f"{target}.{n}" in modules:
                        found.append((name, f"{target}.{n}", [], parents.get(id(node))))
                        names.remove(n)
                found.append((name, target, names, parents.get(id(node))))
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    found.append((name, alias.name, [], parents.get(id(node))))
    return found


def test_no_module_imports_a_private_name_from_another_module() -> None:
    modules = _modules()
    private = [
        f"{importer} imports {n} from {target}"
        for importer, target, names, _ in _imports(modules)
        if target in modules and target != importer
        for n in names
        if n.startswith("_") and not n.startswith("__")
    ]
    assert private == []


def test_imports_inside_functions_only_where_the_reason_is_written_down() -> None:
    modules = _modules()
    lazy = sorted(
        f"{importer}.{function} imports {target}"
        for importer, target, _, function in _imports(modules)
        if function is not None
        and target.startswith("assistant")
        and (importer, function) not in LAZY_IMPORTS_ALLOWED
        and (importer, "*") not in LAZY_IMPORTS_ALLOWED
    )
    assert lazy == []


def test_there_is_no_import_cycle_between_modules() -> None:
    modules = _modules()
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for importer, target, _, _ in _imports(modules):
        if target in modules and target != importer:
            graph[importer].add(target)
    # Tarjan's strongly connected components: any component of two or more modules is a cycle.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in graph:
        if module not in index:
            visit(module)
    assert cycles == []


def test_the_checks_see_the_whole_package() -> None:
    # A check over nothing passes trivially: make sure it reads the real stages.
    modules = _modules()
    for stage in ("text", "corpus", "index", "retrieval", "answer", "safety", "interfaces"):
        assert any(m.startswith(f"assistant.{stage}.") for m in modules), stage
    assert len(_imports(modules)) > 200
