"""The layers are visible in the folders and kept: each layer of `bot/` imports only the layers above it,
only the composition root (`bot/app.py`) names adapters and handlers, handlers and the domain never touch
a platform SDK, and no module imports itself back through a cycle.

Imports are read from the source (module level and inside functions, `if TYPE_CHECKING:` blocks left
out, since they never run) and so are importlib strings: any string literal in product code that names
one of our modules (`"adapters.slack"`) counts as an import of it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("bot", "handlers", "adapters")
SDKS = {"slack_bolt", "slack_sdk", "wechatpy", "dingtalk_stream"}

# bot/'s layers, top (imported by everyone below) to bottom. Packages on one line are peers: they may not
# import each other.
LAYERS = [
    ["bot.core"],
    ["bot.store"],
    ["bot.services"],
    ["bot.chat"],
    ["bot.delivery"],
    ["bot.schedule", "bot.web", "bot.api"],
    ["bot.runtime"],
    ["bot.cli"],
]
ROOT_MODULES = {"bot.app", "bot.__main__", "bot"}  # the composition root and the package itself
MODULE_STRING = re.compile(r"^(bot|adapters|handlers)(\.\w+)+$")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def product_files() -> dict[str, Path]:
    files = {}
    for top in PRODUCT:
        for path in (ROOT / top).rglob("*.py"):
            if "versions" in path.parts and "migrations" in path.parts:
                continue  # Alembic revisions are loaded by Alembic, not imported
            files[module_name(path)] = path
    return files


MODULES = product_files()


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _resolve(name: str) -> str | None:
    """The module of ours an imported name refers to (the longest one that exists), else None."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in MODULES:
            return candidate
        parts.pop()
    return None


def imports_of(module: str) -> set[str]:
    """Every name `module` imports (ours resolved to modules; others as written), importlib strings too."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.add(full if _resolve(full) == full else base)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and MODULE_STRING.match(node.value):
            if _resolve(node.value) == node.value:  # names a module exactly (a logger's name may not)
                found.add(node.value)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def layer_of(module: str) -> tuple[int, str] | None:
    for rank, peers in enumerate(LAYERS):
        for package in peers:
            if module == package or module.startswith(package + "."):
                return rank, package
    return None


def _ours(name: str) -> str | None:
    return _resolve(name) if name.split(".")[0] in PRODUCT else None


def test_every_bot_module_sits_in_a_layer():
    loose = [m for m in MODULES if m.startswith("bot") and m not in ROOT_MODULES and layer_of(m) is None]
    assert loose == []


def test_each_layer_imports_only_the_layers_above_it():
    offenders = []
    for module in MODULES:
        here = layer_of(module)
        if here is None:
            continue
        for name in imports_of(module):
            target = _ours(name)
            if target is None:
                continue
            if not target.startswith("bot") or target in ROOT_MODULES:
                offenders.append(f"{module} imports {target}")  # adapters, handlers or the composition root
                continue
            there = layer_of(target)
            if there is None:
                continue
            if there[1] == here[1]:
                continue  # within its own package
            if there[0] >= here[0]:
                offenders.append(f"{module} ({here[1]}) imports {target} ({there[1]})")
    assert offenders == []


def test_only_the_composition_root_names_adapters_and_handlers():
    offenders = []
    for module in MODULES:
        if module in ROOT_MODULES:
            continue
        own = module.split(".")[0]
        for name in imports_of(module):
            target = _ours(name)
            if target is None:
                continue
            top = target.split(".")[0]
            if top in ("adapters", "handlers") and top != own:
                offenders.append(f"{module} names {target}")
            if own == "adapters" and target.split(".")[1] != module.split(".")[1] and top == "adapters":
                offenders.append(f"{module} names another platform's {target}")
    assert offenders == []


def test_nothing_outside_the_root_imports_it_back():
    offenders = [f"{module} imports {target}" for module in MODULES if module not in ROOT_MODULES
                 for target in filter(None, map(_ours, imports_of(module))) if target in ROOT_MODULES - {"bot"}]
    assert offenders == []


@pytest.mark.parametrize("top", ["bot", "handlers"])
def test_domain_and_handlers_import_no_platform_sdk(top):
    offenders = [f"{module} imports {name}" for module in MODULES if module.split(".")[0] == top
                 for name in imports_of(module) if name.split(".")[0] in SDKS]
    assert offenders == []


def test_handlers_use_only_the_domain_and_chat_layers():
    allowed = ("bot.core", "bot.store", "bot.services", "bot.chat", "handlers")
    offenders = [f"{module} imports {target}" for module in MODULES if module.startswith("handlers")
                 for target in filter(None, map(_ours, imports_of(module))) if not target.startswith(allowed)]
    assert offenders == []


def _cycles() -> list[list[str]]:
    graph = {m: {t for t in map(_ours, imports_of(m)) if t and t != m} for m in MODULES}
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def strong(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            strong(module)
    return out


def test_no_import_cycles():
    assert _cycles() == []


def test_the_checker_sees_importlib_strings_and_cycles(tmp_path):
    """The rules above would pass vacuously if the reader missed imports: check it finds the kinds it must."""
    assert "adapters.slack" in imports_of("bot.app") or any(
        name.startswith("adapters.") for name in imports_of("bot.app"))
    assert "bot.core.periods" in imports_of("bot.core.pace")
    assert all(layer_of(m) is not None for m in MODULES if m.startswith("bot.cli"))
