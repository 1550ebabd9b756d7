"""Data flows one way: the domain and the handlers never import chat platform SDKs."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SDKS = ("slack_bolt", "slack_sdk", "wechatpy", "dingtalk_stream", "adapters")


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_domain_and_handlers_import_no_platform_code():
    offenders = []
    for folder in ("bot", "handlers"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name == "cli.py":
                continue  # the CLI starts adapters; it is wiring, not domain
            for name in imports_of(path):
                if name.split(".")[0] in SDKS:
                    offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []
