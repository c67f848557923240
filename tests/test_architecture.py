"""Guards against the failures of the service this library replaces.

Circular imports, heavy imports, a second chunking code path, ``print`` in
library code and ``__all__`` lists that lie are each caught here.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("chunking", "extraction", "eval")


def _library_files() -> list[Path]:
    return sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py"))


def test_no_import_cycles_between_modules():
    graph = grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True)
    cycles = _strongly_connected(graph)
    assert cycles == [], f"import cycles: {cycles}"


def _strongly_connected(graph: grimp.ImportGraph) -> list[list[str]]:
    """Tarjan's algorithm; returns every component of more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return components


def test_layers_point_one_way():
    """chunking imports nothing of ours; extraction only chunking."""
    graph = grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True)
    for lower, higher in [("chunking", "extraction"), ("chunking", "eval"), ("extraction", "eval")]:
        chains = graph.find_shortest_chains(importer=lower, imported=higher)
        assert not chains, f"{lower} must not import {higher}: {chains}"


@pytest.mark.parametrize("heavy", ["anthropic", "numpy", "matplotlib", "httpx2", "pydantic"])
def test_import_chunking_stays_light(heavy):
    code = f"import sys, chunking; sys.exit(1 if {heavy!r} in sys.modules else 0)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=False)
    assert result.returncode == 0, f"`import chunking` imported {heavy}"


def test_chunks_are_made_in_one_place():
    """Only chunking/chunker.py builds Chunk objects from text.

    Code that reads stored chunks back may rebuild them; such deserializers
    must be listed here, and may not import the chunking internals.
    """
    deserializers = {"chunking/store/rows.py", "chunking/jsonl.py"}
    internals = {"split_into_atoms", "pack", "_chunk_one", "_unchecked_chunk"}
    for path in _library_files():
        relative = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {
            node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
        }
        if relative in {"chunking/chunker.py"}:
            continue
        if relative not in deserializers:
            assert "Chunk" not in names, f"{relative} builds Chunk objects; use chunk_conversations"
        allowed_internal = relative in {"chunking/packing.py", "chunking/atoms.py"}
        assert allowed_internal or not (names & internals), f"{relative} re-implements chunking"


def test_library_code_never_prints():
    for path in _library_files():
        if path.name in {"cli.py", "__main__.py"}:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = [
            node.lineno
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "print"
        ]
        assert not calls, f"print() in {path.relative_to(ROOT)} at lines {calls}; use logging"


@pytest.mark.parametrize("package", PACKAGES)
def test_public_names_are_sorted_and_real(package):
    module = importlib.import_module(package)
    names = list(module.__all__)
    assert names == sorted(names)
    for name in names:
        assert hasattr(module, name), f"{package}.__all__ lists {name!r}, which does not exist"


def test_public_api_of_chunking():
    import chunking

    expected = {"ChunkTier", "Message", "Conversation", "Chunk", "conversation_text"}
    assert expected | {"chunk_conversations", "CHUNKING_VERSION"} <= set(chunking.__all__)
