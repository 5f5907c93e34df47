"""The packages depend on each other in one direction only (ARCHITECTURE.md):

    api → schema → booking → jobs → models;  localqstash and fakebox depend on nothing of the app.

Read from the source (every `import` and `from … import`, at any depth), so it stays true.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ORDER = ["api", "schema", "booking", "jobs", "models"]
STANDALONE = {"localqstash", "fakebox"}
APP = set(ORDER) | STANDALONE


def imported_packages(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & APP


def edges() -> dict[tuple[str, str], list[str]]:
    found: dict[tuple[str, str], list[str]] = {}
    for package in APP:
        for path in sorted((ROOT / package).rglob("*.py")):
            for other in imported_packages(path) - {package}:
                found.setdefault((package, other), []).append(str(path.relative_to(ROOT)))
    return found


def allowed(source: str, target: str) -> bool:
    if source in STANDALONE or target in STANDALONE:
        # the app may start the standalone servers (the CLI, the composition root)
        return (source == "api" and target in STANDALONE) or (
            source in ORDER and target == "localqstash" and source == "api")
    return ORDER.index(source) < ORDER.index(target)


def test_dependencies_point_one_way() -> None:
    wrong = {f"{s} → {t}": files for (s, t), files in edges().items() if not allowed(s, t)}
    assert wrong == {}


def test_the_check_sees_imports() -> None:
    found = edges()
    assert ("api", "booking") in found and ("booking", "models") in found
    assert allowed("api", "models") and not allowed("models", "api")
    assert not allowed("booking", "api") and not allowed("jobs", "booking")
    assert not allowed("fakebox", "booking") and not allowed("booking", "fakebox")
