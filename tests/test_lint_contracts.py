"""The project's own import contract (scripts/lint_contracts.py): what it refuses and what it lets through."""

from pathlib import Path

import pytest

from scripts.lint_contracts import violations

MODULES = {"cases", "cases.printing", "cases.demo", "cases.services", "digitization", "digitization.results",
           "digitization.views"}


def found(module: str, source: str, *, package: bool = False) -> list[str]:
    path = Path(*module.split("."), "__init__.py") if package else Path(*module.split(".")).with_suffix(".py")
    return [what for _line, what in violations(module, source, path, MODULES)]


@pytest.mark.parametrize(("source", "expected"), [
    ("from cases.printing import _build, Styles", ["from cases.printing import _build"]),
    ("from .printing import _build", ["from cases.printing import _build"]),  # relative, same app: refused too
    ("from cases import printing\nprinting._build()", ["cases.printing._build"]),
    ("import cases.printing\ncases.printing._Styles", ["cases.printing._Styles"]),
    ("import cases.printing as p\ndef f():\n    return p._heading", ["cases.printing._heading"]),
])
def test_private_names_taken_from_another_module_are_refused(source, expected):
    module = "cases.demo" if source.startswith("from .") else "digitization.results"
    assert found(module, source) == expected


@pytest.mark.parametrize("source", [
    "from cases.printing import build, __all__",  # public, and dunder names are not private
    "from . import views\nviews._helper()",  # within its own app a module may reach a private helper by name
    "from django.utils.translation import gettext_lazy as _",  # a private alias is not a private name
    "printing = object()\nprinting._x",  # not an imported module
])
def test_public_names_and_a_module_s_own_app_pass(source):
    assert found("digitization.results", source) == []


def test_a_package_s_relative_import_resolves_from_the_package_itself():
    assert found("cases", "from .services import _check", package=True) == ["from cases.services import _check"]
