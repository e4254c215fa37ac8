"""A real full disk: a store on a small tmpfs, filled to within N bytes, then `record` and `case add`.

    python bench/disk_full.py          # prints one JSON line per attempt, then a summary

It runs itself inside a private mount namespace (`unshare -m` as root, `unshare -Urm` as a user), so the
tmpfs is seen by nothing else and vanishes with it; where neither is permitted it exits 77 (skipped).

For each amount of free space (0 B, 4 KiB, 8 KiB, ... until the command succeeds), the command either
succeeds with exactly one commit, or fails with exit 1 and one line on stderr, leaving the store as it
was (no change in the working tree, no commit, no journal); then the filler is removed and the same
command is retried, which must record it exactly once. The figures: attempts, failures, outcomes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SIZE = 8 * 1024 * 1024            # the tmpfs
ENV = {**os.environ, "AFTERCARE_TODAY": "2026-05-20", "GIT_AUTHOR_NAME": "测试员",
       "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "测试员",
       "GIT_COMMITTER_EMAIL": "t@example.invalid"}


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "aftercare", *args], capture_output=True, text=True, env=ENV, cwd=cwd)


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True).stdout.strip()


def snapshot(root: Path) -> dict:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*")
            if p.is_file() and ".git" not in p.relative_to(root).parts}


def fill(mount: Path, free: int) -> Path:
    """Leave `free` bytes available on the filesystem (tmpfs counts whole pages)."""
    filler = mount / "filler"
    st = os.statvfs(mount)
    avail = st.f_bavail * st.f_frsize
    with open(filler, "wb") as f:
        todo = max(0, avail - free)
        chunk = b"\0" * (1 << 20)
        while todo > 0:
            n = min(todo, len(chunk))
            try:
                f.write(chunk[:n])
                f.flush()
            except OSError:
                break
            todo -= n
    return filler


def attempt(root: Path, mount: Path, free: int, argv: list, marker: str) -> dict:
    before, commits = snapshot(root), int(git(root, "rev-list", "--count", "HEAD"))
    filler = fill(mount, free)
    res = run(*argv, "--store", str(root))
    filler.unlink()
    out = {"free": free, "exit": res.returncode, "stderr": res.stderr.strip()}
    after, now = snapshot(root), int(git(root, "rev-list", "--count", "HEAD"))
    journal = (root / ".git" / "aftercare-journal").exists()
    status = git(root, "status", "--porcelain")
    if res.returncode == 0:
        out["ok"] = now == commits + 1 and status == "" and not journal
        out["outcome"] = "recorded"
        return out
    out["outcome"] = "refused"
    out["one_line"] = len(res.stderr.strip().splitlines()) == 1 and res.stderr.startswith("错误：")
    # the failed command left nothing: same files, same commits, no journal; the next command sees a clean store
    out["clean"] = after == before and now == commits and not journal and status == ""
    retry = run(*argv, "--store", str(root))
    texts = "".join(p.read_text(encoding="utf-8") for p in root.rglob("*.yaml") if ".git" not in p.parts)
    out["retry_exit"] = retry.returncode
    out["recorded_once"] = texts.count(marker) == 1
    out["ok"] = out["one_line"] and out["clean"] and retry.returncode == 0 and out["recorded_once"] and \
        int(git(root, "rev-list", "--count", "HEAD")) == commits + 1
    return out


def namespace() -> list | None:
    """How to get a private mount namespace here: as root `unshare -m`, as a user `unshare -Urm`."""
    if not shutil.which("unshare"):
        return None
    for cmd in (["unshare", "-m"], ["unshare", "-Urm"]) if os.geteuid() == 0 else (["unshare", "-Urm"],):
        probe = subprocess.run([*cmd, "sh", "-c", "d=$(mktemp -d) && mount -t tmpfs -o size=1m tmpfs $d && umount $d"],
                               capture_output=True)
        if probe.returncode == 0:
            return cmd
    return None


def main() -> int:
    if os.environ.get("AFTERCARE_DISK_FULL_NS") != "1":
        cmd = namespace()
        if cmd is None:
            print("skipped: no private mount namespace here (unshare / mount tmpfs not permitted)")
            return 77
        env = {**os.environ, "AFTERCARE_DISK_FULL_NS": "1"}
        return subprocess.run([*cmd, sys.executable, __file__], env=env).returncode
    base = Path(tempfile.mkdtemp(prefix="aftercare-full-"))
    mount = base / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={SIZE},mode=0700", "tmpfs", str(mount)], check=True)
    results = []
    try:
        root = mount / "store"
        assert run("init", str(root), "--office", "测试镇社区戒毒（康复）工作办公室").returncode == 0
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from aftercare.core.ids import fictional_id_number, fictional_name
        import random
        from datetime import date

        rng = random.Random(7)
        add = run("case", "add", "--name", fictional_name(rng), "--id-number",
                  fictional_id_number(rng, date(1990, 1, 1), "男"), "--measure", "detox",
                  "--reported-on", "2026-03-05", "--store", str(root))
        assert add.returncode == 0, add.stderr
        cid = add.stdout.strip().splitlines()[-1]
        run("due", "--store", str(root))                        # the read cache exists before the disk fills
        step = 0
        for kind in ("record", "case add"):
            free, n = 0, 0
            while True:
                n += 1
                marker = f"满盘{kind[0]}{n}"
                if kind == "record":
                    argv = ["record", "visit", cid, "--date", "2026-05-19", "--note", marker]
                else:
                    argv = ["case", "add", "--name", fictional_name(rng), "--id-number",
                            fictional_id_number(rng, date(1985, 6, 1), "女"), "--measure", "detox",
                            "--reported-on", "2026-05-19", "--address", marker]
                r = attempt(root, mount, free, argv, marker)
                r["command"] = kind
                results.append(r)
                print(json.dumps(r, ensure_ascii=False), flush=True)
                if r["outcome"] == "recorded" or free > 2 * 1024 * 1024:
                    break
                free = 4096 if free == 0 else free * 2 if free < 16384 else free + 8192
                step += 1
    finally:
        subprocess.run(["umount", str(mount)], check=False)
        shutil.rmtree(base, ignore_errors=True)
    refused = [r for r in results if r["outcome"] == "refused"]
    summary = {"attempts": len(results), "refused": len(refused),
               "lost": sum(1 for r in refused if r.get("retry_exit") != 0),
               "duplicated": sum(1 for r in refused if r.get("retry_exit") == 0 and not r.get("recorded_once")),
               "left_behind": sum(1 for r in refused if not r.get("clean")),
               "not_one_line": sum(1 for r in refused if not r.get("one_line")),
               "all_ok": all(r["ok"] for r in results) and any(r["outcome"] == "recorded" for r in results)}
    print(json.dumps({"summary": summary}, ensure_ascii=False))
    return 0 if summary["all_ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
