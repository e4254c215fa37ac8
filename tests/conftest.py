"""Shared fixtures: a git identity, temporary stores, a CLI runner with a fixed today."""

from __future__ import annotations

import json
import random
import re
import subprocess
from datetime import date
from pathlib import Path

import sys

import pytest
from typer.testing import CliRunner

from aftercare.cli import full_app

app = full_app()

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))  # tools/synth.py
from aftercare.core.ids import fictional_id_number, fictional_name


OFFICE = "测试镇社区戒毒（康复）工作办公室"
IDENTITY = (("GIT_AUTHOR_NAME", "测试员"), ("GIT_AUTHOR_EMAIL", "tester@example.invalid"),
            ("GIT_COMMITTER_NAME", "测试员"), ("GIT_COMMITTER_EMAIL", "tester@example.invalid"))


@pytest.fixture(autouse=True)
def git_identity(monkeypatch):
    for k, v in IDENTITY:
        monkeypatch.setenv(k, v)
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


def case_path(cid: str) -> str:
    """A case's folder relative to the store, by the README's rule (written out here, not taken from the
    code under test): cases/<the ID without its last two characters, then "xx">/<ID>; "xx" for an ID of
    one or two characters (2026-0001 -> cases/2026-00xx/2026-0001)."""
    bucket = (cid[:-2] if len(cid) > 2 else "") + "xx"
    return f"cases/{bucket}/{cid}"


def case_dir(root: Path, cid: str) -> Path:
    """A case's folder in the store at `root` (`case_path`)."""
    return Path(root) / case_path(cid)


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def cli(tmp_path) -> Cli:
    root = tmp_path / "store"
    c = Cli(root)
    c.ok("init", str(root), "--office", OFFICE, store=False)
    return c


def shared_store(tmp_path_factory, name: str, build) -> tuple[Path, dict]:
    """A store built once for a module (its tests only read it): init, then build(cli) -> ids."""
    root = tmp_path_factory.mktemp(name) / "store"
    with pytest.MonkeyPatch.context() as mp:
        for k, v in IDENTITY:
            mp.setenv(k, v)
        c = Cli(root)
        c.ok("init", str(root), "--office", OFFICE, store=False)
        return root, build(c)


HAN = re.compile(r"[\u4e00-\u9fff]")


def refused(cli: Cli, *args: str, today: str | None = None) -> str:
    """A command that must be refused: exit 1, one Chinese line on stderr, no commit, nothing written."""
    before = cli.commits()
    res = cli(*args, today=today)
    assert res.exit_code == 1, f"{args}: exit {res.exit_code}\n{res.output}"
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("错误：") and HAN.search(lines[0][3:]), res.stderr
    assert cli.commits() == before, f"{args}: a refusal made a commit"
    assert git(cli.root, "status", "--porcelain") == "", f"{args}: a refusal left changes"
    return lines[0]


def committed(cli: Cli, *args: str, today: str | None = None):
    """A command that must succeed and make exactly one commit."""
    before = cli.commits()
    res = cli(*args, today=today)
    assert res.exit_code == 0, f"{args}: exit {res.exit_code}\n{res.output}"
    assert cli.commits() == before + 1, f"{args}: expected exactly one commit"
    assert git(cli.root, "status", "--porcelain") == ""
    return res


def staff(cli: Cli, *names: str) -> None:
    """Put workers on the store's staff list (every --worker must name someone on it)."""
    for name in names:
        cli.ok("staff", "add", name)


def show_json(cli: Cli, cid: str, today: str | None = None) -> dict:
    res = cli("show", cid, "--format", "json", today=today)
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def due_json(cli: Cli, cid: str, today: str | None = None, *extra: str) -> list:
    res = cli("due", "--case", cid, "--format", "json", *extra, today=today)
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def synth_with_demo(tmp_path_factory, n: int, seed: int, today: date) -> Path:
    """A synthetic store of `n` persons (tools/synth.py, no git) with the demo's twelve (awaiting, suspended,
    on leave, refusals, explanations …) added under the case IDs D<id>."""
    import shutil

    import synth

    root = tmp_path_factory.mktemp("synth") / "s"
    synth.generate(root, n, seed, today, git=False)
    demo = tmp_path_factory.mktemp("synth") / "demo"
    synth.generate_demo(demo)
    for d in sorted((demo / "cases").glob("*/*")):
        shutil.copytree(d, case_dir(root, f"D{d.name}"))
    return root
