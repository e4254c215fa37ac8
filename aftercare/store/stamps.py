"""What identifies the state of a store's files, from stat calls alone (standard library only).

Every derivative of the YAML (the read cache, the answer cache) is keyed on these stamps: a file's
(path, mtime_ns, size, inode), the program's code, the office file and the holiday data. The module
imports nothing of aftercare but the version, so that `aftercare.quick` can decide from them whether
a stored answer still holds before any of the program is loaded.
"""

from __future__ import annotations

import os
from array import array
from pathlib import Path
from stat import S_ISDIR

try:            # the C module behind hashlib.blake2b, without hashlib's OpenSSL start-up (~4 ms per command)
    from _blake2 import blake2b
except ImportError:     # pragma: no cover - an interpreter built without it
    from hashlib import blake2b

CONFIG = "aftercare.yaml"
CASES = "cases"
JOURNAL = "aftercare-journal"           # in .git: the journal of a write command (journal.recover)
SYNC_JOURNAL = "aftercare-sync.json"     # a sync's branch and tip while git rewrites it (sync.recover)
SECURED = "aftercare-private"          # marker in .git: the index state as of which the work tree is private
PENDING = "sweep "                      # ... but the next write command sweeps it again

RACY_NS = 2_000_000_000          # a file system that keeps whole seconds (FAT, ext3, HFS+): 2 s
RACY_FINE_NS = 100_000_000      # one that keeps sub-second times (ext4, xfs, btrfs, tmpfs, NTFS): 0.1 s


AS_STORED = 1 << 62     # a "now" far ahead: every file's key as it is, young or not (to compare with a
                        # key stored when the file was trusted: the same stat is then the same file)


BUCKET_TAIL = "xx"                       # a bucket's name: a case ID without its last two characters, then this


def case_rel(cid: str) -> str:
    """Where case `cid` lives, relative to the store: `cases/<bucket>/<cid>`, the bucket being the ID
    without its last two characters followed by "xx" (2026-0001 in cases/2026-00xx, which holds 2026-0000
    to 2026-0099; 2026-10000 in cases/2026-100xx; an ID of one or two characters in cases/xx), so that a
    bucket holds at most 100 numbered cases and a commit rewrites small trees (README "The store").
    Stores written before buckets keep a case in `cases/<cid>` (the old layout): `case_folders` reads
    both, store/layout.py moves them."""
    return f"{CASES}/{bucket_of(cid)}/{cid}"


def bucket_of(cid: str) -> str:
    """The name of case `cid`'s bucket (`case_rel`)."""
    return (cid[:-2] if len(cid) > 2 else "") + BUCKET_TAIL


def case_folders(root) -> tuple[list, list]:
    """The case folders of a store in ID order, in either layout: ([(cid, folder path)], [(path relative to
    the store, kind)] of what does not belong there). A folder of `cases/` whose name does not end in
    "xx" is a case folder of the old layout (`cases/<cid>/`); one whose name does is a bucket, whose
    folders are cases (and it is also an old-layout case folder of that ID if it holds case.yaml). Kinds:
    "file" (a file in cases/ or in a bucket), "wrong-bucket" (a case folder in another case's bucket),
    "twice" (an old-layout folder of a case that also has its folder in its bucket: read from the
    bucket, the old one's files are merged into it by the next write), "link" (a symbolic link, listed
    as what it points to: reading refuses it, `check` names it). Names starting with "." are passed over."""
    base = os.path.join(root, CASES)
    found: list = []
    odd: list = []
    old: list = []
    try:
        with os.scandir(base) as it:
            top = [(e.name, e.is_dir(), e.is_symlink()) for e in it if e.name[0] != "."]
    except (FileNotFoundError, NotADirectoryError):
        return [], []
    for name, is_dir, link in top:
        if link:
            odd.append((f"{CASES}/{name}", "link"))
        if not is_dir:
            odd.append((f"{CASES}/{name}", "file"))
            continue
        folder = base + os.sep + name
        if not name.endswith(BUCKET_TAIL):
            old.append((name, folder))
            continue
        own = os.path.isfile(folder + os.sep + "case.yaml")
        if own:
            old.append((name, folder))
        prefix = name[:-2]          # `bucket_of`, inline (a county's 20,000 names): the case IDs of this
        with os.scandir(folder) as it:   # bucket are the prefix and two characters ("xx": IDs of 1-2)
            for e in it:
                sub = e.name
                if sub[0] == ".":
                    continue
                is_dir = e.is_dir(follow_symlinks=False)
                if not is_dir and e.is_symlink():
                    odd.append((f"{CASES}/{name}/{sub}", "link"))
                    is_dir = e.is_dir()
                if own and (sub == "events" or not is_dir):
                    continue                        # the old-layout case's own files
                if not is_dir:
                    odd.append((f"{CASES}/{name}/{sub}", "file"))
                elif (sub[:-2] == prefix) if prefix else len(sub) <= 2:
                    found.append((sub, folder + os.sep + sub))
                else:
                    odd.append((f"{CASES}/{name}/{sub}", "wrong-bucket"))
    if old:
        have = {cid for cid, _folder in found}
        for cid, folder in old:
            if cid in have:
                odd.append((f"{CASES}/{cid}", "twice"))
            else:
                found.append((cid, folder))
    found.sort()
    odd.sort()
    return found, odd


def case_of_path(rel: str) -> tuple[str, str] | None:
    """(case ID, path inside the case folder) of a store file's path relative to the store, in either
    layout (`cases/<bucket>/<cid>/events/x.yaml`, `cases/<cid>/events/x.yaml`); None for another file."""
    parts = rel.split("/")
    if len(parts) < 3 or parts[0] != CASES:
        return None
    if len(parts) >= 4 and parts[3] in ("case.yaml", "events") and case_rel(parts[2]) == "/".join(parts[:3]):
        return parts[2], "/".join(parts[3:])
    if parts[2] in ("case.yaml", "events"):
        return parts[1], "/".join(parts[2:])
    return None


def case_folder(root, cid: str) -> str:
    """The folder of case `cid`: in its bucket, else in the old layout where a folder of it is there
    (a store not yet moved), else (a case to be written) in its bucket."""
    new = os.path.join(root, case_rel(cid))
    if os.path.isdir(new):
        return new
    old = os.path.join(root, CASES, cid)
    if os.path.isfile(os.path.join(old, "case.yaml")) or (not cid.endswith(BUCKET_TAIL) and os.path.isdir(old)):
        return old
    return new


def young(mtime_ns: int, now_ns: int) -> bool:
    """Modified within the file system's timestamp granularity: the file may change again without its
    time changing, so its key is not trusted (git's "racy" rule). A time with a sub-second part says
    the times are fine (a few ms): 0.1 s is then safely past the granularity; else 2 s."""
    return now_ns - mtime_ns < (RACY_FINE_NS if mtime_ns % 1_000_000_000 else RACY_NS)


def file_key(rel: str, st: os.stat_result, now_ns: int, written: bool = False):
    """(rel, mtime_ns, size, inode), or (rel, None) while the file is `young` (the next command re-reads
    it). A file this process has just renamed into place is trusted at once where times are fine: a
    later edit brings a later time, a new inode or another size."""
    m = st.st_mtime_ns
    if young(m, now_ns) and not (written and m % 1_000_000_000):
        return (rel, None)
    return (rel, st.st_mtime_ns, st.st_size, st.st_ino)


def case_keys(case_dir: str, now_ns: int, written: frozenset = frozenset()) -> tuple[list, tuple]:
    """A case folder's event file names and the keys of its files (case.yaml first, then events/*.yaml
    in name order). Raises FileNotFoundError without case.yaml."""
    keys = [file_key("case.yaml", os.stat(os.path.join(case_dir, "case.yaml")), now_ns, "case.yaml" in written)]
    try:
        with os.scandir(os.path.join(case_dir, "events")) as it:
            found = sorted((e.name, e.stat()) for e in it if e.name.endswith(".yaml") and not e.name.startswith("."))
    except FileNotFoundError:
        found = []
    for name, st in found:          # `file_key` of each, inline: a county's agenda takes 80,000 of them
        rel = "events/" + name
        m = st.st_mtime_ns
        if young(m, now_ns) and not (m % 1_000_000_000 and written and rel in written):
            keys.append((rel, None))
        else:
            keys.append((rel, m, st.st_size, st.st_ino))
    return [name for name, _st in found], tuple(keys)


def keys_text(keys: tuple) -> str | None:
    """The key of a case's files as text; None when a file is too young to be trusted."""
    parts = []
    for k in keys:
        if len(k) < 4:
            return None
        parts.append(f"{k[0]}\x1f{k[1]}\x1f{k[2]}\x1f{k[3]}")
    return "\x1e".join(parts)


def stat_key(rel: str, st: os.stat_result) -> str:
    """`keys_text` of one file from its stat, young or not (to compare with a key stored when it was trusted)."""
    return f"{rel}\x1f{st.st_mtime_ns}\x1f{st.st_size}\x1f{st.st_ino}"


def case_file_key(path: str, now_ns: int) -> str | None:
    """The first component of `keys_text` (case.yaml alone), from one stat: enough to know that a case's
    worker (written in case.yaml) has not changed."""
    return keys_text((file_key("case.yaml", os.stat(path), now_ns),))


def head_key(text: str | None) -> str | None:
    """The first component (case.yaml's) of a `keys_text`."""
    return None if text is None else text.split("\x1e", 1)[0]


def index_stamp(git_dir: Path) -> str:
    """Identifies the state of git's index: git rewrites it whenever it writes work-tree files
    (`git checkout -- FILE`, a hand-made `git pull`, `git reset --hard`)."""
    try:
        st = os.stat(Path(git_dir) / "index")
    except OSError:
        return "none"
    return f"{st.st_mtime_ns}:{st.st_size}:{st.st_ino}"


def nothing_pending(git_dir: Path) -> bool:
    """No interrupted command to finish, no sync to repair, and the work tree private as of git's index:
    opening the store would change nothing."""
    g = Path(git_dir)
    if (g / JOURNAL).exists() or (g / SYNC_JOURNAL).exists():
        return False
    try:
        seen = (g / SECURED).read_text()
    except OSError:
        return False
    return seen == index_stamp(g)


def code_stamp() -> str:
    """The size and time of every module whose code decides what a cached result holds (the engine,
    the parsing and checking of files, the views, and how the command line lays them out): a changed
    program never reads old results, even when its version number was not raised."""
    pkg = package_dir()
    parts = []
    for folder in ("", "core", "core/rules", "store", "views", "cli"):
        try:
            with os.scandir(pkg / folder) as it:
                for e in it:
                    if e.name.endswith((".py", ".yaml")):
                        st = e.stat()
                        parts.append(f"{folder}/{e.name}:{st.st_size}:{st.st_mtime_ns}")
        except FileNotFoundError:
            pass
    return "|".join(sorted(parts))


def holiday_data_stamp() -> str:
    """Identifies the installed holiday data: an upgraded chinesecalendar invalidates the cache."""
    import importlib.util

    spec = importlib.util.find_spec("chinese_calendar")
    if spec is None or not spec.origin:
        return "none"
    try:
        st = os.stat(Path(spec.origin).with_name("constants.py"))
        return f"{st.st_mtime_ns}:{st.st_size}"
    except OSError:
        return spec.origin


def package_dir() -> Path:
    return Path(__file__).resolve().parents[1]


def context_fingerprint(config_bytes: bytes) -> str:
    """The program (version and code), the default rules, the office file and the holiday data."""
    from aftercare import __version__

    h = blake2b(digest_size=20)
    h.update(__version__.encode())
    h.update(code_stamp().encode())
    h.update((package_dir() / "core" / "rules" / "default.yaml").read_bytes())
    h.update(config_bytes)
    h.update(holiday_data_stamp().encode())
    return h.hexdigest()[:16]


def locate_store(store_opt: str | None, cwd: Path | None = None) -> Path | None:
    """The store's folder: `--store`, else the first folder upward from `cwd` holding aftercare.yaml,
    else $AFTERCARE_STORE; None when that is not a store (the caller says why)."""
    if store_opt:
        root = Path(store_opt)
        return root if (root / CONFIG).is_file() else None
    here = (cwd or Path.cwd()).resolve()
    for d in (here, *here.parents):
        if (d / CONFIG).is_file():
            return d
    env = os.environ.get("AFTERCARE_STORE")
    if env and (Path(env) / CONFIG).is_file():
        return Path(env)
    return None


def cache_dir(git_dir: Path, root: Path) -> tuple[Path, str]:
    """The folder of a store's disposable caches inside its git directory, and the store's tag there."""
    tag = blake2b(str(Path(root).resolve()).encode(), digest_size=20).hexdigest()[:12]
    return Path(git_dir) / "aftercare-cache", tag


TREE_SKIP = (".git", "out", ".aftercare-cache")      # not the work tree's (hygiene.problems walks the same tree)


def tree_state(root: Path, git_dir: Path, now_ns: int) -> tuple[str, str] | None:
    """(the work tree's key, git's key): every entry of the work tree (path, type and mode, time, size,
    inode), and what `git status` and the refs rest on (git's index, HEAD and its branch, every ref's
    name, packed refs, the configuration and ignore files). None while a file is too young to be trusted."""
    names: list = []
    nums = array("q", [os.stat(root).st_mode])
    if not _walk(os.fspath(root), "", names, nums, now_ns):
        return None
    h = blake2b("\0".join(names).encode("utf-8", "surrogateescape"), digest_size=20)
    h.update(nums.tobytes())
    g = blake2b(digest_size=20)
    g.update(index_stamp(git_dir).encode())
    try:
        head = (Path(git_dir) / "HEAD").read_bytes()
    except OSError:
        head = b""
    g.update(head)
    if head.startswith(b"ref: "):
        with _suppress():
            g.update((Path(git_dir) / head[5:].decode().strip()).read_bytes())
    for d, _ds, fs in os.walk(Path(git_dir) / "refs"):
        for f in sorted(fs):
            g.update(f"{d}/{f}\n".encode())
    for p in (Path(git_dir) / "packed-refs", Path(git_dir) / "config", Path(git_dir) / "info" / "exclude",
              *user_git_files()):
        with _suppress():
            st = os.stat(p)
            g.update(f"{p}\0{st.st_mtime_ns}\0{st.st_size}\0{st.st_ino}\n".encode())
    return h.hexdigest(), g.hexdigest()


def user_git_files() -> tuple:
    """The user's own git configuration files and global ignore file (git reads them in every repository)."""
    home = Path(os.environ.get("HOME", "/nonexistent"))
    xdg = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
    return home / ".gitconfig", xdg / "git" / "config", xdg / "git" / "ignore"


def _name(entry) -> str:
    return entry.name


def _walk(path: str, rel: str, names: list, nums, now_ns: int) -> bool:
    """Append every entry below `path` (depth first, names in order): its path to `names`, its mode,
    time, size and inode to `nums`; False (and stop) at a file too `young` to be trusted. A county's
    store has ~120,000 entries: one lstat each (from scandir) and no other call per entry."""
    with os.scandir(path) as it:
        entries = sorted(it, key=_name)
    add_name, add_num = names.append, nums.extend
    for e in entries:
        name = e.name
        if not rel and name in TREE_SKIP:
            continue
        st = e.stat(follow_symlinks=False)
        m = st.st_mtime_ns
        add_name(rel + name)
        add_num((st.st_mode, m, st.st_size, st.st_ino))
        if S_ISDIR(st.st_mode):
            if not _walk(e.path, rel + name + "/", names, nums, now_ns):
                return False
        elif now_ns - m < (RACY_FINE_NS if m % 1_000_000_000 else RACY_NS):   # `young`, inline
            return False
    return True


def _suppress():
    import contextlib

    return contextlib.suppress(OSError, UnicodeDecodeError)
