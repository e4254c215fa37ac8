"""The stat keys every cache rests on (aftercare.store.stamps)."""

from __future__ import annotations

import os

from aftercare.store.stamps import RACY_FINE_NS, RACY_NS, case_keys, file_key
from conftest import case_dir


def test_a_case_folder_keys_each_file_as_file_key_does(tmp_path):
    """case_keys applies the racy rule inline (it runs for every file of a county): the same keys as
    file_key gives each file, for old and young files, fine and whole-second times, written or not."""
    d = tmp_path / "2026-0001"
    (d / "events").mkdir(parents=True)
    (d / "case.yaml").write_text("name: x\n", encoding="utf-8")
    now = 1_800_000_000 * 10 ** 9 + 500_000_000
    times = {"2026-a.yaml": now - RACY_FINE_NS - 1,          # fine, just past 0.1 s: trusted
             "2026-b.yaml": now - RACY_FINE_NS + 1_000_000,  # fine, younger than 0.1 s: racy
             "2026-c.yaml": now - 500_000_000 - 3 * 10 ** 9,   # whole second, 3.5 s old: trusted
             "2026-d.yaml": now - 500_000_000 - 10 ** 9,      # whole second, 1.5 s old: racy
             "2026-e.yaml": now - 50_000_000}                 # fine and young, but written by us
    for name, t in times.items():
        f = d / "events" / name
        f.write_text(name, encoding="utf-8")
        os.utime(f, ns=(t, t))
    (d / "events" / ".hidden.yaml").write_text("x", encoding="utf-8")
    (d / "events" / "notes.txt").write_text("x", encoding="utf-8")
    os.utime(d / "case.yaml", ns=(now - RACY_NS - 1, now - RACY_NS - 1))
    written = frozenset({"events/2026-e.yaml", "events/2026-d.yaml"})
    names, keys = case_keys(str(d), now, written)
    assert names == sorted(times)
    want = [file_key("case.yaml", os.stat(d / "case.yaml"), now, False)]
    want += [file_key("events/" + n, os.stat(d / "events" / n), now, "events/" + n in written) for n in sorted(times)]
    assert list(keys) == want
    # by hand: a trusted, b racy, c trusted, d racy (whole seconds: "written" does not help), e trusted (written)
    assert [len(k) for k in keys[1:]] == [4, 2, 4, 2, 4]


def test_the_work_tree_key_sees_every_entry(tmp_path):
    import time

    from aftercare.store.stamps import tree_state

    root = tmp_path / "store"
    (root / ".git").mkdir(parents=True)
    (root / "aftercare.yaml").write_text("office: x\n", encoding="utf-8")
    old = time.time_ns() - 10 * 10 ** 9
    for i in range(40):
        d = case_dir(root, f"2026-{i:04d}") / "events"
        d.mkdir(parents=True)
        for f in (d.parent / "case.yaml", d / "2026-a.yaml"):
            f.write_text(f"{i}\n", encoding="utf-8")
            os.utime(f, ns=(old, old))
    os.utime(root / "aftercare.yaml", ns=(old, old))
    now = time.time_ns()
    one = tree_state(root, root / ".git", now)
    assert one is not None and tree_state(root, root / ".git", now) == one
    # .git and out/ are not the work tree's
    (root / "out").mkdir()
    (root / ".git" / "x").write_text("x", encoding="utf-8")
    assert tree_state(root, root / ".git", now)[0] == one[0]
    seen = {one[0]}
    # one file deep in the tree changed (its time only)
    f = case_dir(root, "2026-0039") / "events" / "2026-a.yaml"
    os.utime(f, ns=(old + 1, old + 1))
    seen.add(tree_state(root, root / ".git", now)[0])
    # its mode
    f.chmod(0o600 if f.stat().st_mode & 0o077 else 0o644)
    seen.add(tree_state(root, root / ".git", now)[0])
    # an empty folder where none was
    (case_dir(root, "2026-0003") / "extra").mkdir()
    seen.add(tree_state(root, root / ".git", now)[0])
    # a file renamed (same time, size and inode, another name)
    f.rename(f.with_name("2026-b.yaml"))
    seen.add(tree_state(root, root / ".git", now)[0])
    assert len(seen) == 5, seen
    # a file too young to trust: no key at all
    g = f.with_name("2026-b.yaml")
    os.utime(g, ns=(now, now))
    assert tree_state(root, root / ".git", now + 1000) is None
