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


def _violations() -> list[str]:
    found = []
    for app, rank in RANK.items():
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue  # migrations name other apps' migrations by label, as Django requires
            tree = ast.parse(path.read_text(), filename=str(path))
            for line, target in _references(tree):
                if target.startswith("<computed"):
                    found.append(f"{path.relative_to(ROOT)}:{line}: {target}")
                    continue
                other = _app_of(target)
                if other is None or other == app:
                    continue
                if RANK[other] >= rank:
                    found.append(f"{path.relative_to(ROOT)}:{line}: {app} imports {target}")
    return found


def test_levels_import_strictly_downward():
    assert _violations() == []


def test_the_check_sees_an_upward_import(tmp_path, monkeypatch):
    # given a module of a lower level that reaches up, by import and by app label
    source = "from pushjobs.engine import api\nfrom django.apps import apps\napps.get_model('sections', 'Section')\n"
    tree = ast.parse(source)

    # then both are references the check reads
    targets = [target for _, target in _references(tree)]
    assert "pushjobs.engine" in targets
    assert "sections" in targets
    assert RANK["sections"] > RANK["courses"]
