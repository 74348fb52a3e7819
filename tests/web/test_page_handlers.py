"""How page handlers are written, checked where a reader could miss it: a form that shows a
service's refusal itself must not commit what the service wrote before refusing."""

from __future__ import annotations

import ast
import pkgutil
from pathlib import Path

import attune.web.pages

PAGES = Path(attune.web.pages.__file__).parent


def _modules() -> list[Path]:
    return [
        PAGES / (info.name.replace(".", "/") + ".py")
        for info in pkgutil.walk_packages([str(PAGES)])
        if not info.ispkg
    ]


def _is_post_route(function: ast.AsyncFunctionDef) -> bool:
    return any(
        isinstance(decorator, ast.Call)
        and isinstance(decorator.func, ast.Attribute)
        and decorator.func.attr == "post"
        for decorator in function.decorator_list
    )


def _catches_service_errors(function: ast.AsyncFunctionDef) -> bool:
    for node in ast.walk(function):
        if isinstance(node, ast.ExceptHandler) and node.type is not None:
            names = [n.id for n in ast.walk(node.type) if isinstance(n, ast.Name)]
            if "AttuneError" in names:
                return True
    return False


def _uses_attempt(function: ast.AsyncFunctionDef) -> bool:
    return any(
        isinstance(node, ast.AsyncWith)
        and any(
            isinstance(item.context_expr, ast.Call)
            and isinstance(item.context_expr.func, ast.Attribute)
            and item.context_expr.func.attr == "attempt"
            for item in node.items
        )
        for node in ast.walk(function)
    )


def test_a_form_that_shows_a_refusal_undoes_what_was_written_first() -> None:
    checked, wrong = [], []
    for module in _modules():
        tree = ast.parse(module.read_text(), filename=str(module))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.AsyncFunctionDef)
                and _is_post_route(node)
                and _catches_service_errors(node)
            ):
                checked.append(f"{module.name}:{node.name}")
                if not _uses_attempt(node):
                    wrong.append(f"{module.name}:{node.name}")

    assert len(checked) >= 3
    assert wrong == [], "call the service inside `async with uow.attempt():` in " + ", ".join(wrong)
