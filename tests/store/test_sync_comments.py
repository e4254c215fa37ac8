"""Issue 9 (nothing lost): comment lines that a user wrote in a shared YAML file survive `sync`.

The YAML merge driver (`merge3`) merges by content and wrote ours' text edited: a comment line that
only the other side added — another office's committed comment, or the user's uncommitted hand edit
that git's autostash re-applies through the driver — vanished without a word."""

from __future__ import annotations

import json

from conftest import Cli, git, case_dir, case_path
from test_sync_same_file import _converged, _pair

NOTE = "# 李娟：兼管档案室钥匙"
HAND = "# 手工备注：王强下月起借调县禁毒办"


def _staff(c: Cli) -> set:
    return {s["name"] for s in json.loads(c.ok("staff", "list", "--format", "json").stdout)}


def _hand_edit(path, before: str, line: str) -> None:
    """Put `line` right above the (only) line `before` of the file."""
    text = path.read_text(encoding="utf-8")
    assert text.count(before + "\n") == 1
    path.write_text(text.replace(before + "\n", line + "\n" + before + "\n"), encoding="utf-8")


def _b_then_a_synced(a: Cli, b: Cli) -> None:
    res = b("sync")
    assert res.exit_code == 0, res.output
    a.ok("sync")
    _converged(a, b)


def test_a_comment_committed_by_the_other_office_survives_when_both_changed_staff(tmp_path):
    a, b, _cid = _pair(tmp_path)
    a.ok("staff", "add", "王强")
    a.ok("sync")                                     # A's change is on the remote first: B replays onto it
    _hand_edit(b.root / "aftercare.yaml", '- name: "李娟"', NOTE)
    git(b.root, "commit", "-qam", "Note who keeps the archive key")
    b.ok("staff", "add", "赵敏")
    assert NOTE in (b.root / "aftercare.yaml").read_text(encoding="utf-8")
    _b_then_a_synced(a, b)
    for c in (a, b):
        text = (c.root / "aftercare.yaml").read_text(encoding="utf-8")
        assert text.count(NOTE + "\n") == 1, text    # today: gone on both sides, no word said
        assert text.index(NOTE) < text.index('- name: "李娟"')
        assert {"李娟", "王强", "赵敏"} <= _staff(c)


def test_a_comment_of_each_office_next_to_both_offices_new_staff_survives(tmp_path):
    """Both add a staff member at the same place (git's line merge cannot join them) and a comment
    there: the content merge keeps ours' comment, the other one is put back before its line."""
    a, b, _cid = _pair(tmp_path)
    a.ok("staff", "add", "王强")
    _hand_edit(a.root / "aftercare.yaml", '- name: "王强"', "# 王强：周一、周三坐班")
    git(a.root, "commit", "-qam", "Note when the new worker is in")
    a.ok("sync")
    b.ok("staff", "add", "赵敏")
    _hand_edit(b.root / "aftercare.yaml", '- name: "赵敏"', "# 赵敏：兼职，周五坐班")
    git(b.root, "commit", "-qam", "Note when the part-time worker is in")
    _b_then_a_synced(a, b)
    for c in (a, b):
        text = (c.root / "aftercare.yaml").read_text(encoding="utf-8")
        for name, note in (("王强", "# 王强：周一、周三坐班"), ("赵敏", "# 赵敏：兼职，周五坐班")):
            assert text.count(note + "\n") == 1, text
            assert text.index(note) < text.index(f'- name: "{name}"'), text
        assert {"李娟", "王强", "赵敏"} <= _staff(c)


def test_an_uncommitted_comment_in_aftercare_yaml_survives_a_sync_that_changes_the_file(tmp_path):
    a, b, _cid = _pair(tmp_path)
    b.ok("staff", "add", "赵敏")
    b.ok("sync")
    edited = a.root / "aftercare.yaml"
    edited.write_text(edited.read_text(encoding="utf-8") + HAND + "\n", encoding="utf-8")
    res = a("sync")
    assert res.exit_code == 0, res.output
    text = edited.read_text(encoding="utf-8")
    assert text.endswith(HAND + "\n"), text          # today: the hand edit is gone, sync says nothing
    assert "赵敏" in _staff(a)                        # and the remote's change is here
    assert git(a.root, "status", "--porcelain") == "M aftercare.yaml"   # still the user's, uncommitted
    assert git(a.root, "stash", "list") == ""
    assert git(a.root, "rev-parse", "HEAD") == git(b.root, "rev-parse", "HEAD")


def test_an_uncommitted_comment_in_case_yaml_survives_a_sync_that_changes_the_case(tmp_path):
    a, b, cid = _pair(tmp_path)
    b.ok("case", "set", cid, "--address", "某某村5组")
    b.ok("sync")
    case = case_dir(a.root, cid) / "case.yaml"
    lines = case.read_text(encoding="utf-8").splitlines()
    anchor = next(ln for ln in lines if ln.startswith("name:"))
    _hand_edit(case, anchor, "# 手工备注：本人说下月搬家")
    res = a("sync")
    assert res.exit_code == 0, res.output
    text = case.read_text(encoding="utf-8")
    assert "# 手工备注：本人说下月搬家\n" + anchor + "\n" in text, text
    shown = json.loads(a.ok("show", cid, "--format", "json").stdout)
    assert shown["address"] == "某某村5组"
    assert git(a.root, "status", "--porcelain") == f"M {case_path(cid)}/case.yaml"


def test_a_comment_committed_by_the_other_office_in_case_yaml_survives(tmp_path):
    a, b, cid = _pair(tmp_path)
    a.ok("case", "set", cid, "--phone", "13800000001")
    a.ok("sync")
    case = case_dir(b.root, cid) / "case.yaml"
    anchor = next(ln for ln in case.read_text(encoding="utf-8").splitlines() if ln.startswith("name:"))
    _hand_edit(case, anchor, "# 本人要求只打电话联系")
    git(b.root, "commit", "-qam", f"Note how to contact {cid}")
    b.ok("case", "set", cid, "--address", "某某村5组")
    _b_then_a_synced(a, b)
    for c in (a, b):
        text = (case_dir(c.root, cid) / "case.yaml").read_text(encoding="utf-8")
        assert "# 本人要求只打电话联系\n" + anchor + "\n" in text, text
        shown = json.loads(c.ok("show", cid, "--format", "json").stdout)
        assert shown["phone"] == "13800000001" and shown["address"] == "某某村5组"


def _annotated_phone(tmp_path, commit: bool):
    """B sets the phone; here, a trailing comment on the (old) phone line: the line both changed."""
    a, b, cid = _pair(tmp_path)
    b.ok("case", "set", cid, "--phone", "13800000001")
    b.ok("sync")
    case = case_dir(a.root, cid) / "case.yaml"
    text = case.read_text(encoding="utf-8")
    assert text.count('phone: ""\n') == 1
    case.write_text(text.replace('phone: ""\n', 'phone: ""  # 本人说没有手机\n'), encoding="utf-8")
    if commit:
        git(a.root, "commit", "-qam", f"Note on the phone of {cid}")
    return a, b, cid, case


def test_a_comment_that_has_no_certain_place_in_the_merge_is_refused_with_the_file_and_the_comment(tmp_path):
    a, b, cid, case = _annotated_phone(tmp_path, commit=True)
    head, before = git(a.root, "rev-parse", "HEAD"), case.read_text(encoding="utf-8")
    res = a("sync")                                  # today: exit 0, and the comment is gone
    assert res.exit_code == 1, res.output
    [line] = res.stderr.strip().splitlines()
    assert line.startswith(f"错误：同步冲突：{case_path(cid)}/case.yaml 中新加的注释“# 本人说没有手机”"), line
    assert "已放弃这次同步，本地记录完整保留" in line and "单独写成一行" in line
    assert git(a.root, "rev-parse", "HEAD") == head and git(a.root, "status", "--porcelain") == ""
    assert case.read_text(encoding="utf-8") == before
    moved = before.replace('phone: ""  # 本人说没有手机\n', '# 本人说没有手机\nphone: ""\n')
    case.write_text(moved, encoding="utf-8")         # what the message says to do
    git(a.root, "commit", "-qam", f"Put the note on the phone of {cid} on its own line")
    a.ok("sync")
    b.ok("sync")
    _converged(a, b)
    for c in (a, b):
        text = (case_dir(c.root, cid) / "case.yaml").read_text(encoding="utf-8")
        assert '# 本人说没有手机\nphone: "13800000001"\n' in text, text


def test_an_uncommitted_comment_that_has_no_certain_place_is_refused_and_left_as_it_was(tmp_path):
    a, _b, cid, case = _annotated_phone(tmp_path, commit=False)
    head, before = git(a.root, "rev-parse", "HEAD"), case.read_text(encoding="utf-8")
    res = a("sync")           # today: exit 0 "已同步", the file half merged (UU), the edit in git stash
    assert res.exit_code == 1, res.output
    [line] = res.stderr.strip().splitlines()
    assert line.startswith(f"错误：同步冲突：本处对 {case_path(cid)}/case.yaml 有未提交的改动"), line
    assert "“# 本人说没有手机”" in line and "未提交的改动原样保留" in line and "git commit" in line
    assert git(a.root, "rev-parse", "HEAD") == head
    assert case.read_text(encoding="utf-8") == before
    assert git(a.root, "status", "--porcelain") == f"M {case_path(cid)}/case.yaml"
    assert git(a.root, "stash", "list") == ""
    assert not (a.root / ".git" / "aftercare-sync.json").exists()
