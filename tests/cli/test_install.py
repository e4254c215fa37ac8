"""A normal install works: the wheel carries the templates (package data `aftercare.templates`, mapped from
the top-level templates/ folder), and a program installed from it renders HTML and PDF from a folder that is
not the checkout. `aftercare --version` prints the installed version."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import venv
from datetime import date
from pathlib import Path

import pytest

from conftest import person

ROOT = Path(__file__).resolve().parents[2]


def test_version(cli):
    import aftercare

    res = cli.ok("--version", store=False)
    assert res.stdout.strip() == f"aftercare {aftercare.__version__}"
    assert re.fullmatch(r"\d+\.\d+\.\d+", aftercare.__version__)


def _run(argv, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    res = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, f"{argv}: {res.stdout}\n{res.stderr}"
    return res


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A wheel built from a copy of the checkout, installed into a fresh virtual environment (the heavy
    dependencies come from the system site-packages; the program itself only from the wheel)."""
    base = tmp_path_factory.mktemp("wheel")
    src = base / "src"
    src.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    for name in ("aftercare", "templates"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    dist = base / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(src)], cwd=base)
    wheel, = dist.glob("aftercare-*.whl")
    env_dir = base / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(env_dir)    # pip: the system's
    py = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    _run([str(py), "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)], cwd=base, env=env)
    return py, env, env_dir, wheel


@pytest.mark.slow
def test_wheel_carries_the_templates(installed):
    import zipfile

    _py, _env, _base, wheel = installed
    names = zipfile.ZipFile(wheel).namelist()
    shipped = sorted(p.name for p in (ROOT / "templates").iterdir() if p.suffix in (".j2", ".css"))
    assert shipped and all(f"aftercare/templates/{n}" in names for n in shipped)
    assert not any(n.startswith("templates/") for n in names)          # no top-level `templates` package


@pytest.mark.slow
def test_installed_wheel_renders_html_and_pdf(installed, tmp_path):
    py, env, env_dir, _wheel = installed
    work = tmp_path / "elsewhere"                                       # not the checkout
    work.mkdir()
    where = _run([str(py), "-c", "import aftercare, aftercare.documents.templating as t; "
                                 "print(aftercare.__file__); print(t.shipped_templates())"], cwd=work, env=env).stdout.split()
    pkg = Path(where[0]).parent
    assert env_dir.resolve() in pkg.parents, pkg                        # the installed copy, not a checkout
    assert Path(where[1]) == pkg / "templates"
    meta = _run([str(py), "-c", "from importlib.metadata import version; print(version('aftercare'))"],
                cwd=work, env=env).stdout.strip()
    assert _run([str(py), "-m", "aftercare", "--version"], cwd=work, env=env).stdout.strip() == f"aftercare {meta}"

    env = dict(env, AFTERCARE_TODAY="2026-05-20", GIT_AUTHOR_NAME="测试员", GIT_AUTHOR_EMAIL="t@example.invalid",
               GIT_COMMITTER_NAME="测试员", GIT_COMMITTER_EMAIL="t@example.invalid")
    store = work / "store"
    _run([str(py), "-m", "aftercare", "init", str(store), "--office", "测试镇社区戒毒（康复）工作办公室"], cwd=work, env=env)
    name, idn = person(7, date(1990, 6, 1))
    out = _run([str(py), "-m", "aftercare", "case", "add", "--name", name, "--id-number", idn, "--measure", "detox",
                "--notified-on", "2026-04-01", "--reported-on", "2026-04-10", "--store", str(store)], cwd=work, env=env)
    cid = out.stdout.strip().splitlines()[-1]
    _run([str(py), "-m", "aftercare", "render", cid, "--out", str(work / "html"), "--store", str(store)], cwd=work, env=env)
    reg = (work / "html" / cid / "02-基本情况登记表.html").read_text(encoding="utf-8")
    assert name in reg and "社区戒毒（康复）人员基本情况登记表" in reg
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        return                                                          # PDF needs WeasyPrint's system libraries
    _run([str(py), "-m", "aftercare", "render", cid, "--format", "pdf", "--out", str(work / "pdf"), "--store", str(store)],
         cwd=work, env=env)
    whole = work / "pdf" / cid / f"{cid}-全卷.pdf"
    assert whole.read_bytes()[:5] == b"%PDF-"


def test_ci_runs_the_readme_commands_as_written():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_two = re.findall(r"```sh\n(.*?)\n```", readme, re.S)[:2]
    assert len(first_two) == 2 and "sudo" not in "".join(first_two)     # root has no sudo; a user is told
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    for command in first_two:
        assert command in ci, command


@pytest.mark.slow
def test_installed_wheel_merges_the_staff_list_of_two_offices_on_sync(installed, tmp_path):
    """The YAML merge driver that `sync` hands to git runs the installed program (its python, its
    package), not a checkout: two clones of one remote, `staff add 王强` on one and `staff add 赵敏` on
    the other, both sync (a line merge of aftercare.yaml would conflict), both keep both workers."""
    py, env, _env_dir, _wheel = installed
    work = tmp_path / "elsewhere"                                       # not the checkout
    work.mkdir()
    env = dict(env, AFTERCARE_TODAY="2026-05-20", GIT_AUTHOR_NAME="测试员", GIT_AUTHOR_EMAIL="t@example.invalid",
               GIT_COMMITTER_NAME="测试员", GIT_COMMITTER_EMAIL="t@example.invalid")

    def aftercare(store: Path, *args: str) -> str:
        return _run([str(py), "-m", "aftercare", *args, "--store", str(store)], cwd=work, env=env).stdout

    a, b, bare = work / "A", work / "B", work / "shared.git"
    _run([str(py), "-m", "aftercare", "init", str(a), "--office", "测试镇社区戒毒（康复）工作办公室"], cwd=work, env=env)
    aftercare(a, "staff", "add", "李娟")
    _run(["git", "init", "-q", "--bare", str(bare)], cwd=work)
    _run(["git", "-C", str(a), "remote", "add", "origin", str(bare)], cwd=work)
    aftercare(a, "sync")
    _run(["git", "clone", "-q", str(bare), str(b)], cwd=work)
    aftercare(a, "staff", "add", "王强")
    aftercare(b, "staff", "add", "赵敏")
    aftercare(a, "sync")
    aftercare(b, "sync")                  # merges aftercare.yaml with the driver
    aftercare(a, "sync")
    for store in (a, b):
        names = {s["name"] for s in json.loads(aftercare(store, "staff", "list", "--format", "json"))}
        assert names == {"李娟", "王强", "赵敏"}
        assert _run(["git", "-C", str(store), "status", "--porcelain"], cwd=work).stdout == ""
    heads = {_run(["git", "-C", str(s), "rev-parse", "HEAD"], cwd=work).stdout for s in (a, b)}
    assert len(heads) == 1
