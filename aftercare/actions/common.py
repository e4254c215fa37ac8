"""What every write action shares: the result type, input checks (choices, dates, free text) and the
guards on a case's state. This module's public names are the API the other action modules use.

Every refusal raises AftercareError with one Chinese line; nothing is written then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from aftercare.core import model as M
from aftercare.core.dates import parse_date
from aftercare.core.errors import AftercareError
from aftercare.store import Store

__all__ = ["PERSON_EVENTS", "NEED_START", "Result", "author_name", "choice", "past_date", "text", "next_case_id", "find_id_number", "load_view",
           "check_state", "record_event", "not_before_last_record", "same_day_warning", "edit_case_yaml"]

# events that need the person, refused while the measure is suspended or before report-in
PERSON_EVENTS = ("test", "visit", "report", "education", "support", "evaluation", "violation", "family-change",
                 "leave-request", "leave-return")
# records that need the period to have started: they hang on the report-in
NEED_START = PERSON_EVENTS + ("suspend", "resume", "release", "transfer-apply", "transfer-form", "transfer-approve",
                              "transfer-refuse", "transfer-report-in", "transfer-handover")
# records that belong to a community measure (detox, rehab): refused while the person is elsewhere on the path
COMMUNITY_EVENTS = PERSON_EVENTS + ("report-in", "warning", "violation-report", "release-suggestion", "suspend",
                                    "resume", "release", "leave-approve", "leave-deny", "transfer-apply")


@dataclass
class Result:
    case: str
    message: str                 # Chinese, for the user
    commit: str = ""
    event_id: str = ""
    notes: tuple = ()            # notes shown to the user (stdout)
    warnings: tuple = ()         # one Chinese line each, on stderr (e.g. a probable double entry)


def choice(value: str | None, allowed: dict, what: str, required: bool = False) -> str | None:
    if value is None or value == "":
        if required:
            raise AftercareError(f"缺少{what}，应为 {'、'.join(allowed)} 之一", code="missing")
        return None
    code = M.code_of(value, allowed)
    if code is None:
        opts = "、".join(f"{k}（{v}）" for k, v in allowed.items())
        words = M.words_for(allowed)
        also = f"；也可写：{'、'.join(words)}" if words else ""
        raise AftercareError(f"{what}“{value}”无效，应为：{opts}{also}", code="bad-enum")
    return code


def past_date(text: str | None, today: date, what: str = "日期") -> date:
    d = today if text is None else parse_date(text, what, today)
    if d > today:
        raise AftercareError(f"{what} {d.isoformat()} 在今天（{today.isoformat()}）之后，不能记录未来的事", code="future-date")
    return d


def text(value: str | None, what: str, limit: int = 2000) -> str | None:
    if value is None:
        return None
    if any((ord(c) < 32 and c not in "\n\t") or 0xD800 <= ord(c) <= 0xDFFF for c in value):
        raise AftercareError(f"{what}含有控制字符或无效字符", code="bad-text")
    if len(value) > limit:
        raise AftercareError(f"{what}过长（{len(value)} 字，上限 {limit} 字）", code="bad-text")
    return value.strip()


def next_case_id(existing: list, year: int) -> str:
    prefix = f"{year}-"
    nums = [int(c[len(prefix):]) for c in existing if c.startswith(prefix) and c[len(prefix):].isdigit()]
    return f"{year}-{(max(nums) + 1 if nums else 1):04d}"


def find_id_number(store: Store, ids: list, idn: str) -> str | None:
    """The case already registered with this ID number (a cheap scan of case.yaml files)."""
    needle = idn.encode()
    for cid in ids:
        try:
            data = (store.case_dir(cid) / "case.yaml").read_bytes()
        except FileNotFoundError:
            continue
        if needle in data:
            return cid
    return None


def load_view(store: Store, cid: str, today: date):
    case, events = store.load_case(cid)
    from aftercare.core.engine import evaluate_in      # not at import: a warm `due` never evaluates

    return case, events, evaluate_in(store, case, events, today)


def check_state(view, d: date, etype: str) -> None:
    """Refuse a record that the case's state does not allow on day d."""
    cid = view.case.id
    path = getattr(view, "path", None)
    if path is not None and path.current.kind not in M.COMMUNITY_MEASURES and etype in COMMUNITY_EVENTS:
        # the person is in a facility or in follow-up care: the community measure's records do not apply
        hint = "（后续照管用 record followup）" if path.current.kind == "followup" else ""
        raise AftercareError(f"个案 {cid} 目前处于{M.STATES[path.state]}，不能记录{M.EVENT_TYPES.get(etype, etype)}{hint}",
                             code="wrong-measure")
    if view.closed_on is not None and d >= view.closed_on and etype != "transfer-in":
        label = M.STATUS_LABELS[view.status]
        raise AftercareError(f"个案 {cid} 于 {view.closed_on} {label}，不能再记录该日期的{M.EVENT_TYPES.get(etype, etype)}",
                             code="case-closed")
    if etype in PERSON_EVENTS:
        if view.start is None:
            raise AftercareError(f"个案 {cid} 尚未报到，期限未开始，不能记录{M.EVENT_TYPES[etype]}（先 record report-in）",
                                 code="not-started")
        if d < view.start:
            raise AftercareError(f"日期 {d} 早于报到日期 {view.start}，期限尚未开始", code="before-start")
        for s, r, _e in view.suspensions:
            if s <= d and (r is None or d < r):
                span = f"{s}至{r}" if r else f"自{s}起，尚未恢复"
                raise AftercareError(f"{d} 在中止期间（{span}）内，不能记录{M.EVENT_TYPES[etype]}", code="suspended")


def same_day_warning(view, etype: str, d: date) -> tuple:
    """A second record of the same kind, case and day is accepted (it happens) but flagged: a double entry?"""
    same = [e for e in view.events if e.type == etype and e.date == d]
    if not same:
        return ()
    cid, label = view.case.id, M.EVENT_TYPES.get(etype, etype)
    return (f"注意：个案 {cid} 在 {d} 已有{label}记录 {same[0].id}，这是同一天的第 {len(same) + 1} 条；"
            f"如属重复录入，请用 aftercare void {cid} 记录编号 --reason 原因 撤销",)


def record_event(store: Store, cid: str, etype: str, d: date, fields: dict, today: date, message: str,
                 check=None, first=None) -> Result:
    """Append one record after the state guards and `check(case, events, view)` (its notes are returned);
    `first(view)` runs before the guards, for a refusal more precise than theirs."""
    with store.transaction() as tx:
        case, events, view = load_view(store, cid, today)
        if first is not None:
            first(view)
        check_state(view, d, etype)
        notes = check(case, events, view) if check else ()
        warnings = same_day_warning(view, etype, d)
        eid = tx.append_event(case, events, etype, d, fields)
        commit = tx.commit(message)
    return Result(cid, f"已记录：个案 {cid} {d.isoformat()} {M.EVENT_TYPES.get(etype, etype)}", commit, eid,
                  tuple(notes or ()), warnings)


def not_before_last_record(events, d: date, what: str, why: str = "请按时间顺序记录") -> None:
    last = max((e.date for e in events), default=d)
    if d < last:
        raise AftercareError(f"{what}日期 {d} 早于已有记录的日期 {last}；{why}", code="date-order")


def author_name(store: Store) -> str | None:
    """Who is acting: the git author of the next commit (environment or config), as git log shows it."""
    ident = store.git.run("var", "GIT_AUTHOR_IDENT", check=False)
    return (ident.split(" <")[0].strip() or None) if " <" in ident else None


def edit_case_yaml(store: Store, tx, cid: str, mutate) -> list:
    """A round-trip edit of case.yaml inside transaction `tx`: `mutate(doc)` changes the document and
    returns the keys it changed; comments, order and hand-added fields survive. What is written must
    read back (else the transaction is undone)."""
    from io import StringIO

    from ruamel.yaml import YAML

    path = store.case_dir(cid) / "case.yaml"
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.representer.ignore_aliases = lambda *_a: True     # the store refuses anchors and aliases
    doc = yaml.load(path.read_text(encoding="utf-8"))
    changed = mutate(doc)
    if not changed:
        raise AftercareError(f"个案 {cid} 的这些信息与原来相同，没有修改", code="nothing")
    buf = StringIO()
    yaml.dump(doc, buf)
    tx.write(path, buf.getvalue().encode("utf-8"))
    store.load_case(cid)
    return changed


def record_report_in(store: Store, tx, cid: str, rep_on: date | None) -> str:
    """With a registration or a new measure: the report-in record of `rep_on`, and the words it adds to the commit."""
    if not rep_on:
        return ""
    case, events = store.load_case(cid)
    tx.append_event(case, events, "report-in", rep_on, {})
    return f" reported in on {rep_on.isoformat()}"
