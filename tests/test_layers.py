"""Levels import strictly downward (issue 10): catalog <- coursemasters <- courses <- sections
<- pushjobs, reports <- exchange. The test reads every module's imports (``import``,
``from ... import``, and the strings passed to ``apps.get_model``, ``apps.get_app_config`` and
``import_module``) and fails on any that reaches an app above its own, so the layout cannot rot."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# An app may import apps of a lower rank only; apps of one rank do not import each other.
RANK = {
    "catalog": 0,
    "coursemasters": 1,
    "courses": 2,
    "sections": 3,
    "pushjobs": 4,
    "reports": 4,
    "exchange": 5,
    "interop": 6,
    "history": 5,
    "downloads": 6,
    "api": 7,
}
LOADERS = {"get_model", "get_app_config", "import_module", "get_models"}


def _app_of(dotted: str) -> str | None:
    head = dotted.split(".")[0]
    return head if head in RANK else None


def _references(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name in LOADERS:
                for arg in node.args:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        yield node.lineno, arg.value
                    else:
                        # A computed name cannot be checked; the layout forbids them.
                        yield node.lineno, f"<computed name passed to {name}>"


def _module_violations(app: str, tree: ast.AST, name: str) -> list[str]:
    """What one module of ``app`` reaches above its level."""
    found = []
    for line, target in _references(tree):
        if target.startswith("<computed"):
            found.append(f"{name}:{line}: {target}")
            continue
        other = _app_of(target)
        if other is not None and other != app and RANK[other] >= RANK[app]:
            found.append(f"{name}:{line}: {app} imports {target}")
    return found


def _violations() -> list[str]:
    found = []
    for app in RANK:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue  # migrations name other apps' migrations by label, as Django requires
            tree = ast.parse(path.read_text(), filename=str(path))
            found += _module_violations(app, tree, str(path.relative_to(ROOT)))
    return found


def test_levels_import_strictly_downward():
    assert _violations() == []


def test_the_check_sees_an_upward_import():
    # given a courses module that reaches up: by import, by app label, and by a computed name
    source = (
        "from pushjobs.engine import api\n"
        "import sections.models\n"
        "from django.apps import apps\n"
        "apps.get_model('sections', 'Section')\n"
        "apps.get_model(name)\n"
        "from catalog.models import School\n"
    )
    found = _module_violations("courses", ast.parse(source), "courses/x.py")

    # then each upward reference is named, and the downward one is not
    assert found == [
        "courses/x.py:1: courses imports pushjobs.engine",
        "courses/x.py:2: courses imports sections.models",
        "courses/x.py:4: courses imports sections",
        "courses/x.py:5: <computed name passed to get_model>",
    ]
