"""import-linter contracts of the project's own (registered in pyproject.toml, run by ``make lint``).

``private_names``: nothing named with a leading underscore is imported from another module, and no module
reaches into another app's module for one. import-linter's own contracts see which modules import which,
not the names they take, so this contract reads the source of every module in the graph:

- ``from x import _y`` (or ``from . import _y``) in any module other than ``x`` itself is refused;
- ``x._y`` where ``x`` is a module of another app (``import cases.printing``, ``from cases import
  printing``, ``import cases.printing as p``) is refused. Within its own app a module may reach a private
  helper of another module through its name (a test of ``services`` calling ``services._claim``), never
  import it.

Dunder names (``__all__``, ``__version__``) are not private.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from grimp import ImportGraph
from importlinter.application import output
from importlinter.domain.contract import Contract, ContractCheck


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def module_path(module: str) -> Path | None:
    """The source file of a module of a root package (read from the working directory lint-imports runs in)."""
    base = Path(*module.split("."))
    for path in (base / "__init__.py", base.with_suffix(".py")):
        if path.is_file():
            return path
    return None


def _package_of(module: str, path: Path) -> str:
    """The package a relative import in ``module`` is relative to."""
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def _resolve(node: ast.ImportFrom, module: str, path: Path) -> str:
    if not node.level:
        return node.module or ""
    parts = _package_of(module, path).split(".")
    base = parts[: len(parts) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _dotted(node: ast.expr) -> list[str] | None:
    """``a.b.c`` as ["a", "b", "c"]; None for anything but names and attributes of names."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return parts[::-1]


def violations(module: str, source: str, path: Path, modules: set[str]) -> list[tuple[int, str]]:
    """(line, what) for each private name ``module`` takes from elsewhere (see the module's docstring)."""
    tree = ast.parse(source, filename=str(path))
    app = module.split(".")[0]
    found: list[tuple[int, str]] = []
    bound: dict[str, str] = {}  # a name bound by an import -> the module of a root package it names
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            origin = _resolve(node, module, path)
            for alias in node.names:
                if is_private(alias.name) and origin != module:
                    found.append((node.lineno, f"from {origin} import {alias.name}"))
                if f"{origin}.{alias.name}" in modules:
                    bound[alias.asname or alias.name] = f"{origin}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    if alias.name in modules:
                        bound[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    if top in modules:
                        bound[top] = top
    if not bound:
        return found
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and is_private(node.attr)):
            continue
        parts = _dotted(node.value)
        if not parts or parts[0] not in bound:
            continue
        target = ".".join([bound[parts[0]], *parts[1:]])
        if target in modules and target.split(".")[0] != app:
            found.append((node.lineno, f"{target}.{node.attr}"))
    return found


class PrivateNamesContract(Contract):
    """No module imports another module's private names, nor reaches another app's (see the module's
    docstring). Checks every module of the root packages; takes no options."""

    type_name = "private_names"

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        modules = set(graph.modules)
        broken: list[dict[str, Any]] = []
        for module in sorted(modules):
            path = module_path(module)
            if path is None:
                continue
            for line, what in violations(module, path.read_text(encoding="utf-8"), path, modules):
                broken.append({"module": module, "path": str(path), "line": line, "what": what})
        return ContractCheck(kept=not broken, warnings=None, metadata={"broken": broken})

    def render_broken_contract(self, check: ContractCheck) -> None:
        output.print_error("Private names taken from another module:", bold=False)
        output.new_line()
        for item in check.metadata["broken"]:
            output.print_error(f"- {item['path']}:{item['line']}: {item['what']}", bold=False)
        output.new_line()
        output.print("Make the name public (and keep it where it belongs), or move it to the module that uses it.")
