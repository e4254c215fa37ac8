"""The whole-store check (`check`): every problem of the load pipeline, for every case.

The same pipeline as every other command (discover → parse → validate, `aftercare.store`), through
the same read cache: a case whose files are unchanged since it last loaded cleanly is not read again.
Added here: the same person registered twice, a cache file committed to git, and a commit kept by
the repair of an interrupted sync (`store.kept`) that is not yet back on the branch.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from aftercare.core.model import Problem
from aftercare.store import Store
from aftercare.store.stamps import case_of_path


def check_store(root: Path | Store, today: date | None = None, warnings: list | None = None) -> list:
    """Validate every file of the store; returns all problems found (empty when clean). Doubtful but
    acceptable facts (an ID region code of no GB/T 2260 edition, a worker not on the staff list) are
    appended to `warnings` when given: shown by `check`, they are not errors."""
    from aftercare.views.agenda import summaries

    store = root if isinstance(root, Store) else Store(root)
    today = today or date.today()
    sums, problems = summaries(store, today, 0, today=today)
    problems = tracked_cache_problems(store) + problems
    # the same ID number on two cases (a case that failed to load still counts, by its case.yaml)
    owners = {s.cid: s.id_number for s in sums}
    bad = sorted({found[0] for found in (case_of_path(p.path) for p in problems) if found is not None} - set(owners))
    for cid in bad:
        try:
            case, _events, _probs = store.parse_case_files(store.files_of(cid))
        except OSError:
            continue
        if case is not None:
            owners[cid] = case.id_number
    seen: dict = {}
    for cid in sorted(owners):
        idn = owners[cid]
        if idn in seen:
            problems.append(Problem(store.rel(store.case_dir(cid) / "case.yaml"), 1, "duplicate-person", f"身份证号与个案 {seen[idn]} 重复",
                                    "合并或删除重复登记"))
        seen.setdefault(idn, cid)
    from aftercare.store import hygiene, kept

    problems.extend(hygiene.problems(store))      # uncommitted in cases/, symlinks, permissions
    problems.extend(kept.problems(store))         # commits an interrupted sync left, not yet put back
    if warnings is not None:
        warnings.extend(layout_warnings(store))
        warnings.extend(case_warnings(store, sums))
    return problems


def layout_warnings(store: Store) -> list:
    """Case folders still in the old layout (`cases/<id>/`, a store written before buckets): read as
    usual, moved by `migrate` or the next write command. One line for them all."""
    from aftercare.store.layout import old_folders
    from aftercare.store.stamps import case_rel

    old = old_folders(store.root)
    if not old:
        return []
    first = f"cases/{old[0]}"
    return [Problem("cases", 0, "old-layout",
                    f"{len(old)} 个个案文件夹仍按旧方式直接放在 cases 下（如 {first}），应放在分组文件夹中（如 {case_rel(old[0])}）",
                    "运行 aftercare migrate（或任一写入命令）自动移动，单独一次提交，不改动任何内容")]


def case_warnings(store: Store, sums: list) -> list:
    from aftercare.core.ids import id_region_warning
    from aftercare.core.model import staff_roster
    from aftercare.store import yamlio

    staff = {s["name"] for s in staff_roster(store.staff)}
    out = []
    for s in sorted(sums, key=lambda x: x.cid):
        path = store.rel(store.case_dir(s.cid) / "case.yaml")
        found = []
        region = id_region_warning(s.id_number)
        if region:
            found.append(("id_number", "unknown-region", region, "核对身份证原件；地区码确实如此的可以不改"))
        if s.worker and s.worker not in staff:
            found.append(("worker", "unknown-worker", f"工作人员“{s.worker}”不在工作人员名单上",
                          "用 aftercare staff add 添加，或用 case set --worker 改正"))
        if found:
            try:
                data = (store.root / path).read_bytes()
            except OSError:
                data = b""
            out.extend(Problem(path, yamlio.key_line(data, (key,)) if data else 0, code, msg, hint)
                       for key, code, msg, hint in found)
    return out


def tracked_cache_problems(store: Store) -> list:
    """A cache file committed to git (e.g. with `git add -f`) came from another clone: never read, reported."""
    from aftercare.store.store import CACHE_DIR

    if store.git_dir is None:
        return []
    names = set(store.git.run("ls-files", "-z", "--", CACHE_DIR, check=False).split("\0"))
    if store.git.head():
        names |= set(store.git.run("ls-tree", "-r", "-z", "--name-only", "HEAD", "--", CACHE_DIR, check=False).split("\0"))
    return [Problem(name, 1, "tracked-cache", "缓存文件被提交进了 git（缓存只应在本机 .git 内，从不读取库中的缓存）",
                    f"用 git rm -r --cached {CACHE_DIR} 并提交，删除该文件")
            for name in sorted(names) if name]
