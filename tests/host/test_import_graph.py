"""No import cycles, in the core or in any plugin (DESIGN.md, rule 2).

The graph is grimp's (import-linter's engine), of runtime imports only: imports under
`if TYPE_CHECKING:` are left out. A cycle is reported as `a -> b -> c -> a`, one shortest
cycle through each import that lies on a cycle.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import grimp
import pytest

PACKAGES = (
    "vectorizer",
    "vectorizer_qdrant_rest",
    "vectorizer_qdrant_grpc",
    "vectorizer_api",
    "vectorizer_migrate",
)


def imported_by(graph: grimp.ImportGraph, module: str) -> Iterator[str]:
    return iter(sorted(graph.find_modules_directly_imported_by(module)))


def strongly_connected(graph: grimp.ImportGraph) -> list[set[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, imported_by(graph, root))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, imported_by(graph, child)))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(component)
    return found


def find_cycles(graph: grimp.ImportGraph) -> list[tuple[str, ...]]:
    """A shortest cycle through each import inside a cycle, each once, as (a, b, ..., a)."""
    cycles: set[tuple[str, ...]] = set()
    for component in strongly_connected(graph):
        for importer in sorted(component):
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                if imported not in component:
                    continue
                back = graph.find_shortest_chain(importer=imported, imported=importer)
                assert back is not None
                ring = (importer, *back[:-1])
                start = ring.index(min(ring))  # one rotation per cycle
                ring = ring[start:] + ring[:start]
                cycles.add((*ring, ring[0]))
    return sorted(cycles, key=lambda c: (len(c), c))


def describe(graph: grimp.ImportGraph, cycle: tuple[str, ...]) -> str:
    """`a -> b -> a`, each import with the line that makes it."""
    lines = [" -> ".join(cycle)]
    for importer, imported in itertools.pairwise(cycle):
        for detail in graph.get_import_details(importer=importer, imported=imported):
            lines.append(f"    {importer}:{detail['line_number']}: {detail['line_contents']}")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True, cache_dir=None)


def test_the_graph_holds_every_package(graph: grimp.ImportGraph) -> None:
    for package in PACKAGES:
        assert package in graph.modules
    assert "vectorizer.filters.field_index.base" in graph.modules


def test_no_import_cycles(graph: grimp.ImportGraph) -> None:
    cycles = find_cycles(graph)
    report = "\n".join(describe(graph, cycle) for cycle in cycles)
    assert not cycles, f"{len(cycles)} import cycle(s):\n{report}"


def test_a_cycle_is_found() -> None:
    graph = grimp.ImportGraph()
    for module in ("pkg", "pkg.a", "pkg.b", "pkg.c", "pkg.d"):
        graph.add_module(module)
    graph.add_import(importer="pkg.a", imported="pkg.b")
    graph.add_import(importer="pkg.b", imported="pkg.c")
    graph.add_import(importer="pkg.c", imported="pkg.a")
    graph.add_import(importer="pkg.c", imported="pkg.d")  # no way back from d
    assert find_cycles(graph) == [("pkg.a", "pkg.b", "pkg.c", "pkg.a")]
    graph.add_import(importer="pkg.d", imported="pkg.b")
    assert find_cycles(graph) == [
        ("pkg.a", "pkg.b", "pkg.c", "pkg.a"),
        ("pkg.b", "pkg.c", "pkg.d", "pkg.b"),
    ]
    assert describe(graph, ("pkg.a", "pkg.b", "pkg.a")).startswith("pkg.a -> pkg.b -> pkg.a")


def test_no_cycle_in_a_tree() -> None:
    graph = grimp.ImportGraph()
    for module in ("pkg.a", "pkg.b", "pkg.c"):
        graph.add_module(module)
    graph.add_import(importer="pkg.a", imported="pkg.b")
    graph.add_import(importer="pkg.a", imported="pkg.c")
    graph.add_import(importer="pkg.b", imported="pkg.c")
    assert find_cycles(graph) == []
