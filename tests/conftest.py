"""Shared fixtures: a git identity, temporary stores, a CLI runner with a fixed today."""

from __future__ import annotations

import random
import subprocess
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aftercare.cli import app
from aftercare.ids import fictional_id_number, fictional_name


@pytest.fixture(autouse=True)
def git_identity(monkeypatch):
    monkeypatch.setenv("GIT_AUTHOR_NAME", "测试员")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "tester@example.invalid")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "测试员")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "tester@example.invalid")
    monkeypatch.delenv("AFTERCARE_TODAY", raising=False)
    monkeypatch.delenv("AFTERCARE_STORE", raising=False)


def person(seed: int = 1, birth: date = date(1990, 1, 1), sex: str = "男") -> tuple[str, str]:
    rng = random.Random(seed)
    return fictional_name(rng), fictional_id_number(rng, birth, sex)


class Cli:
    """Runs the command line against one store with a fixed today."""

    def __init__(self, root: Path, today: str = "2026-05-20"):
        self.root = root
        self.today = today
        self.runner = CliRunner()

    def __call__(self, *args: str, today: str | None = None, store: bool = True):
        argv = list(args)
        if store:
            argv += ["--store", str(self.root)]
        env = {"AFTERCARE_TODAY": today or self.today}
        return self.runner.invoke(app, argv, env=env, catch_exceptions=False)

    def ok(self, *args: str, **kw):
        res = self(*args, **kw)
        assert res.exit_code == 0, f"{args}: {res.output}"
        return res

    def commits(self) -> int:
        return int(git(self.root, "rev-list", "--count", "HEAD"))

    def add(self, seed: int = 1, measure: str = "detox", today: str | None = None, **opts) -> str:
        name, idn = person(seed)
        argv = ["case", "add", "--name", name, "--id-number", idn, "--measure", measure]
        for k, v in opts.items():
            argv += ["--" + k.replace("_", "-"), str(v)]
        res = self.ok(*argv, today=today)
        return res.stdout.strip().splitlines()[-1]


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def cli(tmp_path) -> Cli:
    root = tmp_path / "store"
    c = Cli(root)
    c.ok("init", str(root), "--office", "测试镇社区戒毒（康复）工作办公室", store=False)
    return c
