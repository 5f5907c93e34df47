"""The alerting rules: promtool checks them and runs their unit tests; every alert is covered.

promtool comes from Debian's prometheus package (`make test` installs it where apt-get runs as
root). Without it these tests skip and say why, except on CI where it could have been installed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus" / "alerts.yml"
RULE_TESTS = ROOT / "deploy" / "prometheus" / "alerts.test.yml"
DEPLOY_DOC = ROOT / "docs" / "deploy.md"


def alerts() -> list[dict[str, Any]]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return [rule for group in groups for rule in group["rules"] if "alert" in rule]


def find_promtool() -> str | None:
    """On PATH, or in the virtualenv where `make test` puts it."""
    venv_bin = str(Path(sys.executable).parent)
    return shutil.which("promtool") or shutil.which("promtool", path=venv_bin)


def installable() -> bool:
    return os.geteuid() == 0 and shutil.which("apt-get") is not None


@pytest.fixture(scope="module")
def promtool() -> str:
    found = find_promtool()
    if found is None:
        reason = ("promtool is not installed; `make test` installs it from Debian's prometheus "
                  "package when apt-get runs as root")
        if os.environ.get("CI") == "true" and installable():
            pytest.fail(reason + ", as it does here: the install step failed")
        pytest.skip(reason)
    return found


def run(promtool: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([promtool, *args], capture_output=True, text=True, timeout=60,
                          cwd=RULES.parent, check=False)


def test_promtool_accepts_the_rules(promtool: str) -> None:
    done = run(promtool, "check", "rules", RULES.name)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"SUCCESS: {len(alerts())} rules found" in done.stdout


def test_the_rules_unit_tests_pass(promtool: str) -> None:
    done = run(promtool, "test", "rules", RULE_TESTS.name)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


def test_promtool_would_see_a_broken_expectation(promtool: str, tmp_path: Path) -> None:
    # The unit tests can fail: the same tests against rules whose thresholds never trip.
    never = re.sub(r"\) > [0-9.]+$", ") > 1e9", RULES.read_text(), flags=re.M)
    assert never != RULES.read_text()
    (tmp_path / RULES.name).write_text(never)
    shutil.copy(RULE_TESTS, tmp_path / RULE_TESTS.name)
    done = subprocess.run([promtool, "test", "rules", RULE_TESTS.name], capture_output=True,
                          text=True, timeout=60, cwd=tmp_path, check=False)
    assert done.returncode != 0
    assert "FAILED" in done.stdout + done.stderr


def test_every_alert_has_a_case_that_fires_and_one_that_must_not() -> None:
    cases = yaml.safe_load(RULE_TESTS.read_text())["tests"]
    fires: set[str] = set()
    silent: set[str] = set()
    for case in cases:
        for check in case.get("alert_rule_test", []):
            (fires if check.get("exp_alerts") else silent).add(check["alertname"])
    names = {rule["alert"] for rule in alerts()}
    assert names - fires == set(), "alerts never shown firing"
    assert names - silent == set(), "alerts never shown staying silent"
    assert (fires | silent) - names == set(), "tests of alerts that do not exist"


def test_each_alert_says_what_happened_what_to_do_and_where_the_runbook_is() -> None:
    headings = {
        re.sub(r"[^a-z0-9 -]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
        for line in DEPLOY_DOC.read_text().splitlines() if line.startswith("#")
    }
    for rule in alerts():
        notes = rule["annotations"]
        assert notes["summary"] and len(notes["description"]) > 80, rule["alert"]
        assert rule["labels"]["severity"] in ("warning", "critical"), rule["alert"]
        anchor = notes["runbook"].removeprefix("docs/deploy.md#")
        assert anchor == rule["alert"].lower(), rule["alert"]
        assert anchor in headings, f"docs/deploy.md has no section for {rule['alert']}"
