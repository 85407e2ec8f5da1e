"""The README documents every command and export format, and its quick start is what CI runs."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from app.cli import build_parser
from app.exporting import format_names

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands() -> list[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(sub.choices)


def _quick_start() -> list[str]:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```(?:sh|bash|console)?\n(.+?)\n```", section, flags=re.S)


@pytest.mark.parametrize("command", _commands())
def test_every_command_is_documented(command: str) -> None:
    assert f"python -m app {command}" in README, f"README does not show `python -m app {command}`"


@pytest.mark.parametrize("fmt", format_names())
def test_every_export_format_is_documented(fmt: str) -> None:
    assert f"--format {fmt}" in README, f"README does not show `--format {fmt}`"


def test_quick_start_has_exactly_two_commands() -> None:
    blocks = _quick_start()
    assert len(blocks) == 2, blocks
    run, test = blocks
    assert "python -m app serve" in run and "requirements.txt" in run
    assert "pytest" in test and "requirements-dev.txt" in test


def test_ci_runs_the_readme_test_command() -> None:
    test_command = _quick_start()[1].strip()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci.splitlines()


def test_changelog_follows_keep_a_changelog() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert changelog.startswith("# Changelog")
    assert "## [Unreleased]" in changelog or re.search(r"## \[\d+\.\d+\.\d+\]", changelog)
