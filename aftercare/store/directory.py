"""The register's directory: who is who, read from each case.yaml alone (no events, no engine).

Fast enough for `find`, for resolving a name given where a case ID is expected, and for shell
completion, which must answer in a blink.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from aftercare.store import yamlio

CASES = "cases"


@dataclass(frozen=True)
class Person:
    case: str
    name: str
    id_number: str
    phone: str
    worker: str


def case_ids(root) -> list[str]:
    try:
        with os.scandir(os.path.join(root, CASES)) as it:
            return sorted(e.name for e in it if e.is_dir() and not e.name.startswith("."))
    except FileNotFoundError:
        return []


def people(root) -> list[Person]:
    """Every case's identity fields; a case.yaml that does not parse is skipped (`check` reports it)."""
    out = []
    for cid in case_ids(root):
        rel = f"{CASES}/{cid}/case.yaml"
        try:
            with open(os.path.join(root, rel), "rb") as fh:
                raw = yamlio.parse(fh.read(), rel)
        except (OSError, yamlio.YamlProblem):
            continue
        if not isinstance(raw, dict):
            continue
        out.append(Person(cid, str(raw.get("name") or ""), str(raw.get("id_number") or ""), str(raw.get("phone") or ""),
                          str(raw.get("worker") or "")))
    return out


def has_case(root, cid: str) -> bool:
    return os.path.isfile(os.path.join(root, CASES, cid, "case.yaml"))


def staff_names(root) -> list[str]:
    """Names on the office's staff list and the workers named on cases."""
    names = []
    try:
        with open(os.path.join(root, "aftercare.yaml"), "rb") as fh:
            cfg = yamlio.parse(fh.read(), "aftercare.yaml") or {}
    except (OSError, yamlio.YamlProblem):
        cfg = {}
    for s in (cfg.get("staff") or []) if isinstance(cfg, dict) else []:
        name = s.get("name") if isinstance(s, dict) else s
        if name:
            names.append(str(name))
    return names
