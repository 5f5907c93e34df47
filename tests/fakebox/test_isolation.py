"""The fake box is a test double of AimHarder's protocol, not of the application's client.

If it imported the client's code (constants, parsers, window arithmetic), a misreading of
AimHarder there would be mirrored here and no test could see it.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import fakebox

APPLICATION = {"booking", "api", "schema", "jobs", "models"}
PACKAGE = Path(fakebox.__file__).parent


def imported_roots(source: str) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_the_scan_sees_every_form_of_import() -> None:
    source = (
        "import booking\nimport os, api.x\nfrom jobs.y import z\n"
        "def f():\n    from models import m\n"
    )
    assert imported_roots(source) & APPLICATION == {"booking", "api", "jobs", "models"}


def test_no_fakebox_module_imports_the_application() -> None:
    modules = sorted(PACKAGE.glob("*.py"))
    assert len(modules) > 10
    offenders = {
        path.name: sorted(imported_roots(path.read_text()) & APPLICATION) for path in modules
    }
    assert {name: roots for name, roots in offenders.items() if roots} == {}


def test_importing_the_fake_box_loads_nothing_of_the_application() -> None:
    probe = (
        "import sys, fakebox, fakebox.arrival, fakebox.__main__\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({sorted(APPLICATION)!r})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True,
        cwd=PACKAGE.parent, timeout=60,
    )
    assert result.stdout.strip() == "[]"
