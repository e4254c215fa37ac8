"""staff add / list / remove: the office's staff as a checked list (the `staff:` list of aftercare.yaml).

Every `--worker` names someone on the list (`require_worker`): a mistyped name is refused with the
closest names instead of silently matching nobody. Entries are `{name, role, phone}`; entries written by
hand with another role text (e.g. “专职社工”) or as a bare name stay valid.
"""

from __future__ import annotations

import difflib
import re
import unicodedata

from aftercare.actions.common import Result, text
from aftercare.core.errors import AftercareError
from aftercare.core.model import staff_roster
from aftercare.store import Store
from aftercare.store import yamlio

ROLES = {"worker": "专职社工", "police": "社区民警", "doctor": "医生", "volunteer": "志愿者"}
_ROLE_WORDS = {label: code for code, label in ROLES.items()} | {"社工": "worker", "工作人员": "worker", "民警": "police",
                                                               "警察": "police"}


def roster(store: Store, staff: list | None = None) -> list[dict]:
    """The staff list as {name, role, phone} (role as written: a code or a hand-written text)."""
    return staff_roster(store.staff if staff is None else staff)


_CJK = r"[\u3400-\u9fff\uf900-\ufaff·•]"


def clean_name(name: str) -> str:
    """A name as written on the list: full-width letters and spaces made ordinary (NFKC), spaces between
    Chinese characters dropped, other runs of spaces made one (`王　强` is 王强)."""
    name = " ".join(unicodedata.normalize("NFKC", name).split())
    return re.sub(rf"(?<={_CJK}) (?={_CJK})", "", name)


def _name_key(name: str) -> str:
    """What two names that differ only in spaces, width or letter case share."""
    return "".join(unicodedata.normalize("NFKC", name).split()).casefold()


def role_label(role: str) -> str:
    return ROLES.get(role, role)


def require_worker(store: Store, name: str | None) -> str | None:
    """`name` when it is on the staff list (None passes); otherwise refused with the closest names."""
    if name is None:
        return None
    name = clean_name(name)
    names = [s["name"] for s in roster(store)]
    if name in names:
        return name
    same = [n for n in names if _name_key(n) == _name_key(name)]
    if len(same) == 1:
        return same[0]
    if not names:
        raise AftercareError(f"没有工作人员“{name}”：工作人员名单为空，请先用 aftercare staff add {name} 添加",
                             code="unknown-worker")
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.4)
    if close:
        raise AftercareError(f"没有工作人员“{name}”；是否指：{'、'.join(close)}？", code="unknown-worker")
    raise AftercareError(f"没有工作人员“{name}”（名单：{'、'.join(names[:10])}{'等' if len(names) > 10 else ''}；"
                         f"新人员请用 aftercare staff add 添加）", code="unknown-worker")


def _load_config(store: Store):
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.representer.ignore_aliases = lambda *_: True     # the read path refuses anchors and aliases
    return yaml, yaml.load((store.root / "aftercare.yaml").read_text(encoding="utf-8"))   # read under the lock


def _write_config(store: Store, tx, yaml, doc) -> None:
    from io import StringIO

    buf = StringIO()
    yaml.dump(doc, buf)
    data = buf.getvalue().encode("utf-8")
    yamlio.parse(data, "aftercare.yaml")           # what is written must read back
    tx.write(store.root / "aftercare.yaml", data)


def add_staff(store: Store, name: str, role: str | None = None, phone: str | None = None) -> Result:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString as Q

    name = clean_name(text(name, "姓名", 40) or "")
    if not name:
        raise AftercareError("姓名不能为空", code="missing")
    if role is not None:
        role = _ROLE_WORDS.get(role.strip(), role.strip())
        if role not in ROLES:
            opts = "、".join(f"{k}（{v}）" for k, v in ROLES.items())
            raise AftercareError(f"职务（--role）“{role}”无效，应为：{opts}", code="bad-enum")
    phone = text(phone, "电话", 40) or None
    with store.transaction() as tx:
        yaml, doc = _load_config(store)
        staff = doc.get("staff")
        names = [s["name"] for s in roster(store, staff if isinstance(staff, list) else [])]
        if name in names:
            raise AftercareError(f"工作人员“{name}”已在名单上", code="duplicate-staff")
        near = next((n for n in names if _name_key(n) == _name_key(name)), None)
        if near is not None:
            raise AftercareError(f"名单上已有“{near}”，与“{name}”只差空格、全角半角或大小写；如确是另一人，请在姓名中加以区分",
                                 code="duplicate-staff")
        if not isinstance(staff, list):
            staff = doc["staff"] = CommentedSeq()
        staff.fa.set_block_style()
        entry = CommentedMap()
        entry["name"] = Q(name)
        entry["role"] = Q(role or "worker")
        if phone:
            entry["phone"] = Q(phone)
        staff.append(entry)
        _write_config(store, tx, yaml, doc)
        commit = tx.commit(f"Add a staff member ({role or 'worker'})")
    return Result("", f"已添加工作人员：{name}（{ROLES[role or 'worker']}）", commit)


def cases_of(store: Store, name: str) -> list[str]:
    """The cases whose responsible worker is `name` (a byte scan, then a parse to confirm)."""
    needle, out = name.encode("utf-8"), []
    for cid in store.case_ids():
        try:
            data = (store.case_dir(cid) / "case.yaml").read_bytes()
        except FileNotFoundError:
            continue
        if needle in data:
            try:
                raw = yamlio.parse(data, cid)
            except yamlio.YamlProblem:
                continue
            if isinstance(raw, dict) and str(raw.get("worker") or "").strip() == name:
                out.append(cid)
    return out


def remove_staff(store: Store, name: str) -> Result:
    with store.transaction() as tx:
        name = require_worker(store, (name or "").strip())
        named = cases_of(store, name)
        if named:
            more = f" 等 {len(named)} 个" if len(named) > 5 else ""
            raise AftercareError(f"不能移除工作人员“{name}”：个案 {'、'.join(named[:5])}{more} 仍由其负责"
                                 f"（先用 aftercare case set 编号 --worker 其他人员 改派）", code="staff-in-use")
        yaml, doc = _load_config(store)
        staff = doc["staff"]
        for i, s in enumerate(staff):
            if roster(store, [s]) and roster(store, [s])[0]["name"] == name:
                del staff[i]
                break
        _write_config(store, tx, yaml, doc)
        commit = tx.commit("Remove a staff member")
    return Result("", f"已从名单移除工作人员：{name}", commit)
