"""The layout rules of the package, checked on its source: layers, SQL only in storage, file sizes.

These are the rules the README's "How it is built" describes; a change that breaks one fails here
with the file and line that broke it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent / "audiolab"
MAX_LINES = 500

# Which layers each layer may import (besides itself and audiolab.errors).
LAYERS = {
    "core": set(),
    "media": {"core"},
    "pipelines": {"core", "media"},
    "storage": {"core"},
    "export": {"core", "media"},
    "qa": {"core", "export", "pipelines"},
    "services": {"core", "media", "pipelines", "storage", "export", "qa"},
    "ui": {"core", "media", "services", "export", "qa"},
    "cli": {"core", "media", "services", "export", "qa", "pipelines", "ui"},
}
SQL = re.compile(r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(TABLE|INDEX)|PRAGMA\s)")


def _sources(suffixes: tuple[str, ...] = (".py",)) -> list[Path]:
    return sorted(p for p in PKG.rglob("*") if p.suffix in suffixes and "__pycache__" not in p.parts)


def _layer(path: Path) -> str | None:
    rel = path.relative_to(PKG).parts
    return rel[0] if len(rel) > 1 else None


def test_no_source_file_is_over_the_size_limit() -> None:
    big = [f"{p.relative_to(PKG.parent)}: {n} lines" for p in _sources((".py", ".js", ".css"))
           if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES]
    assert not big, f"files over {MAX_LINES} lines: {big}"


def test_sql_lives_only_in_storage() -> None:
    found = []
    for p in _sources():
        if _layer(p) == "storage":
            continue
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value):
                found.append(f"{p.relative_to(PKG.parent)}:{node.lineno}: {node.value[:60]!r}")
    assert not found, "SQL outside audiolab/storage/:\n" + "\n".join(found)


def _imports(path: Path) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module))
    return out


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_imports_point_inward(layer: str) -> None:
    allowed = LAYERS[layer] | {layer}
    bad = []
    for p in _sources():
        if _layer(p) != layer:
            continue
        for line, name in _imports(p):
            parts = name.split(".")
            if parts[0] == "gradio" and layer not in ("ui", "cli"):
                bad.append(f"{p.relative_to(PKG.parent)}:{line}: imports gradio below ui/")
            if parts[0] != "audiolab" or len(parts) < 2 or parts[1] in ("errors",):
                continue
            target = parts[1]
            if target in LAYERS and target not in allowed:
                bad.append(f"{p.relative_to(PKG.parent)}:{line}: {layer} imports {name}")
    assert not bad, "\n".join(bad)


def test_the_size_rule_sees_the_editor_sources() -> None:
    """The checks above would pass vacuously if the globs found nothing."""
    names = {p.name for p in _sources((".py", ".js"))}
    assert {"db.py", "edits.py", "app.py"} <= names and any(n.endswith(".js") for n in names)
