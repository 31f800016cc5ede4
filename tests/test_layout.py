"""The package has the shape of its pipeline: a handful of top-level modules, one subpackage per
stage, and no import cycles between nnconvert's modules (module-level imports)."""

from __future__ import annotations

import ast
from pathlib import Path

import nnconvert

ROOT = Path(nnconvert.__file__).parent
STAGES = {"ir", "converters", "runtime", "exporters", "io", "check", "show", "cli"}


def _modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The nnconvert modules ``name`` imports at module level (function bodies excluded)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name in modules}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                )
            for alias in node.names:
                full = f"{base}.{alias.name}"
                out.add(full if full in modules else base)
    return {m for m in out if m in modules and m != name}


def test_no_import_cycles() -> None:
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                cycle = [*stack[stack.index(n) :], n]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if n not in state:
                visit(n)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)


def test_top_level_is_a_handful_of_modules_and_the_stage_packages() -> None:
    top_modules = sorted(p.stem for p in ROOT.glob("*.py"))
    assert len(top_modules) <= 5, top_modules
    packages = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()}
    assert packages == STAGES, packages


def test_ir_depends_on_nothing_else_of_ours() -> None:
    modules = _modules()
    for name, path in modules.items():
        if name.startswith("nnconvert.ir"):
            bad = {m for m in _imports(name, path, modules) if not m.startswith(("nnconvert.ir", "nnconvert.errors"))}
            assert not bad, f"{name} imports {bad}"


def design_section() -> str:
    """README's design list, drawn from the stage packages' own docstrings (first paragraph)."""
    import importlib

    lines = []
    for stage in ("io", "converters", "ir", "runtime", "exporters", "check", "show", "cli"):
        doc = (importlib.import_module(f"nnconvert.{stage}").__doc__ or "").strip().split("\n\n")[0]
        lines.append(f"- `nnconvert/{stage}/` — " + " ".join(doc.split()))
    return "\n".join(lines)


def test_readme_design_section_is_the_packages_own_words() -> None:
    readme = (ROOT.parent / "README.md").read_text(encoding="utf-8")
    assert design_section() in readme, (
        "README's Design section drifted from the packages' docstrings:\n" + design_section()
    )
