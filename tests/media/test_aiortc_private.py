"""aiortc's and aioice's private members are touched in bridge/media/aiortc_private.py only,
and the versions it was written against are the ones pinned and installed.

What counts as private is read from the installed libraries themselves: every ``_name``
(not a dunder) they define as a module function, a method or an attribute set on ``self``,
with ``self.__x`` of class ``C`` as Python stores it, ``_C__x``. Outside aiortc_private.py,
a module of the bridge fails when it

- reads or writes ``obj._name`` with such a name, ``obj`` not being ``self``/``cls`` of a
  class of its own (of a class derived from an aiortc/aioice class, ``self._name`` counts
  too when that library class defines ``_name``);
- names such a member in a string: a mangled one anywhere (``"_RTCRtpSender__mid"``), any
  other in ``getattr``/``setattr``/``hasattr``/``delattr`` on a receiver not ``self``;
- assigns to an attribute of an aiortc/aioice module or class or changes its data (a
  monkey-patch: ``aioice.ice.get_host_addresses = ...``, ``CODECS[...]`` items updated),
  or assigns an aiortc/aioice method name on another object (``sender.send = ...``).
"""

from __future__ import annotations

import ast
import importlib.util
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest

from bridge.media import aiortc_private

ROOT = Path(__file__).resolve().parents[2]
BRIDGE = ROOT / "bridge"
ALLOWED = BRIDGE / "media" / "aiortc_private.py"
LIBRARIES = ("aiortc", "aioice")
Flag = Callable[[ast.AST, str], None]


@dataclass
class LibraryNames:
    private: set[str] = field(default_factory=set)  # every private name, mangled ones too
    methods: set[str] = field(default_factory=set)  # every method name of a library class
    by_class: dict[str, set[str]] = field(default_factory=dict)  # class → its private names
    bases: dict[str, list[str]] = field(default_factory=dict)  # class → base class names


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.endswith("__")


def _is_property(decorator: ast.expr) -> bool:
    """``@property``, ``@x.setter``, ``@cached_property``: assigning those is not patching."""
    name = _base_name(decorator)
    return name in ("property", "setter", "deleter", "cached_property")


def _base_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


@cache
def library_names() -> LibraryNames:
    names = LibraryNames()
    for library in LIBRARIES:
        spec = importlib.util.find_spec(library)
        assert spec is not None and spec.submodule_search_locations, library
        for path in Path(spec.submodule_search_locations[0]).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in tree.body:
                is_def = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
                if is_def and _is_private(node.name):
                    names.private.add(node.name)
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef):
                    _collect_class(node, names)
    return names


def _collect_class(cls: ast.ClassDef, names: LibraryNames) -> None:
    own = names.by_class.setdefault(cls.name, set())
    names.bases[cls.name] = [b for b in map(_base_name, cls.bases) if b is not None]
    for sub in ast.walk(cls):
        name = None
        if isinstance(sub, ast.FunctionDef | ast.AsyncFunctionDef):
            if not any(_is_property(d) for d in sub.decorator_list):
                names.methods.add(sub.name)
            name = sub.name
        elif isinstance(sub, ast.Attribute) and isinstance(sub.ctx, ast.Store):
            if isinstance(sub.value, ast.Name) and sub.value.id == "self":
                name = sub.attr
        elif isinstance(sub, ast.Assign):
            name = next((t.id for t in sub.targets if isinstance(t, ast.Name)), None)
        if name is None or not _is_private(name):
            continue
        if name.startswith("__"):
            name = f"_{cls.name.lstrip('_')}{name}"
        own.add(name)
        names.private.add(name)


def _class_private(names: LibraryNames, cls: str, seen: frozenset[str] = frozenset()) -> set[str]:
    """The private names of library class ``cls`` and of its library bases."""
    if cls in seen or cls not in names.by_class:
        return set()
    found = set(names.by_class[cls])
    for base in names.bases.get(cls, []):
        found |= _class_private(names, base, seen | {cls})
    return found


_MANGLED = re.compile(r"^_([A-Za-z]\w*?)__\w+$")


def violations(source: str, filename: str = "<source>") -> list[str]:
    """Where ``source`` touches a private member of aiortc/aioice or patches either."""
    names = library_names()
    tree = ast.parse(source, filename)
    library_bound: set[str] = set()  # local names of aiortc/aioice modules and objects
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in LIBRARIES:
                    library_bound.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in LIBRARIES:
            library_bound.update(a.asname or a.name for a in node.names)
    # A loop over a library's own data binds its items: ``for codec in CODECS["audio"]``.
    for node in ast.walk(tree):
        if isinstance(node, ast.For | ast.comprehension) and _root_name(node.iter) in library_bound:
            library_bound.update(n.id for n in ast.walk(node.target) if isinstance(n, ast.Name))
    found: list[str] = []

    def flag(node: ast.AST, what: str) -> None:
        found.append(f"{filename}:{getattr(node, 'lineno', 0)}: {what}")

    # Classes of this module: a parameter annotated with one (``other: OpusEncoder``) is the
    # module's own object, as ``self`` is.
    own_classes = {n.name for n in ast.walk(tree) if isinstance(n, ast.ClassDef)}

    def visit(node: ast.AST, inherited: set[str], own: frozenset[str]) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            arguments = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
            own = own | {
                a.arg
                for a in arguments
                if a.annotation is not None and _annotation_name(a.annotation) in own_classes
            }
        if isinstance(node, ast.ClassDef):
            # self._x inside a class derived from a library class: that class's own privates.
            inherited = set()
            for base in node.bases:
                name = _base_name(base)
                root = base
                while isinstance(root, ast.Attribute):
                    root = root.value
                if name and isinstance(root, ast.Name) and root.id in library_bound:
                    inherited |= _class_private(names, name)
        if isinstance(node, ast.Attribute):
            receiver = node.value
            on_self = isinstance(receiver, ast.Name) and receiver.id in own
            if node.attr in names.private and (not on_self or node.attr in inherited):
                flag(node, f"private member {node.attr}")
        text = node.value if isinstance(node, ast.Constant) else None
        if isinstance(text, str) and _MANGLED.match(text) and text in names.private:
            flag(node, f"private member named in a string: {text}")
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "setattr", "hasattr", "delattr")
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and node.args[1].value in names.private
        ):
            receiver = node.args[0]
            if not (isinstance(receiver, ast.Name) and receiver.id in own):
                flag(node, f"private member by name: {node.args[1].value}")
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _MUTATORS
            and _root_name(node.func.value) in library_bound
        ):
            flag(node, f"aiortc/aioice data changed: {ast.unparse(node.func)}")
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                _check_patch(target, library_bound, names, flag)
        for child in ast.iter_child_nodes(node):
            visit(child, inherited, own)

    visit(tree, set(), frozenset(("self", "cls")))
    return found


_MUTATORS = {"update", "append", "extend", "insert", "remove", "pop", "clear", "setdefault"}


def _root_name(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute | ast.Subscript | ast.Call):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _annotation_name(annotation: ast.expr) -> str | None:
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        return annotation.value
    return _base_name(annotation)


def _check_patch(
    target: ast.expr, library_bound: set[str], names: LibraryNames, flag: Flag
) -> None:
    if isinstance(target, ast.Tuple | ast.List):
        for element in target.elts:
            _check_patch(element, library_bound, names, flag)
        return
    if not isinstance(target, ast.Attribute | ast.Subscript):
        return
    if _root_name(target) in library_bound:
        flag(target, f"aiortc/aioice patched: {ast.unparse(target)}")
        return
    if not isinstance(target, ast.Attribute):
        return
    receiver = target.value
    on_self = isinstance(receiver, ast.Name) and receiver.id in ("self", "cls")
    if not on_self and target.attr in names.methods:
        flag(target, f"an aiortc/aioice method replaced: {ast.unparse(target)}")


def bridge_modules() -> list[Path]:
    return sorted(p for p in BRIDGE.rglob("*.py") if p != ALLOWED)


def test_only_aiortc_private_touches_aiortc_and_aioice_internals() -> None:
    found = [
        v
        for path in bridge_modules()
        for v in violations(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    ]
    assert not found, "move these into bridge/media/aiortc_private.py:\n" + "\n".join(found)


def test_the_allowed_module_does_touch_them() -> None:
    # The check itself finds what it is for: aiortc_private.py would fail it.
    assert len(violations(ALLOWED.read_text(encoding="utf-8"))) > 10


@pytest.mark.parametrize(
    "source",
    [
        "def f(transceiver):\n    return transceiver._codecs\n",
        "def f(dtls):\n    dtls._tx_srtp.protect(b'')\n",
        "def f(sender):\n    sender._ssrc = 1\n",
        "class E:\n    def f(self, other: Other):\n        return other._state\n",
        "def f(r):\n    return getattr(r, '_RTCRtpReceiver__jitter_buffer')\n",
        "def f(s):\n    return hasattr(s, '_send_keyframe')\n",
        "_MID = '_RTCRtpSender__mid'\n",
        "import aioice.ice\naioice.ice.get_host_addresses = print\n",
        "from aiortc import rtcrtpsender\nrtcrtpsender.get_encoder = print\n",
        "from aiortc import RTCRtpSender\nRTCRtpSender.send = print\n",
        "def f(sender, g):\n    sender.send = g\n",
        "def f(connection, g):\n    connection.data_received = g\n",
        "from aiortc.codecs import CODECS\n"
        "for codec in CODECS['audio']:\n    codec.parameters.update(x=1)\n",
        "from aiortc.codecs import CODECS\nCODECS['audio'][0] = None\n",
        "from aiortc.mediastreams import MediaStreamTrack\n"
        "class T(MediaStreamTrack):\n    def f(self):\n        return self._id\n",
    ],
)
def test_a_planted_access_is_found(source: str) -> None:
    assert violations(source)


@pytest.mark.parametrize(
    "source",
    [
        "class A:\n    def f(self):\n        self._codecs = []\n        return self._state\n",
        "def f(state):\n    return state._fit\n",  # a private name aiortc does not define
        "class E:\n    def f(self, other: E):\n        return other._state\n",
        "from aiortc.mediastreams import MediaStreamTrack\n"
        "class T(MediaStreamTrack):\n    def f(self):\n        self._frames = []\n",
        "def f(transceiver):\n    transceiver.direction = 'inactive'\n",  # a property
        "def f(packet):\n    packet.extensions.mid = '0'\n",
    ],
)
def test_the_bridges_own_members_and_public_api_pass(source: str) -> None:
    assert violations(source) == []


def test_the_pinned_versions_are_the_ones_the_accessors_were_written_for() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pins = {
        name: spec.split("==", 1)[1].strip()
        for spec in project["project"]["dependencies"]
        for name in aiortc_private.TESTED_WITH
        if re.match(rf"^{name}\s*==", spec)
    }
    assert pins == aiortc_private.TESTED_WITH, "pin aiortc and aioice exactly in pyproject.toml"
    aiortc_private.check_versions()  # and they are what is installed here


def test_another_version_is_refused_in_both_languages() -> None:
    with pytest.raises(aiortc_private.UnsupportedVersion) as refused:
        aiortc_private.check_versions({"aiortc": "1.17.0", "aioice": "0.13.0"})
    message = str(refused.value)
    assert "aiortc 1.17.0 (need 1.16.0)" in message
    assert "không được hỗ trợ" in message and "Unsupported" in message
    with pytest.raises(aiortc_private.UnsupportedVersion, match="aioice missing"):
        aiortc_private.check_versions({"aiortc": "1.16.0", "aioice": None})
