"""Small refusals, said right (issue 11.2): `demo` into an impossible place is refused in one line before
any progress is printed, and into a file says it is a file; a staff name with a full-width space inside is
the same person as without it; an option given without its value points to its own command's help."""

from __future__ import annotations

from conftest import committed, refused


def test_demo_under_a_file_is_refused_in_one_line_before_any_progress(cli, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    res = cli("demo", str(blocker / "demo"), store=False)
    assert res.exit_code == 1
    assert res.stderr.strip().splitlines() == [f"错误：文件操作失败（{blocker / 'demo'}）：路径中有一段不是文件夹"]
    assert not (blocker.parent / "demo").exists()


def test_demo_where_a_missing_folder_cannot_be_made_leaves_nothing(cli, tmp_path):
    # /proc does not take new folders: refused by the probe, nothing printed before the error
    res = cli("demo", "/proc/aftercare-demo/x", store=False)
    assert res.exit_code == 1
    assert res.stderr.strip().splitlines() == ["错误：文件操作失败（/proc/aftercare-demo/x）：文件或文件夹不存在"]


def test_demo_into_an_existing_file_says_it_is_a_file(cli, tmp_path):
    target = tmp_path / "empty.txt"
    target.write_text("")
    res = cli("demo", str(target), store=False)
    assert res.exit_code == 1
    assert res.stderr.strip().splitlines() == [f"错误：“{target}”是一个文件，不是文件夹，请指定一个新目录"]


def test_a_staff_name_with_a_full_width_space_is_written_without_it(cli):
    res = committed(cli, "staff", "add", "王\u3000强")
    assert "已添加工作人员：王强（专职社工）" in res.stdout
    assert "王强" in cli.ok("staff", "list").stdout


def test_a_staff_name_differing_only_in_spaces_is_a_duplicate(cli):
    committed(cli, "staff", "add", "王强")
    line = refused(cli, "staff", "add", "王\u3000强")
    assert line == "错误：工作人员“王强”已在名单上"
    committed(cli, "staff", "add", "Li Na")
    line = refused(cli, "staff", "add", "LiNa")
    assert line == "错误：名单上已有“Li Na”，与“LiNa”只差空格、全角半角或大小写；如确是另一人，请在姓名中加以区分"


def test_a_worker_named_with_a_space_finds_the_staff_member(cli):
    committed(cli, "staff", "add", "王强")
    cid = cli.add(1, notified_on="2026-03-01", reported_on="2026-03-02")
    committed(cli, "case", "set", cid, "--worker", "王 强")
    assert "王强" in cli.ok("show", cid).stdout


def test_an_option_without_its_value_points_to_its_commands_help(cli):
    res = cli("due", "--on", store=False)
    assert res.exit_code == 2
    assert res.stderr.strip() == "错误：选项 --on 需要一个值（运行 aftercare due -h 查看用法）"
    cid = cli.add(1, notified_on="2026-03-01", reported_on="2026-03-02")
    res = cli("record", "test", cid, "--result", store=False)
    assert res.exit_code == 2
    assert res.stderr.strip() == "错误：选项 --result 需要一个值（运行 aftercare record test -h 查看用法）"
