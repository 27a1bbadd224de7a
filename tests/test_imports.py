"""The import structure of ``bridge``: no cycle between its packages, the mixer and the media
path independent of each other, the domain pure.

Read from the source (every ``import`` and ``from ... import``, in functions and under
``TYPE_CHECKING`` too: each is a dependency of the code), not by importing it. A part is a
subpackage (``bridge.media``) or a top-level module (``bridge.settings``).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BRIDGE = ROOT / "bridge"

# Pure domains: rules and state only, tested without a network, a database or a codec.
PURE = (
    "bridge.conference",
    "bridge.permissions",
    "bridge.profiles",
    "bridge.readiness",
    "bridge.bookings",
)
NOT_IN_PURE = (
    "aiortc",
    "aioice",
    "av",
    "numpy",
    "starlette",
    "uvicorn",
    "sqlalchemy",
    "alembic",
    "bridge.media",
    "bridge.mixer",
    "bridge.store",
    "bridge.live",
    "bridge.signaling",
)
# What the mixer and the media path share; they import nothing else of the bridge.
NEUTRAL = ("bridge.audio_port", "bridge.measurements")
# Signal processing on samples (numpy, no I/O): a leaf any layer may use, importing of the
# bridge at most what the mixer and the media path share.
SIGNAL = ("bridge.probe",)
SIGNAL_MAY_IMPORT = ("bridge.measurements",)
NOT_IN_SIGNAL = tuple(m for m in NOT_IN_PURE if m != "numpy")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path, source: str | None = None) -> set[str]:
    """Every module ``path`` (or ``source`` as if it were that file) imports: absolute
    names, relative imports resolved, ``from a import b`` counted as ``a`` and ``a.b``."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    text = path.read_text(encoding="utf-8") if source is None else source
    found: set[str] = set()
    for node in ast.walk(ast.parse(text, str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def part_of(module: str) -> str | None:
    """The bridge part ``module`` belongs to, None outside bridge."""
    parts = module.split(".")
    if parts[0] != "bridge":
        return None
    if len(parts) == 1:
        return "bridge"
    return f"bridge.{parts[1]}"


def bridge_modules() -> dict[str, set[str]]:
    return {module_name(p): imported_modules(p) for p in sorted(BRIDGE.rglob("*.py"))}


def part_graph(modules: Mapping[str, Iterable[str]]) -> dict[str, set[str]]:
    """Part → the other parts it imports. ``from bridge import x`` counts as bridge.x only
    when x is a part; the root ``bridge`` package's own ``__init__`` is a part of its own."""
    known = {part_of(m) for m in modules} - {None}
    graph: dict[str, set[str]] = {p: set() for p in known if p is not None}
    for module, imports in modules.items():
        source = part_of(module)
        assert source is not None
        for imported in imports:
            target = part_of(imported)
            if target is None or target == source or target not in known:
                continue
            if target == "bridge" and imported != "bridge":
                continue  # ``from bridge import media``: counted as bridge.media
            graph[source].add(target)
    return graph


def cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(groups)


def importers(modules: Mapping[str, Iterable[str]], of: str, forbidden: str) -> list[str]:
    """``module: imported`` for every module of part ``of`` importing under ``forbidden``."""
    return sorted(
        f"{module}: {imported}"
        for module, imports in modules.items()
        if module == of or module.startswith(of + ".")
        for imported in imports
        if imported == forbidden or imported.startswith(forbidden + ".")
    )


def test_the_mixer_does_not_import_the_media_path() -> None:
    assert importers(bridge_modules(), "bridge.mixer", "bridge.media") == []


def test_the_media_path_does_not_import_the_mixer() -> None:
    assert importers(bridge_modules(), "bridge.media", "bridge.mixer") == []


def test_no_cycle_between_the_bridges_parts() -> None:
    assert cycles(part_graph(bridge_modules())) == []


@pytest.mark.parametrize("domain", PURE)
def test_the_domain_is_pure(domain: str) -> None:
    modules = bridge_modules()
    found = [line for forbidden in NOT_IN_PURE for line in importers(modules, domain, forbidden)]
    assert found == [], f"{domain} must stay free of I/O and media"


@pytest.mark.parametrize("neutral", NEUTRAL)
def test_what_the_mixer_and_media_share_depends_on_neither(neutral: str) -> None:
    modules = bridge_modules()
    assert neutral in modules
    assert importers(modules, neutral, "bridge") == []


@pytest.mark.parametrize("signal", SIGNAL)
def test_signal_processing_is_a_leaf_without_io(signal: str) -> None:
    modules = bridge_modules()
    assert signal in modules
    bridge_imports = [
        line
        for line in importers(modules, signal, "bridge")
        if not line.split(": ")[1].startswith((signal, *SIGNAL_MAY_IMPORT))
    ]
    io = [line for forbidden in NOT_IN_SIGNAL for line in importers(modules, signal, forbidden)]
    assert bridge_imports == [] and io == [], f"{signal} must stay numpy-only signal processing"


def test_a_cycle_is_found() -> None:
    modules = {
        "bridge.media.peer": {"bridge.mixer.mixer", "aiortc"},
        "bridge.mixer.mixer": {"bridge.media.rtp_tap"},
        "bridge.media.rtp_tap": set(),
        "bridge.server": {"bridge.media.peer"},
    }
    assert cycles(part_graph(modules)) == [["bridge.media", "bridge.mixer"]]
    assert importers(modules, "bridge.mixer", "bridge.media") == [
        "bridge.mixer.mixer: bridge.media.rtp_tap"
    ]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_relative_and_package_imports_are_resolved() -> None:
    source = "from . import peer\nfrom ..mixer import clock\nfrom bridge import store\n"
    found = imported_modules(BRIDGE / "media" / "example.py", source)
    assert {"bridge.media.peer", "bridge.mixer.clock", "bridge.store"} <= found
