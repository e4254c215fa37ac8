"""The fictional office of a synthetic store: its aftercare.yaml, staff, security periods, and the commit."""

from __future__ import annotations

import os
import random
import subprocess
from datetime import date
from pathlib import Path

from aftercare.core.ids import fictional_name, fictional_phone, new_event_id
from aftercare.store import yamlio

DEFAULT_OFFICE = "云溪镇社区戒毒（康复）工作办公室"
TOWNSHIP = "云溪镇"
COUNTY = "示范县"
POLICE = "示范县公安局"
FACILITY = "示范县强制隔离戒毒所"
CLINIC = "示范县美沙酮维持治疗门诊"
SECURITY_PERIODS = (
    ("国庆节", date(2025, 10, 1), date(2025, 10, 8)),
    ("全国两会", date(2026, 3, 3), date(2026, 3, 12)),
    ("国庆节", date(2026, 10, 1), date(2026, 10, 7)),
)
_ROLES = ("专职社工", "专职社工", "社区民警", "禁毒专干", "村（居）委干部")


def staff(rng: random.Random, n: int) -> list:
    """`n` fictional staff members with distinct names."""
    names, out = set(), []
    while len(out) < n:
        name = fictional_name(rng)
        if name in names:
            continue
        names.add(name)
        out.append({"name": name, "role": _ROLES[len(out) % len(_ROLES)], "phone": fictional_phone(rng)})
    return out


def office_yaml(office: str, members: list, security, rules: list | None = None) -> str:
    """aftercare.yaml of the synthetic office; `rules` are the office's rule overrides (README "规则")."""
    body = yamlio.emit_mapping({"office": {"name": office, "township": TOWNSHIP, "county": COUNTY}})
    return ("# aftercare 案卷库配置（合成数据：人员均为程序生成的虚构人物）\n" + body
            + "# 工作人员：name 姓名，role 职务，phone 电话\n" + yamlio.emit_mapping({"staff": members})
            + "# 规则覆盖（见 README“规则”）：\n" + yamlio.emit_mapping({"rules": list(rules or [])})
            + "# 国务院每年公布的节假日与调休上班日（chinesecalendar 尚不知道的年份）：\ncalendar: {}\n"
            + "# 重大安保期（中、高风险人员必访）\n"
            + yamlio.emit_mapping({"security_periods": [{"name": n, "from": a, "to": b} for n, a, b in security]}))


def write(path: Path, text: str) -> int:
    data = text.encode()
    with open(path, "wb") as fh:
        fh.write(data)
    return len(data)


def git_commit(root: Path, rng: random.Random, n: int, seed: int) -> None:
    """One repository, one commit of everything; later records go to another origin, as on a second clone."""
    env = dict(os.environ)
    for k in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        env.pop(k, None)
    env.setdefault("GIT_AUTHOR_NAME", "aftercare synth")
    env.setdefault("GIT_AUTHOR_EMAIL", "synth@example.invalid")
    env.setdefault("GIT_COMMITTER_NAME", env["GIT_AUTHOR_NAME"])
    env.setdefault("GIT_COMMITTER_EMAIL", env["GIT_AUTHOR_EMAIL"])

    def run(*args):
        subprocess.run(["git", *args], cwd=root, env=env, check=True, stdout=subprocess.DEVNULL)

    run("init", "-q")
    run("config", "core.sharedRepository", "0600")
    run("config", "feature.manyFiles", "true")
    run("add", "-A")
    run("commit", "-q", "--no-verify", "-m", f"Synthetic store: {n} fictional cases (seed {seed})")
    run("config", "aftercare.origin", new_event_id(frozenset(), rng)[:4])      # an origin name from the id alphabet
