"""`check` shows each problem's hint (what to do) beside it, and `--format json` gives path, line, code,
message and hint of every problem and warning (issue 11: one formatter for message, path:line and hint)."""

from __future__ import annotations

import json

from conftest import refused, case_dir, case_path


def test_check_shows_the_hint_beside_each_problem(cli):
    cid = cli.add(1, notified_on="2026-03-02", reported_on="2026-03-05")
    (cli.root / "cases" / "notes.txt").write_text("x")
    (case_dir(cli.root, cid) / "case.yaml").chmod(0o644)
    res = cli("check")
    assert res.exit_code == 1
    assert res.stdout.splitlines() == [
        "cases/notes.txt:0: cases 目录下只应有分组文件夹  提示：移走该文件",
        f"{case_path(cid)}/case.yaml: 文件可被其他用户读取（权限 644，应为 600）"
        "  提示：任一写入命令（如 aftercare record、aftercare sync）都会自动改为仅本人可读写（文件 600、目录 700），"
        f"或运行 chmod -R go-rwx {cli.root}",
        "cases/notes.txt:1: 有未提交的改动（git status）：不在审计轨迹中"
        "  提示：手工修改请用 git diff 查看后提交（写明原因）或用 git checkout 恢复",
    ]
    assert res.stderr.strip() == "共 3 处问题。修正上述文件后再运行 aftercare check。"


def test_check_json_has_code_and_hint(cli):
    cli.add(1, notified_on="2026-03-02", reported_on="2026-03-05")
    (cli.root / "cases" / "notes.txt").write_text("x")
    res = cli("check", "--format", "json")
    assert res.exit_code == 1
    assert json.loads(res.stdout) == {
        "problems": [{"path": "cases/notes.txt", "line": 0, "code": "stray-file", "message": "cases 目录下只应有分组文件夹",
                      "hint": "移走该文件"},
                     {"path": "cases/notes.txt", "line": 1, "code": "uncommitted",
                      "message": "有未提交的改动（git status）：不在审计轨迹中",
                      "hint": "手工修改请用 git diff 查看后提交（写明原因）或用 git checkout 恢复"}],
        "warnings": [],
    }
    (cli.root / "cases" / "notes.txt").unlink()
    res = cli("check", "--format", "json")
    assert res.exit_code == 0 and json.loads(res.stdout) == {"problems": [], "warnings": []}


def test_check_refuses_an_unknown_format(cli):
    assert "输出格式" in refused(cli, "check", "--format", "xml")
