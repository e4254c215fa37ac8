"""Issue 9.10: a file restored with `git checkout` (as the program advises) under the usual umask 022
is made private again by the next command, and `check` says how to fix a file readable by others."""

from __future__ import annotations

import stat
import subprocess
from conftest import case_dir, case_path


def test_a_file_restored_with_git_checkout_is_private_again_after_the_next_command(cli):
    cid = cli.add(1, notified_on="2026-03-01", reported_on="2026-03-02")
    [f] = (case_dir(cli.root, cid) / "events").glob("*.yaml")
    f.write_text(f.read_text() + "- [\n")                          # a broken hand edit
    res = cli("show", cid)
    assert "git checkout" in res.output                             # the program's own advice (提示：…)
    subprocess.run(["sh", "-c", f"umask 022; rm '{f}'; git -C '{cli.root}' checkout -- '{f}'"], check=True)
    other = cli.add(2, notified_on="2026-03-01", reported_on="2026-03-02")
    cli.ok("record", "visit", other, "--date", "2026-05-19")        # any command afterwards
    cli.ok("due")
    assert stat.S_IMODE(f.stat().st_mode) == 0o600                   # today: 0644
    assert cli("check").exit_code == 0                               # today: exit 1 (权限 644) for ever


def test_check_says_how_to_fix_a_file_readable_by_others_without_a_line_number(cli):
    cid = cli.add(1, notified_on="2026-03-01", reported_on="2026-03-02")
    (case_dir(cli.root, cid) / "case.yaml").chmod(0o644)            # a hand chmod: git's index unchanged
    res = cli("check")
    assert res.exit_code == 1
    [line] = [ln for ln in res.stdout.splitlines() if ln.startswith(f"{case_path(cid)}/case.yaml")]
    assert line.startswith(f"{case_path(cid)}/case.yaml: 文件可被其他用户读取（权限 644，应为 600）")   # no ":0"
    assert "提示：" in line and "chmod -R go-rwx" in line and "写入命令" in line
    assert cli("check").exit_code == 1                               # check itself changes nothing
    other = cli.add(2, notified_on="2026-03-01", reported_on="2026-03-02")    # as the hint says: any write
    assert cli("check").exit_code == 0
    assert stat.S_IMODE((case_dir(cli.root, cid) / "case.yaml").stat().st_mode) == 0o600
