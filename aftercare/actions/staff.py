"""staff add / list / remove: the office's staff as a checked list (the `staff:` list of aftercare.yaml).

Every `--worker` names someone on the list (`require_worker`): a mistyped name is refused with the
closest names instead of silently matching nobody. Entries are `{name, role, phone}`; entries written by
hand with another role text (e.g. “专职社工”) or as a bare name stay valid.
"""

from __future__ import annotations

import difflib

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


def role_label(role: str) -> str:
    return ROLES.get(role, role)


def require_worker(store: Store, name: str | None) -> str | None:
    """`name` when it is on the staff list (None passes); otherwise refused with the closest names."""
    if name is None:
        return None
    name = name.strip()
    names = [s["name"] for s in roster(store)]
    if name in names:
        return name
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

    name = text(name, "姓名", 40) or ""
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
        if name in [s["name"] for s in roster(store, staff if isinstance(staff, list) else [])]:
            raise AftercareError(f"工作人员“{name}”已在名单上", code="duplicate-staff")
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
            data = (store.cases_dir / cid / "case.yaml").read_bytes()
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
    name = (name or "").strip()
    with store.transaction() as tx:
        require_worker(store, name)
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
