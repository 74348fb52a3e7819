"""Print the numbers that say how the code is shaped: a report, never a check (it exits 0).

- import cycles between packages (a package is `attune.<x>`): the strongly connected
  components of the package import graph that hold more than one package;
- modules over 400 lines and functions over 60 lines (migrations left out);
- `is_admin` outside the policy module, where the question "who may" belongs;
- audit records written by endpoint modules instead of services (`audit.record`,
  `audit.record_views`, or the unit of work's `audit` and `audit_reads`).

The import graph is grimp's (the library under import-linter), so it agrees with `make imports`.
Run it as `.venv/bin/python scripts/structure_report.py` or `make structure`.
"""

from __future__ import annotations

import ast
import re
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "src"
PACKAGE = SOURCE / "attune"
MIGRATIONS = PACKAGE / "migrations"
POLICY_MODULE = PACKAGE / "platform" / "policy.py"
AUDIT_METHODS = frozenset({"record", "record_views"})
# The unit of work's own way to write the audit log, which an endpoint must not use either.
UNIT_OF_WORK_AUDIT_METHODS = frozenset({"audit", "audit_reads"})
IS_ADMIN = re.compile(r"\bis_admin\b")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60

Graph = dict[str, set[str]]


def package_of(module: str) -> str:
    """`attune.bookings.service` -> `attune.bookings`; `attune.app` stays itself."""
    return ".".join(module.split(".")[:2])


def package_graph() -> tuple[Graph, dict[tuple[str, str], list[str]]]:
    """The packages each package imports, and for each such edge the module imports behind it."""
    # The tree this script sits in is the one measured, whatever is installed in the venv.
    sys.path.insert(0, str(SOURCE))
    graph = grimp.build_graph("attune", cache_dir=None)
    edges: Graph = defaultdict(set)
    behind: dict[tuple[str, str], list[str]] = defaultdict(list)
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            source, target = package_of(importer), package_of(imported)
            if source != target:
                edges[source].add(target)
                behind[source, target].append(f"{importer} -> {imported}")
    return edges, behind


def strongly_connected(graph: Graph) -> list[list[str]]:
    """Tarjan's algorithm, iterative so that no graph is too deep for it."""
    nodes = sorted(set(graph) | {n for targets in graph.values() for n in targets})
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for start in nodes:
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, targets = work[-1]
            target = next(targets, None)
            if target is None:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component: list[str] = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    components.append(sorted(component))
            elif target not in index:
                index[target] = low[target] = len(index)
                stack.append(target)
                on_stack.add(target)
                work.append((target, iter(sorted(graph.get(target, ())))))
            elif target in on_stack:
                low[node] = min(low[node], index[target])
    return components


def report_cycles() -> None:
    edges, behind = package_graph()
    cycles = sorted(c for c in strongly_connected(edges) if len(c) > 1)
    print(f"import cycles between packages: {len(cycles)}")
    for number, members in enumerate(cycles, 1):
        print(f"  cycle {number} ({len(members)} packages): {', '.join(members)}")
        inside = set(members)
        for source in members:
            for target in sorted(edges[source] & inside):
                imports = behind[source, target]
                print(f"    {source} -> {target} ({len(imports)}), e.g. {imports[0]}")


def python_files(*, with_migrations: bool = False) -> list[Path]:
    return sorted(
        path
        for path in PACKAGE.rglob("*.py")
        if with_migrations or not path.is_relative_to(MIGRATIONS)
    )


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def report_lengths() -> None:
    modules: list[tuple[int, str]] = []
    functions: list[tuple[int, str]] = []
    for path in python_files():
        text = path.read_text(encoding="utf-8")
        lines = len(text.splitlines())
        if lines > MAX_MODULE_LINES:
            modules.append((lines, relative(path)))
        for node in ast.walk(ast.parse(text, filename=str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    functions.append((length, f"{relative(path)}:{node.lineno} {node.name}"))
    print(f"modules over {MAX_MODULE_LINES} lines (migrations left out): {len(modules)}")
    for lines, name in sorted(modules, reverse=True):
        print(f"  {lines:5d}  {name}")
    print(f"functions over {MAX_FUNCTION_LINES} lines (migrations left out): {len(functions)}")
    for length, name in sorted(functions, reverse=True):
        print(f"  {length:5d}  {name}")


def report_is_admin() -> None:
    counts: dict[str, int] = {}
    for path in python_files():
        if path == POLICY_MODULE:
            continue
        found = len(IS_ADMIN.findall(path.read_text(encoding="utf-8")))
        if found:
            counts[relative(path)] = found
    print(
        f"is_admin outside {relative(POLICY_MODULE)} (migrations left out): "
        f"{sum(counts.values())} in {len(counts)} modules"
    )
    for name, found in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        print(f"  {found:5d}  {name}")


def is_audit_call(node: ast.AST) -> bool:
    """`audit.record(...)`, `self.audit.record_views(...)` (a call on anything named *audit*),
    or `uow.audit(...)`, `uow.audit_reads(...)`."""
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
        return False
    if node.func.attr in UNIT_OF_WORK_AUDIT_METHODS:
        return True
    if node.func.attr not in AUDIT_METHODS:
        return False
    owner = node.func.value
    name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")
    return "audit" in name.lower()


def report_audit_in_endpoints() -> None:
    counts: dict[str, int] = {}
    for path in PACKAGE.rglob("endpoints.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        found = sum(1 for node in ast.walk(tree) if is_audit_call(node))
        if found:
            counts[relative(path)] = found
    print(
        f"audit records written in endpoint modules (audit.record*, uow.audit*): "
        f"{sum(counts.values())} in {len(counts)} modules"
    )
    for name, found in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        print(f"  {found:5d}  {name}")


def main() -> None:
    report_cycles()
    report_lengths()
    report_is_admin()
    report_audit_in_endpoints()


if __name__ == "__main__":
    main()
