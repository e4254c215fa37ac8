"""The commit plumbing (gitops.Git.commit): six git processes, HEAD read from .git's files, the trees on
the changed paths computed here and written by one `mktree --batch`. Each result is compared with what
git itself makes of the same change (its index and `write-tree`), never with this module's own output."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from aftercare.store.gitops import Git, read_head, _UNKNOWN
from aftercare.store.store import _config_origin
from conftest import Cli, case_path, git, person


def _repo(root: Path) -> Git:
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return Git(root)


def _write(root: Path, rel: str, text: str) -> None:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")


def _git_tree_of_work_tree(root: Path, tmp: Path) -> str:
    """The tree git itself builds from the whole work tree (a copy, with its own index)."""
    copy = tmp / "copy"
    shutil.copytree(root, copy)
    git(copy, "add", "-A")
    return git(copy, "write-tree")


def test_commits_equal_the_trees_git_builds(tmp_path, git_identity):
    root = tmp_path / "repo"
    g = _repo(root)
    gd = root / ".git"
    assert g.head() is None and read_head(str(gd)) is None            # a branch without commits
    _write(root, "aftercare.yaml", "office: x\n")
    _write(root, "cases/2026-0001/case.yaml", "name: a\n")
    _write(root, "cases/2026-0002/case.yaml", "name: b\n")
    _write(root, "cases/2026-0002/events/2026-abcd.yaml", "- {id: x}\n")
    _write(root, "a b/c d.yaml", "spaces\n")                         # names with spaces
    paths = ["aftercare.yaml", "cases/2026-0001/case.yaml", "cases/2026-0002/case.yaml",
             "cases/2026-0002/events/2026-abcd.yaml", "a b/c d.yaml"]
    first = g.commit(paths, "first", gd)
    assert git(root, "rev-parse", "HEAD") == first == g.head()
    assert git(root, "rev-parse", "HEAD^{tree}") == _git_tree_of_work_tree(root, tmp_path / "1")
    # a new file in a new folder, a changed file, and a removal that empties two folders
    _write(root, "cases/2026-0003/events/2026-abcd.yaml", "- {id: y}\n")
    _write(root, "cases/2026-0001/case.yaml", "name: a2\n")
    os.remove(root / "cases/2026-0002/events/2026-abcd.yaml")
    os.rmdir(root / "cases/2026-0002/events")
    second = g.commit(["cases/2026-0003/events/2026-abcd.yaml", "cases/2026-0001/case.yaml",
                       "cases/2026-0002/events/2026-abcd.yaml"], "second", gd)
    assert git(root, "rev-parse", "HEAD") == second and git(root, "rev-parse", "HEAD^") == first
    assert git(root, "rev-parse", "HEAD^{tree}") == _git_tree_of_work_tree(root, tmp_path / "2")
    assert git(root, "ls-tree", "-r", "--name-only", "HEAD", "cases/2026-0002") == "cases/2026-0002/case.yaml"
    assert git(root, "status", "--porcelain") == ""                   # the index kept in step
    assert subprocess.run(["git", "-C", str(root), "fsck", "--strict"], capture_output=True).returncode == 0
    # removing the last file of the repository leaves the empty tree
    for p in ("aftercare.yaml", "cases/2026-0001/case.yaml", "cases/2026-0002/case.yaml",
              "cases/2026-0003/events/2026-abcd.yaml", "a b/c d.yaml"):
        os.remove(root / p)
    g.commit(["aftercare.yaml", "cases/2026-0001/case.yaml", "cases/2026-0002/case.yaml",
              "cases/2026-0003/events/2026-abcd.yaml", "a b/c d.yaml"], "empty", gd)
    assert git(root, "rev-parse", "HEAD^{tree}") == "4b825dc642cb6eb9a060e54bf8d69288fbee4904"   # git's empty tree


def test_head_from_files_agrees_with_git(tmp_path, git_identity):
    root = tmp_path / "repo"
    g = _repo(root)
    _write(root, "f.yaml", "a: 1\n")
    c1 = g.commit(["f.yaml"], "one", root / ".git")
    gd = str(root / ".git")
    assert read_head(gd) == c1                                         # a loose branch ref
    git(root, "pack-refs", "--all")
    assert not (root / ".git" / "refs" / "heads" / "master").exists() and not (root / ".git/refs/heads/main").exists()
    assert read_head(gd) == c1                                         # packed
    _write(root, "f.yaml", "a: 2\n")
    c2 = g.commit(["f.yaml"], "two", root / ".git")
    assert read_head(gd) == c2 == git(root, "rev-parse", "HEAD")      # loose again, over the packed one
    git(root, "checkout", "-q", "--detach", c1)
    assert read_head(gd) == c1                                         # detached
    assert read_head(str(tmp_path / "nowhere")) is _UNKNOWN           # only git can tell: it is asked
    (root / ".git" / "reftable").mkdir()
    assert read_head(gd) is _UNKNOWN and g.head() == c1


def test_origin_read_from_the_config_file_only_when_certain(tmp_path):
    cfg = tmp_path / "config"
    cfg.write_text("[core]\n\tbare = false\n[aftercare]\n\torigin = k7qz\n")
    assert _config_origin(cfg) == "k7qz"
    cfg.write_text("[core]\n\tbare = false\n[AfterCare]\n\tORIGIN=k7qz\n")
    assert _config_origin(cfg) == "k7qz"
    for text in ("[aftercare]\n\torigin = k7qz\n[include]\n\tpath = other\n",     # an include may set it
                 "[aftercare]\n\torigin = k7qz\n[aftercare] origin = m3n4\n",     # a section and a key on one line
                 "[aftercare]\n\torigin = k7qz\n\torigin = m3n4\n",              # two values
                 "[aftercare]\n\torigin = \"k7 qz\"\n",                           # quoted
                 "[core]\n\tbare = false\n"):                                     # not set yet
        cfg.write_text(text)
        assert _config_origin(cfg) is None, text
    assert _config_origin(tmp_path / "missing") is None


def test_a_record_is_one_commit_of_its_file_under_the_origin_git_has(tmp_path, git_identity):
    c = Cli(tmp_path / "store")
    c.ok("init", str(c.root), "--office", "测试办公室", store=False)
    git(c.root, "config", "--local", "aftercare.origin", "zq7k")
    name, idn = person(3)
    cid = c.ok("case", "add", "--name", name, "--id-number", idn, "--measure", "detox",
               "--reported-on", "2026-03-05").stdout.split()[-1]
    before = c.commits()
    c.ok("record", "visit", cid, "--date", "2026-05-19", "--kind", "phone")
    assert c.commits() == before + 1
    assert git(c.root, "show", "--name-only", "--format=", "HEAD") == f"{case_path(cid)}/events/2026-zq7k.yaml"
    assert git(c.root, "status", "--porcelain") == "" and not (c.root / ".git" / "aftercare-journal").exists()
    assert subprocess.run(["git", "-C", str(c.root), "fsck", "--strict"], capture_output=True).returncode == 0


def test_a_large_folder_is_changed_in_place_as_git_would(tmp_path, git_identity, monkeypatch):
    """A folder above SPLICE_BYTES (600 case folders here, ~22 KB) gets its changed entry replaced in its
    bytes; the result is the tree git builds from the work tree, for a change, a new folder and a removal."""
    from aftercare.store import gitops

    root = tmp_path / "repo"
    g = _repo(root)
    gd = root / ".git"
    paths = []
    for i in range(600):
        _write(root, f"cases/2026-{i:04d}/case.yaml", f"n: {i}\n")
        paths.append(f"cases/2026-{i:04d}/case.yaml")
    _write(root, "aftercare.yaml", "office: x\n")
    g.commit(paths + ["aftercare.yaml"], "many", gd)
    size = len(subprocess.run(["git", "-C", str(root), "cat-file", "tree", "HEAD:cases"], capture_output=True).stdout)
    assert size > gitops.SPLICE_BYTES
    spliced = []

    def spy(*args):
        spliced.append(real(*args))
        return spliced[-1]

    real = gitops._spliced
    monkeypatch.setattr(gitops, "_spliced", spy)
    for step, (rel, text) in enumerate([("cases/2026-0300/events/2026-abcd.yaml", "- {id: a}\n"),
                                        ("cases/2026-0000/case.yaml", "n: zero\n"),
                                        ("cases/2026-0599/events/2026-abcd.yaml", "- {id: b}\n")]):
        _write(root, rel, text)
        g.commit([rel], f"step {step}", gd)
        assert git(root, "rev-parse", "HEAD^{tree}") == _git_tree_of_work_tree(root, tmp_path / f"s{step}")
    assert len(spliced) == 3 and all(b is not None for b in spliced)       # the in-place path was taken
    _write(root, "cases/2026-0600/case.yaml", "n: new\n")                   # a new folder: listed
    os.remove(root / "cases/2026-0001/case.yaml")                           # a folder emptied: listed
    os.rmdir(root / "cases/2026-0001")
    g.commit(["cases/2026-0600/case.yaml", "cases/2026-0001/case.yaml"], "add and remove", gd)
    assert spliced[-1] is None
    assert git(root, "rev-parse", "HEAD^{tree}") == _git_tree_of_work_tree(root, tmp_path / "last")
    assert git(root, "status", "--porcelain") == ""
    assert subprocess.run(["git", "-C", str(root), "fsck", "--strict"], capture_output=True).returncode == 0


def test_a_failed_commit_leaves_head_and_the_index_as_they_were(tmp_path, git_identity, monkeypatch):
    """The index is updated while the trees are made: when a later step fails (the trees, or the ref),
    HEAD stays and the index entries of the commit's paths are put back as HEAD has them."""
    from aftercare.store import gitops

    root = tmp_path / "repo"
    g = _repo(root)
    gd = root / ".git"
    _write(root, "cases/2026-0001/case.yaml", "n: 1\n")
    first = g.commit(["cases/2026-0001/case.yaml"], "first", gd)
    _write(root, "cases/2026-0001/case.yaml", "n: 2\n")
    _write(root, "cases/2026-0001/events/2026-abcd.yaml", "- {id: a}\n")
    paths = ["cases/2026-0001/case.yaml", "cases/2026-0001/events/2026-abcd.yaml"]

    def broken(self, head, paths):
        raise gitops.GitError("git 写入树失败：模拟", code="git-failed")

    with monkeypatch.context() as m:
        m.setattr(gitops.Git, "tree_with", broken)
        with pytest.raises(gitops.GitError, match="模拟"):
            g.commit(paths, "second", gd)
    assert g.head() == first and git(root, "diff", "--cached", "--name-only") == ""
    # the ref cannot be moved (another git holds its lock): git's words, and the index as it was
    branch = git(root, "symbolic-ref", "HEAD")
    (gd / (branch + ".lock")).write_text("")
    with pytest.raises(gitops.GitError) as err:
        g.commit(paths, "second", gd)
    assert err.value.message.startswith("git 更新分支失败：") and "磁盘空间已满" not in err.value.message
    assert g.head() == first and git(root, "diff", "--cached", "--name-only") == ""
    (gd / (branch + ".lock")).unlink()
    assert g.commit(paths, "second", gd) == g.head() != first and git(root, "status", "--porcelain") == ""


def test_a_git_failure_on_a_full_disk_says_so_though_git_does_not(tmp_path, monkeypatch):
    """git's ref update says only `couldn't write '….lock'` when the disk is full: with less than
    gitops.FULL_BYTES (1 MiB) free where git writes (blocks or inodes), the message says the disk is full."""
    import types

    from aftercare.store import gitops

    root = tmp_path / "repo"
    g = _repo(root)
    block = 4096

    def statvfs(free_blocks, free_inodes=1000):
        return lambda _p: types.SimpleNamespace(f_frsize=block, f_bavail=free_blocks, f_bfree=free_blocks,
                                                f_files=100000, f_ffree=free_inodes, f_favail=free_inodes)

    for blocks, inodes, full in ((0, 1000, True), (255, 1000, True),        # 255 × 4096 = 1,044,480 < 1 MiB
                                 (256, 1000, False),                        # 256 × 4096 = 1 MiB exactly
                                 (10**6, 0, True), (10**6, 1000, False)):
        monkeypatch.setattr(gitops.os, "statvfs", statvfs(blocks, inodes))
        with pytest.raises(gitops.GitError) as err:
            g.run("update-ref", "HEAD", "not-a-commit", what="git 更新分支")
        assert ("磁盘空间已满" in err.value.message) == full, (blocks, inodes, err.value.message)
        assert err.value.message.startswith("git 更新分支失败：")


def index_is_split(git_dir: Path) -> bool:
    """Whether git's index is split: its `link` extension names a shared part that exists."""
    data = (git_dir / "index").read_bytes()
    at = data.find(b"link")
    while at >= 0:
        if (git_dir / f"sharedindex.{data[at + 8:at + 28].hex()}").is_file():
            return True
        at = data.find(b"link", at + 1)
    return False


def test_a_large_index_is_split_and_kept_split_and_the_commits_stay_what_git_builds(tmp_path, git_identity,
                                                                                    monkeypatch):
    """An index of gitops.SPLIT_BYTES or more is switched to split mode by the commit's own index update
    (git then writes only its own part); an own part grown to half the shared part (entries git updated
    in place) is folded into a new shared part; an index unsplit by hand, or a configuration naming
    core.splitIndex, is left to git."""
    from aftercare.store import gitops

    root = tmp_path / "repo"
    g = _repo(root)
    gd = root / ".git"
    names = [f"cases/2026-00xx/f{i:03d}.yaml" for i in range(200)]
    for i, rel in enumerate(names):
        _write(root, rel, f"n: {i}\n")
        os.utime(root / rel, (1_700_000_000, 1_700_000_000))   # not racily clean: git keeps such entries apart
    g.commit(names, "many", gd)
    size = (gd / "index").stat().st_size
    assert not gitops.split_wanted(gd) and not index_is_split(gd)             # far below 4 MiB
    monkeypatch.setattr(gitops, "SPLIT_BYTES", size)
    assert gitops.split_wanted(gd)
    _write(root, "cases/2026-00xx/new.yaml", "- {id: a}\n")
    g.commit(["cases/2026-00xx/new.yaml"], "split", gd)
    assert index_is_split(gd) and not gitops.split_wanted(gd)                 # its own part is small
    for step in range(3):
        _write(root, f"cases/2026-01xx/e{step}.yaml", f"- {{id: s{step}}}\n")
        g.commit([f"cases/2026-01xx/e{step}.yaml"], f"step {step}", gd)
        assert git(root, "rev-parse", "HEAD^{tree}") == _git_tree_of_work_tree(root, tmp_path / f"s{step}")
        assert git(root, "status", "--porcelain") == "" and index_is_split(gd) and not gitops.split_wanted(gd)
    # git updates 150 entries in place (their files rewritten and committed by hand): its own part grows
    for rel in names[:150]:
        _write(root, rel, "changed\n")
        os.utime(root / rel, (1_700_000_100, 1_700_000_100))
    git(root, "commit", "-qam", "by hand")
    shared = [p.stat().st_size for p in gd.glob("sharedindex.*")]
    assert (gd / "index").stat().st_size * 2 >= min(shared) and gitops.split_wanted(gd)
    _write(root, "cases/2026-01xx/e3.yaml", "- {id: s3}\n")
    g.commit(["cases/2026-01xx/e3.yaml"], "folded", gd)
    assert index_is_split(gd) and not gitops.split_wanted(gd) and git(root, "status", "--porcelain") == ""
    assert git(root, "rev-parse", "HEAD^{tree}") == _git_tree_of_work_tree(root, tmp_path / "folded")
    # split undone by hand: its shared parts stay behind, and the program does not split it again
    git(root, "update-index", "--no-split-index")
    assert not index_is_split(gd) and list(gd.glob("sharedindex.*")) and not gitops.split_wanted(gd)
    _write(root, "cases/2026-01xx/e4.yaml", "- {id: s4}\n")
    g.commit(["cases/2026-01xx/e4.yaml"], "unsplit", gd)
    assert not index_is_split(gd) and git(root, "status", "--porcelain") == ""
    # a store whose configuration says anything of core.splitIndex is left to git
    other = tmp_path / "other"
    h = _repo(other)
    git(other, "config", "core.splitIndex", "false")
    _write(other, "f.yaml", "a: 1\n")
    h.commit(["f.yaml"], "one", other / ".git")
    monkeypatch.setattr(gitops, "SPLIT_BYTES", 0)
    assert not gitops.split_wanted(other / ".git")
    _write(other, "g.yaml", "b: 1\n")
    h.commit(["g.yaml"], "two", other / ".git")
    assert not index_is_split(other / ".git") and not list((other / ".git").glob("sharedindex.*"))
    # ... and so is one whose user said it once for every repository (~/.gitconfig)
    third = tmp_path / "third"
    k = _repo(third)
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("[core]\n\tsplitIndex = false\n", encoding="utf-8")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    _write(third, "f.yaml", "a: 1\n")
    k.commit(["f.yaml"], "one", third / ".git")
    assert not gitops.split_wanted(third / ".git")
    _write(third, "g.yaml", "b: 1\n")
    k.commit(["g.yaml"], "two", third / ".git")
    assert not index_is_split(third / ".git") and not list((third / ".git").glob("sharedindex.*"))
