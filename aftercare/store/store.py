"""The case store: a git-tracked folder of YAML files.

Layout (see README "Store layout"):

    <store>/aftercare.yaml                         office, staff, rule and calendar overrides
    <store>/cases/<bucket>/<case-id>/case.yaml     who, which measure, decision; <bucket> is the ID without
                                                   its last two characters, then "xx" (stamps.case_rel)
    <store>/cases/<bucket>/<case-id>/events/<year>-<origin>.yaml
                                                   append-only list of events; <origin> is the clone
                                                   that wrote them, so two clones never write the
                                                   same file and always merge without conflict
    <store>/.git/aftercare-cache/                  disposable read cache (SQLite, plain data; see cache.py)
    <store>/out/                                   rendered documents (git-ignored)

Loading is a pipeline: discover → parse → normalise → validate → cache.
"""

from __future__ import annotations

import contextlib
import errno
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Iterator

from aftercare.core.errors import AftercareError, DataError
from aftercare.core.ids import check_case_id, new_event_id, new_origin
from aftercare.core.model import Case, Event, Problem, mark_void, record_order
from aftercare.store import yamlio
from aftercare.store.fsutil import atomic_write, check_inside, ensure_dir, locked, remove_file
from aftercare.store.gitops import Git, GitError, find_git_dir
from aftercare.store import hygiene
from aftercare.store.journal import Journal, prune_emptied, recover
from aftercare.store.stamps import (CASES, CONFIG, RACY_FINE_NS, RACY_NS, SYNC_JOURNAL, case_folder,  # noqa: F401
                                    case_folders, case_keys, case_rel, context_fingerprint, file_key as _key,
                                    locate_store)
from aftercare.store.schema import case_from, event_from
from aftercare.store.validate import content_problems

CACHE_DIR = ".aftercare-cache"      # where earlier versions kept a pickle cache: never read, `check` flags it if tracked
EVENT_HEADER = ("# aftercare 事件记录：每条记录一项，只追加不改写。\n"
                "# 更正请另记一条并在提交说明中写明原因；git log 是审计记录。\n")
GITIGNORE = "out/\n.aftercare-cache/\n*.part\n"
CASE_HEADER = ("# 社区戒毒（康复）人员基本信息（aftercare 生成）。可手工补充字段（如 alias 别名、ethnicity 民族、\n"
               "# education 文化程度、employer 工作单位、family 家庭成员、group 工作小组），注释会被保留。\n")


def case_file_bytes(body: dict) -> bytes:
    """case.yaml as `case add` writes it."""
    return (CASE_HEADER + yamlio.emit_mapping(body)).encode()


def events_file_bytes(records: list, old: bytes | None = None) -> bytes:
    """An events file with `records` appended (to `old`, or to a new file's header), as `record` writes it."""
    old = EVENT_HEADER.encode() if old is None else old
    if old and not old.endswith(b"\n"):
        old += b"\n"
    return old + "".join(yamlio.emit_item(r) for r in records).encode()


def event_file_name(year: int, origin: str) -> str:
    """One events file per clone (origin) and year: two clones never write the same file."""
    return f"{year}-{origin}.yaml"


def new_record(case: Case, eid: str, etype: str, day: date, fields: dict) -> dict:
    """A record as `record` appends it: id, type, date, the fields given (empty ones left out) and, for a
    person with several measures, the measure it was recorded under (the latest: PATHWAY §1)."""
    record = {"id": eid, "type": etype, "date": day}
    record.update({k: v for k, v in fields.items() if v is not None and v != ""})
    if len(case.path) > 1 and "measure" not in record:
        record["measure"] = len(case.path)
    return record


def write_case_bulk(root: Path, cid: str, body: dict, records: list, origin: str) -> tuple[int, int]:
    """Write a whole case at once, exactly the files that `case add` and then `record` for each record
    would leave (no transaction, no commit: for generated stores, see tools/synth.py). Returns (files, bytes)."""
    d = Path(root) / case_rel(check_case_id(cid))
    (d / "events").mkdir(parents=True, exist_ok=True)
    out = [(d / "case.yaml", case_file_bytes(body))]
    by_year: dict = {}
    for r in records:
        by_year.setdefault(r["date"].year, []).append(r)
    out += [(d / "events" / event_file_name(y, origin), events_file_bytes(rs)) for y, rs in by_year.items()]
    for path, data in out:
        with open(path, "wb") as fh:
            fh.write(data)
    return len(out), sum(len(data) for _p, data in out)


def find_store(store_opt: str | None, cwd: Path | None = None) -> Path:
    root = locate_store(store_opt, cwd)
    if root is not None:
        return root
    if store_opt:
        raise AftercareError(f"“{store_opt}”不是 aftercare 案卷库（缺少 {CONFIG}），可用 aftercare init 新建", code="no-store")
    env = os.environ.get("AFTERCARE_STORE")
    if env:
        raise AftercareError(f"环境变量 AFTERCARE_STORE 指向的“{env}”不是 aftercare 案卷库", code="no-store")
    raise AftercareError("找不到案卷库：请在案卷库目录中运行，或用 --store 指定，或设置 AFTERCARE_STORE", code="no-store")


@dataclass
class CaseFiles:
    cid: str
    dir: str
    names: list          # event file names
    keys: tuple          # ((relpath, mtime_ns, size, ino) ...) for the cache

    @property
    def case_file(self) -> Path:
        return Path(self.dir, "case.yaml")

    @property
    def event_files(self) -> list:
        return [Path(self.dir, "events", n) for n in self.names]


class Store:
    def __init__(self, root: Path, use_cache: bool = True):
        from aftercare.core.rules import RuleError, load_rules
        from aftercare.core.workcal import WorkCalendar
        from aftercare.core.model import SecurityPeriod

        self.root = Path(root).resolve()
        self.use_cache = use_cache
        # called with (store, written paths relative to the root) while git finishes a commit (the files
        # are written), each returns keep(made) called once the commit is made (True) or failed (False):
        # the command line summarises the cases just written meanwhile and keeps them in the read cache
        # once made (a hook never fails the write)
        self.on_commit: list = []
        self.on_notice: list = []      # called with a Chinese line to show the user (a store moved to buckets)
        self.git_dir = find_git_dir(self.root)
        self.git = Git(self.root)
        self.notices: list[str] = []
        self._where: dict = {}         # case ID -> its folder, as `discover` last found it
        os.umask(0o077)          # what git writes for us (sync, merge) is private too
        if self.git_dir is not None and (self.root / ".git").exists():
            hygiene.secure(self.root, self.git_dir)                 # once per clone (a plain git clone)
            notice = recover(self.root, self.git_dir, self.git)    # left-overs of an interrupted command
            if notice:
                self.notices.append(notice)
            if (self.git_dir / SYNC_JOURNAL).exists():               # a sync killed while git rewrote the branch
                from aftercare.store.sync import recover as recover_sync

                notice = recover_sync(self.root, self.git_dir, self.git)
                if notice:
                    self.notices.append(notice)
        cfg_path = self.root / CONFIG
        self.config_bytes = cfg_path.read_bytes()
        rel = CONFIG
        cfg, default = self._parsed_context()
        self.config = cfg
        try:
            self.rules = load_rules(cfg.get("rules"), default=default)
        except RuleError as exc:
            line = yamlio.key_line(self.config_bytes, exc.keypath)
            raise DataError([Problem(rel, line, "bad-rule", f"规则覆盖有误：{exc.message}",
                                     "对照 aftercare/rules/default.yaml 修正 aftercare.yaml 的 rules 部分")]) from None
        problems = []
        cal_cfg = cfg.get("calendar") or {}
        if not isinstance(cal_cfg, dict):
            problems.append(Problem(rel, yamlio.key_line(self.config_bytes, ("calendar",)), "bad-calendar",
                                    "calendar 应为“年份: {holidays: [...], workdays: [...]}”", "参照 README 修正"))
            cal_cfg = {}
        for year, spec in cal_cfg.items():
            ok = isinstance(year, int) and isinstance(spec, dict) and all(
                isinstance(spec.get(k) or [], list) and all(isinstance(d, date) and d.year == year for d in spec.get(k) or [])
                for k in ("holidays", "workdays"))
            if not ok:
                problems.append(Problem(rel, yamlio.key_line(self.config_bytes, ("calendar", year)), "bad-calendar",
                                        f"calendar 中 {year} 年的节假日/调休日应为该年内的日期列表", "参照 README 修正"))
        self.calendar = WorkCalendar.from_config({y: s for y, s in cal_cfg.items() if isinstance(s, dict)})
        self.security = []
        for i, sp in enumerate(cfg.get("security_periods") or []):
            if not (isinstance(sp, dict) and isinstance(sp.get("from"), date) and isinstance(sp.get("to"), date)
                    and sp["from"] <= sp["to"]):
                problems.append(Problem(rel, yamlio.key_line(self.config_bytes, ("security_periods", i)), "bad-security-period",
                                        "重大安保期应写为 {name: 名称, from: 开始日期, to: 结束日期}", "参照 README 修正"))
                continue
            self.security.append(SecurityPeriod(str(sp.get("name", "重大安保期")), sp["from"], sp["to"]))
        if problems:
            raise DataError(problems)

    def _parsed_context(self) -> tuple[dict, dict]:
        """The office file and the shipped rules parsed: kept from an earlier command for exactly these
        bytes (store/confcache.py), or parsed now (and kept)."""
        from aftercare.core.rules import DEFAULT_RULES_FILE, read_default
        from aftercare.store import confcache

        rules_bytes = DEFAULT_RULES_FILE.read_bytes()
        keep = self.use_cache and self.git_dir is not None
        kept = confcache.load(self.git_dir, self.config_bytes, rules_bytes) if keep else None
        if kept is not None:
            return kept
        try:
            cfg = yamlio.parse(self.config_bytes, CONFIG) or {}
        except yamlio.YamlProblem as exc:
            raise DataError([exc.problem]) from None
        if not isinstance(cfg, dict):
            raise DataError([Problem(CONFIG, 1, "bad-config", f"{CONFIG} 应为键值映射", "参照 README 修正")])
        default = read_default(rules_bytes)
        if keep:
            confcache.save(self.git_dir, self.config_bytes, rules_bytes, cfg, default)
        return cfg, default

    # ---------------------------------------------------------------- office facts

    @property
    def office(self) -> dict:
        office = self.config.get("office") or {}
        return office if isinstance(office, dict) else {}

    @property
    def staff(self) -> list:
        staff = self.config.get("staff") or []
        return staff if isinstance(staff, list) else []

    def context_fingerprint(self) -> str:
        return context_fingerprint(self.config_bytes)

    # ---------------------------------------------------------------- discovery

    @property
    def cases_dir(self) -> Path:
        return self.root / CASES

    def case_dir(self, cid: str) -> Path:
        """The folder of case `cid` (in its bucket; in the old layout in a store not yet moved)."""
        cid = check_case_id(cid)
        found = self._where.get(cid)
        return Path(found if found is not None else case_folder(self.root, cid))

    def forget_folders(self) -> None:
        """Case folders moved (store/layout.py): `case_dir` looks again."""
        self._where = {}

    def case_ids(self) -> list[str]:
        """The IDs of the case folders, in order (remembering where each is, as `discover`)."""
        found = case_folders(self.root)[0]
        self._where = dict(found)
        return [cid for cid, _folder in found]

    def discover(self) -> tuple[list, list]:
        """The case folders (sorted IDs) and what does not belong in `cases/` (stray files, bad names, a
        case folder in another's bucket, folders without case.yaml), as problems. Remembers where each
        case's folder is (`case_dir`) until the next write."""
        problems: list[Problem] = []
        ids = []
        if not self.cases_dir.is_dir():
            return [], [Problem(CASES, 0, "no-cases", "缺少 cases 目录", "用 mkdir cases 新建")]
        folders, odd = case_folders(self.root)
        for rel, kind in odd:
            name = rel.rsplit("/", 1)[1]
            if kind == "file":
                where = "cases 目录下只应有分组文件夹" if rel.count("/") == 1 else f"分组文件夹 {rel.rsplit('/', 1)[0]} 下只应有个案文件夹"
                problems.append(Problem(rel, 0, "stray-file", where, "移走该文件"))
            elif kind == "wrong-bucket":
                try:
                    check_case_id(name)
                except AftercareError as exc:
                    problems.append(Problem(rel, 0, "bad-case-id", exc.message, "重命名该文件夹"))
                    continue
                problems.append(Problem(rel, 0, "wrong-bucket", f"个案文件夹 {name} 不属于分组 {rel.split('/')[1]}，应在 {case_rel(name)}",
                                        f"用 git mv {rel} {case_rel(name)} 移过去并提交"))
            elif kind == "twice":
                problems.append(Problem(rel, 0, "case-twice", f"个案 {name} 另有旧位置的文件夹 {rel}（新位置 {case_rel(name)}），旧文件夹中的记录未读入",
                                        f"运行 aftercare migrate（或任一写入命令）把两处合并到 {case_rel(name)}"))
        where = {}
        top = len(str(self.root)) + 1
        for cid, folder in folders:
            rel = folder[top:]
            try:
                check_case_id(cid)
            except AftercareError as exc:
                if rel.count("/") == 1:        # directly in cases/: neither a bucket nor a case folder
                    problems.append(Problem(rel, 0, "bad-case-id", f"cases 下的文件夹“{cid}”既不是分组文件夹（个案编号去掉末两位加 xx，"
                                                                   f"如 2026-00xx）也不是个案文件夹（{exc.message}）", "重命名或移走该文件夹"))
                else:
                    problems.append(Problem(rel, 0, "bad-case-id", exc.message, "重命名该文件夹"))
                continue
            if not os.path.isfile(os.path.join(folder, "case.yaml")):
                problems.append(Problem(rel + "/case.yaml", 0, "missing-case-file", "个案文件夹缺少 case.yaml", "恢复该文件"))
                continue
            ids.append(cid)
            where[cid] = folder
        self._where = where
        return ids, problems

    def require_case(self, cid: str) -> Path:
        d = self.case_dir(cid)
        if not (d / "case.yaml").is_file():
            raise AftercareError(f"没有编号为“{cid}”的个案（用 aftercare case list 查看个案编号）", code="unknown-case")
        return d

    def files_of(self, cid: str, racy_ns: int | None = None, written: frozenset = frozenset()) -> CaseFiles:
        """The files of one case with their cache keys (a key is None while it may still change unseen).
        `written`: files (relative to the case folder) that this very process has just replaced whole
        (a new inode by rename): their keys hold at once where the file system keeps sub-second times."""
        import time

        d = self._where.get(cid) or case_folder(self.root, cid)
        names, keys = case_keys(d, time.time_ns() if racy_ns is None else racy_ns, written)
        return CaseFiles(cid, d, names, keys)

    # ---------------------------------------------------------------- reading

    def rel(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    def parse_case_files(self, files: CaseFiles, parsed: dict | None = None,
                         today: date | None = None, content: bool = True) -> tuple[Case | None, list, list]:
        """Parse and validate one case's files (every content check of `check`; records after `today`
        when it is given). `parsed` maps relpath -> raw data already read."""
        problems: list[Problem] = []
        if parsed is None:
            parsed = {}       # an empty dict from the caller is filled in place (the per-file cache)
        base = self.rel(Path(files.dir))       # the case folder as files are named in problems
        rel = f"{base}/case.yaml"
        safe: set = set()                      # folders seen not to be symlinks
        raw_case = parsed.get("case.yaml")
        case_bytes = None
        if raw_case is None:
            try:
                case_bytes = _read(os.path.join(files.dir, "case.yaml"), rel, 1, safe)
                raw_case = yamlio.parse_mapping(case_bytes, rel)
                parsed["case.yaml"] = raw_case
            except yamlio.YamlProblem as exc:
                problems.append(exc.problem)
                raw_case = None
        case = None
        if not problems:
            def line_of(keypath):
                data = case_bytes if case_bytes is not None else files.case_file.read_bytes()
                return yamlio.key_line(data, keypath)
            case = case_from(files.cid, raw_case, rel, line_of, problems)
        events: list[Event] = []
        seen: dict[str, str] = {}
        evdir = os.path.join(files.dir, "events")
        for n, name in enumerate(files.names):
            relp = f"{base}/events/{name}"
            key = "events/" + name
            p = os.path.join(evdir, name)
            raw = parsed.get(key)
            data = None
            if raw is None:
                try:
                    data = _read(p, relp, 2, safe)
                    raw = yamlio.parse_events(data, relp)
                    if raw is None:
                        raw = []
                    parsed[key] = raw
                except yamlio.YamlProblem as exc:
                    problems.append(exc.problem)
                    continue
            if not isinstance(raw, list):
                problems.append(Problem(relp, 1, "bad-events-file", "事件文件应为记录列表（每条以“- ”开头）",
                                        "用 git checkout 恢复该文件，或修正其格式"))
                continue
            lines = None
            for i, item in enumerate(raw):
                line = 0
                sub: list[Problem] = []
                ev = event_from(item, relp, 0, sub, n * 100000 + i)
                if sub or (ev is not None and ev.id in seen):
                    if lines is None:
                        lines = yamlio.item_lines(data if data is not None else Path(p).read_bytes())
                    line = lines[i] if i < len(lines) else 1
                    problems.extend(Problem(x.path, line, x.code, x.message, x.hint) for x in sub)
                    if ev is not None and ev.id in seen:
                        problems.append(Problem(relp, line, "duplicate-event-id", f"事件编号 {ev.id} 重复（另见 {seen[ev.id]}）",
                                                "给其中一条换一个编号"))
                    continue
                seen[ev.id] = relp
                events.append(ev)
        events.sort(key=record_order)
        events = mark_void(events)
        if case is not None and content:
            problems.extend(content_problems(self.root, case, events, today))
        return case, events, problems

    def load_case(self, cid: str, today: date | None = None, content: bool = True) -> tuple[Case, list]:
        """One case, refused (DataError) when a file does not load or, with `content`, when its records fail a
        content check (a correction passes content=False: it must reach the record that a check rejects)."""
        self.require_case(cid)
        case, events, problems = self.parse_case_files(self.files_of(cid), today=today, content=content)
        if problems:
            raise DataError(problems)
        return case, events

    # ---------------------------------------------------------------- writing

    def origin(self) -> str:
        """This clone's short name; it names the event files this clone appends to."""
        if getattr(self, "_origin", None):
            return self._origin
        out = _config_origin(self.root / ".git" / "config")
        if out is None:
            out = self.git.run("config", "--local", "--get", "aftercare.origin", check=False).strip()
        if not out:
            out = new_origin()
            self.git.run("config", "--local", "aftercare.origin", out, what="git 配置")
        self._origin = out
        return out

    def require_own_repo(self) -> None:
        """Refuse to write unless the store is the top of its own git repository: a commit in a
        repository that holds more than the store would change (or delete) everything else in it."""
        if self.git_dir is None:
            raise AftercareError(f"案卷库“{self.root}”不在 git 仓库中，无法记录审计轨迹；请先在该目录中运行 git init", code="no-git")
        if not (self.root / ".git").exists():
            raise AftercareError(
                f"案卷库“{self.root}”不是独立的 git 仓库（它在 {self.git_dir.parent} 的仓库之内），写入会改动那个仓库，已拒绝；"
                f"要试用记录请运行 aftercare demo 新目录 新建可写的演示库，要在原处记录请把该目录移出那个仓库后运行 git init",
                code="not-own-repo")

    def settle_layout(self, quiet: bool = False) -> int:
        """Before a write, under the store lock: case folders of the old layout moved into their buckets,
        as a commit of its own (store/layout.py); the `on_notice` hooks are told. Returns how many."""
        from aftercare.store import layout

        n = layout.settle(self)
        if n and not quiet:
            for hook in self.on_notice:
                hook(f"已把 {n} 个个案文件夹移入分组文件夹（案卷库布局升级，单独一次提交，未改动任何内容）")
        return n

    @contextlib.contextmanager
    def transaction(self) -> Iterator["Transaction"]:
        self.require_own_repo()
        with locked(self.git_dir / "aftercare.lock"):
            hygiene.secure(self.root, self.git_dir, writing=True)   # after `check` found a file readable by others
            self.settle_layout()
            tx = Transaction(self)
            try:
                yield tx
            except BaseException:
                tx.rollback()
                raise
            if tx.changes and not tx.committed:
                tx.rollback()
                raise AftercareError("内部错误：写入未提交，已撤销", code="internal")
            tx.journal.done()


def _read(path: str | Path, rel: str, depth: int, safe: set | None = None) -> bytes:
    """A store file's bytes; a symlink (the file, or one of its `depth` folders up to the case folder)
    is refused as a problem: it could point anywhere on the machine. `safe`: folders already seen not to
    be symlinks (by this reader, a moment ago), not asked again; those seen now are added."""
    folder = os.fspath(path)
    try:
        for _ in range(depth):
            folder = os.path.dirname(folder)
            if safe is not None and folder in safe:
                continue
            if os.path.islink(folder):
                raise OSError(errno.ELOOP, "symlink")
            if safe is not None:
                safe.add(folder)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        if exc.errno != errno.ELOOP:
            raise
        raise yamlio.YamlProblem(Problem(rel, 1, "symlink", "该文件（或其所在目录）是符号链接，出于安全拒绝读取",
                                         "删除该链接，换成普通文件")) from None
    with os.fdopen(fd, "rb") as fh:
        return fh.read()


def _config_origin(config: Path) -> str | None:
    """aftercare.origin read from the repository's own config file, where a plain reading is certain
    (one `[aftercare]` section, an `origin = word` line, no include); None: ask git."""
    import re

    try:
        text = config.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if "[include" in text.lower():
        return None
    section, found = None, []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("["):
            if not line.endswith("]"):
                return None                     # `[section] key = value` on one line: leave it to git
            section = line.lower()
        elif section == "[aftercare]":
            m = re.fullmatch(r"(?i:origin)\s*=\s*([a-z0-9]+)", line)
            if m:
                found.append(m.group(1))
            elif line.lower().startswith("origin"):
                return None
    return found[-1] if len(found) == 1 else None


class Transaction:
    """Writes of one action: atomic file writes, one commit, or everything undone."""

    def __init__(self, store: Store):
        self.store = store
        self.changes: list[tuple[Path, None]] = []       # the paths touched, in order
        self.committed = False
        self.extra_parents: list[str] = []
        self.journal = Journal(store.root, store.git_dir, store.git)

    def _touch(self, path: Path) -> None:
        check_inside(self.store.root, path)
        if not any(p == path for p, _ in self.changes):
            self.journal.before_change(path)            # the rollback is on disk before the write
            self.changes.append((path, None))

    def write(self, path: Path, data: bytes) -> None:
        self._touch(path)
        atomic_write(path, data)

    def remove(self, path: Path) -> None:
        """Delete a file as part of the action (restored on rollback)."""
        self._touch(path)
        remove_file(path)

    def append_event(self, case: Case, events: list, etype: str, day: date, fields: dict) -> str:
        record = new_record(case, new_event_id({e.id for e in events}), etype, day, fields)
        path = self.store.case_dir(case.id) / "events" / event_file_name(day.year, self.store.origin())
        new = events_file_bytes([record], path.read_bytes() if path.exists() else None)
        # the appended file must read back as before plus exactly this record, as every reader reads it
        # (the fast path when the file has the shape the program writes, libyaml otherwise)
        try:
            check = yamlio.parse_events(new, self.store.rel(path))
        except yamlio.YamlProblem as exc:
            raise AftercareError(f"{exc.problem}；未做任何更改", code=exc.problem.code) from None
        if not isinstance(check, list) or check[-1] != {k: v for k, v in record.items()}:
            raise AftercareError(f"{self.store.rel(path)} 的格式不是记录列表，无法追加；请先修正该文件", code="bad-events-file")
        self.write(path, new)
        return record["id"]

    def rollback(self) -> None:
        """Every file back as it was (by renames from the journal: this needs no free space)."""
        self.journal.rollback()
        self.changes.clear()

    def commit(self, message: str) -> str:
        if not self.changes:
            raise AftercareError("没有可提交的变更", code="nothing")
        paths = [self.store.rel(p) for p, _ in self.changes]
        keeps: list = []

        def meanwhile() -> None:                  # git is still updating its index: the hooks' own work
            self.store.forget_folders()
            for hook in self.store.on_commit:
                try:
                    keeps.append(hook(self.store, paths))
                except Exception:                 # a derived cache must never fail the write
                    pass

        try:
            self.journal.before_commit(message)
            commit = self.store.git.commit(paths, message, self.store.git_dir, self.extra_parents, meanwhile)
        except (GitError, OSError) as exc:
            _kept(keeps, False)
            self.rollback()
            if isinstance(exc, OSError):
                raise
            raise AftercareError(f"{exc.message}；未做任何更改", code=exc.code) from None
        except BaseException:
            _kept(keeps, False)
            raise
        self.committed = True
        self.store.forget_folders()
        prune_emptied(self.store.root, paths)
        hygiene.settled(self.store.git_dir)       # our own index update: no sweep needed for it
        _kept(keeps, True)
        return commit


def _kept(keeps: list, made: bool) -> None:
    """Tell the hooks whether their commit was made (they keep what they derived, or not)."""
    for keep in keeps:
        try:
            keep(made)
        except Exception:                         # a derived cache must never fail a committed write
            pass


def init_store(root: Path, office: str, township: str = "", county: str = "") -> Path:
    """Create a store: folder, git repository, aftercare.yaml, .gitignore, first commit."""
    root = Path(root)
    if (root / CONFIG).exists():
        raise AftercareError(f"“{root}”已经是 aftercare 案卷库，不能重复初始化", code="exists")
    if root.exists() and not root.is_dir():
        raise AftercareError(f"“{root}”已存在且不是目录", code="exists")
    created = not root.exists()
    ensure_dir(root)
    os.chmod(root, 0o700)
    git = Git(root)
    fresh_repo = not (root / ".git").exists()    # a store is its own repository, even inside another one
    try:
        if fresh_repo:
            git.run("init", "-q", what="git 初始化")
            git.run("config", "core.sharedRepository", "0600", what="git 配置")
            git.run("config", "feature.manyFiles", "true", what="git 配置")
        cfg = (
            "# aftercare 案卷库配置\n"
            f"office:\n  name: {yamlio.scalar(office)}\n  township: {yamlio.scalar(township)}\n  county: {yamlio.scalar(county)}\n"
            "# 工作人员：name 姓名，role 职务，phone 电话\n"
            "staff: []\n"
            "# 规则覆盖（见 README“规则”）：\n"
            "rules: []\n"
            "# 国务院每年公布的节假日与调休上班日（chinesecalendar 尚不知道的年份）：\n"
            "calendar: {}\n"
            "# 重大安保期（中、高风险人员必访）：- {name: 国庆节, from: 2026-10-01, to: 2026-10-07}\n"
            "security_periods: []\n"
        )
        atomic_write(root / CONFIG, cfg.encode())
        atomic_write(root / ".gitignore", GITIGNORE.encode())
        ensure_dir(root / CASES)
        git_dir = find_git_dir(root)
        git.commit([CONFIG, ".gitignore"], f"Initialise aftercare store ({office})", git_dir)
        if fresh_repo:
            hygiene.secure(root, git_dir)
    except BaseException:
        remove_file(root / CONFIG)
        remove_file(root / ".gitignore")
        if fresh_repo and not created:
            import shutil

            shutil.rmtree(root / ".git", ignore_errors=True)
            with contextlib.suppress(OSError):
                (root / CASES).rmdir()
        if created:
            import shutil

            shutil.rmtree(root, ignore_errors=True)
        raise
    return root
