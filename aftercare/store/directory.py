"""The register's directory: who is who, read from each case.yaml alone (no events, no engine).

Fast enough for `find`, for resolving a name given where a case ID is expected, and for shell
completion, which must answer in a blink.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from aftercare.store import yamlio
from aftercare.store.stamps import case_folder, case_folders


@dataclass(frozen=True)
class Person:
    case: str
    name: str
    id_number: str
    phone: str
    worker: str


def case_ids(root) -> list[str]:
    return [cid for cid, _folder in case_folders(root)[0]]


def people(root) -> list[Person]:
    """Every case's identity fields; a case.yaml that does not parse is skipped (`check` reports it)."""
    out = []
    top = len(os.fspath(root)) + 1
    for cid, folder in case_folders(root)[0]:
        rel = os.path.join(folder, "case.yaml")[top:]
        try:
            with open(os.path.join(folder, "case.yaml"), "rb") as fh:
                raw = yamlio.parse(fh.read(), rel)
        except (OSError, yamlio.YamlProblem):
            continue
        if not isinstance(raw, dict):
            continue
        out.append(Person(cid, str(raw.get("name") or ""), str(raw.get("id_number") or ""), str(raw.get("phone") or ""),
                          str(raw.get("worker") or "")))
    return out


def has_case(root, cid: str) -> bool:
    return os.path.isfile(os.path.join(case_folder(root, cid), "case.yaml"))


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
