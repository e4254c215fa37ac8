"""The program leaves without the interpreter's teardown (aftercare.cli.leave): the output a
subprocess sees, its exit code, the exit handlers and a record's one commit are as before."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import Cli, git


def _env(cli: Cli) -> dict:
    return dict(os.environ, AFTERCARE_TODAY=cli.today)


def _run(cli: Cli, *args: str, code: str | None = None) -> subprocess.CompletedProcess:
    argv = [*args, "--store", str(cli.root)]
    cmd = [sys.executable, "-m", "aftercare", *argv] if code is None else \
        [sys.executable, "-c", code + f"\nimport sys; sys.argv = ['aftercare'] + {argv!r}\nimport aftercare.cli as c; c.main()"]
    return subprocess.run(cmd, capture_output=True, env=_env(cli), timeout=60)


def test_output_and_exit_codes_are_whole(cli, tmp_path):
    cid = cli.add(1, reported_on="2026-03-05")
    for i in range(3):
        cli.ok("record", "visit", cid, "--date", f"2026-05-1{i}", "--kind", "phone", "--note", "访谈" * 300)
    inside = cli("show", cid)                      # the same command in this process (typer's test runner)
    out = _run(cli, "show", cid)
    assert out.returncode == 0 and out.stdout.decode() == inside.stdout and len(out.stdout) > 4000
    js = _run(cli, "show", cid, "--format", "json")
    assert js.returncode == 0 and js.stdout.decode() == cli("show", cid, "--format", "json").stdout
    bad = _run(cli, "show", "2026-9999")
    assert bad.returncode == 1 and bad.stdout == b"" and bad.stderr.decode().startswith("错误：没有编号为")
    usage = _run(cli, "show")
    assert usage.returncode == 2 and usage.stderr.decode().startswith("错误：")


def test_exit_handlers_run_and_a_record_is_one_commit(cli, tmp_path):
    cid = cli.add(1, reported_on="2026-03-05")
    mark = tmp_path / "ran"
    before = cli.commits()
    res = _run(cli, "record", "visit", cid, "--date", "2026-05-19", "--kind", "phone",
               code=f"import atexit; atexit.register(lambda: open({str(mark)!r}, 'w').write('ran'))")
    assert res.returncode == 0, res.stderr
    assert mark.read_text() == "ran"
    assert cli.commits() == before + 1 and git(cli.root, "status", "--porcelain") == ""
    assert not (cli.root / ".git" / "aftercare-journal").exists()


def test_a_thread_still_at_work_is_waited_for(cli, tmp_path):
    mark = tmp_path / "thread"
    code = ("import threading, time\n"
            f"def late():\n    time.sleep(0.3)\n    open({str(mark)!r}, 'w').write('done')\n"
            "threading.Thread(target=late).start()")
    res = _run(cli, "case", "list", code=code)
    assert res.returncode == 0 and mark.read_text() == "done"
