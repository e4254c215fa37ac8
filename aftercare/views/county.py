"""A county's view: several stores (each a clone of one office's remote), read only.

Each store is named by its office (aftercare.yaml `office.name`; the folder name is added when two
offices share a name). A person registered in two stores (the same ID number, e.g. mid-transfer) is
counted once: in the store where the person is on the books on D2 and not closed (transferred out),
else in the one with the most records, else in the first store given; the other registrations are
listed as duplicates. The other registrations still add the work their office did (dated figures,
`stats.contributions`) for the days it was responsible: a change of place splits at the hand-over
(`stats_facts.responsibility`); where two registrations overlap otherwise, the other one's work counts
only before the counted one's began, so no duty is counted twice.
"""

from __future__ import annotations

from datetime import date, timedelta

from aftercare.core.errors import DataError


def open_stores(paths: list, use_cache: bool = True) -> list:
    """Open every store given (each must be a store); returns [(label, Store)]."""
    from aftercare.store import Store, find_store

    stores = [Store(find_store(p), use_cache=use_cache) for p in paths]
    return list(zip(store_labels(stores), stores))


def store_labels(stores: list) -> list:
    names = [str((s.office or {}).get("name") or s.root.name) for s in stores]
    out = []
    for s, n in zip(stores, names):
        out.append(f"{n}（{s.root.name}）" if names.count(n) > 1 else n)
    return out


def load_county(labelled: list, d2: date, since: date | None = None):
    """PersonFacts of every store as of d2, each person once: (facts, duplicates). `since`: see load_facts."""
    from aftercare.views.stats_facts import load_facts

    facts, problems = [], []
    for label, store in labelled:
        fs, probs = load_facts(store, label, d2, since)
        facts.extend(fs)
        problems.extend(probs)
    if problems:
        raise DataError(problems)
    return dedupe(facts, [label for label, _ in labelled])


def dedupe(facts: list, order: list) -> tuple[list, list]:
    """One primary PersonFacts per ID number (the person's figures); the others kept as secondary (their
    dated work only, see the module's text); returns (facts, duplicates)."""
    rank = {label: i for i, label in enumerate(order)}
    by_id: dict = {}
    for pf in facts:
        by_id.setdefault(pf.id_number, []).append(pf)
    kept, dups = [], []
    for pfs in by_id.values():
        kept.extend(pfs)
        if len(pfs) == 1:
            continue
        pfs.sort(key=lambda p: (not p.exists, p.state == "closed", -p.records, rank.get(p.store, 0), p.cid))
        main, rest = pfs[0], pfs[1:]
        main.also = [(p.store, p.cid) for p in rest]
        begun = _begun(main)
        for p in rest:
            p.primary = False
            p.also = [(main.store, main.cid)] + [(q.store, q.cid) for q in rest if q is not p]
            if begun is not None and _overlap(p.spans, main.spans):
                # registrations overlapping otherwise than by a change of place: the counted one's days are its own
                p.spans = [(a, u if u is not None and u < begun else begun) for a, u in p.spans or [(None, None)]
                           if a is None or a < (u if u is not None and u < begun else begun)]
        if main.exists:
            dups.append({"store": main.store, "case": main.cid, "name": main.name, "also": main.also})
    kept.sort(key=lambda p: (rank.get(p.store, 0), p.cid))
    dups.sort(key=lambda d: (rank.get(d["store"], 0), d["case"]))
    return kept, dups


def _begun(pf):
    """The last day before a registration's days began (the hand-over before its receipt, or the day before
    it came on the books); None when it never did."""
    if pf.spans and pf.spans[0][0] is not None:
        return pf.spans[0][0]
    return pf.reg_date - timedelta(days=1) if pf.reg_date is not None else None


def _overlap(one, other) -> bool:
    """Whether two registrations' days (`PersonFacts.spans`; None: every day) share a day."""
    for a1, u1 in one or [(None, None)]:
        for a2, u2 in other or [(None, None)]:
            lo = a1 if a2 is None else a2 if a1 is None else max(a1, a2)
            hi = u1 if u2 is None else u2 if u1 is None else min(u1, u2)
            if lo is None or hi is None or lo < hi:
                return True
    return False


def county_agenda(labelled: list, day: date, within: int | None, case: str | None, worker: str | None,
                  today: date | None = None):
    """The agenda of several stores: ([(store, AgendaLine, also)], problems, unknown years).

    A person registered in several stores (same ID number) is listed once: from the store where the
    case is not closed (the first such store given), with the other registrations in `also`."""
    from aftercare.views.agenda import STATUS_ORDER, AgendaLine, live_agenda, summaries

    done = ("clean", "closed")

    problems, years, regs = [], set(), {}
    per_store = []
    for label, store in labelled:
        w = within if within is not None else store.rules.for_day(day).upcoming_days
        sums, probs = summaries(store, day, w, case, worker, today)
        problems.extend(probs)
        per_store.append((label, w, sums))
        for s in sums:
            regs.setdefault(s.id_number, []).append((s.state in done, label, s.cid))
    lines = []
    for label, w, sums in per_store:
        for s in sums:
            mine = sorted((closed, [lab for lab, _ in labelled].index(lab), lab, cid)
                          for closed, lab, cid in regs[s.id_number])
            if (mine[0][2], mine[0][3]) != (label, s.cid) or s.state in done:
                continue
            also = [(lab, cid) for _c, _i, lab, cid in mine[1:]]
            lines.extend((label, AgendaLine(it, s.name, s.worker), also)
                         for it in live_agenda(s.items, s.state, day, w))
            if any(i.provisional for i in s.items):
                years.update(s.provisional_years)
    lines.sort(key=lambda x: (STATUS_ORDER[x[1].item.status], x[1].item.deadline, x[0], x[1].item.case, x[1].item.kind))
    return lines, problems, sorted(years)


def county_due_output(lines: list, day: date, fmt: str):
    """`due` over several stores: the agenda's fields with a `store` column (and `also`); text, or the bytes
    of a CSV / xlsx export (the agenda's Chinese columns after 案卷库, by the one export writer)."""
    import json

    from aftercare.core.model import ITEM_KINDS

    if fmt in ("csv", "xlsx"):
        from aftercare.cli.export import AGENDA_HEADERS, agenda_rows, table_bytes

        rows = [[label, *row, "、".join(f"{s} {c}" for s, c in also)]
                for (label, _ln, also), row in zip(lines, agenda_rows([ln for _l, ln, _a in lines]))]
        return table_bytes(fmt, "待办", ["案卷库", *AGENDA_HEADERS, "另见"], rows,
                           [ln.item.status == "overdue" for _l, ln, _a in lines])
    recs = []
    for label, ln, also in lines:
        it = ln.item
        recs.append({"store": label, "case": it.case, "name": ln.name, "worker": ln.worker, "kind": it.kind,
                     "label": it.label, "status": it.status, "deadline": it.deadline.isoformat(),
                     "window_start": it.window_start.isoformat() if it.window_start else None, "basis": it.basis,
                     "document": it.document, "provisional": it.provisional,
                     "also": [f"{s}:{c}" for s, c in also]})
    if fmt == "json":
        return json.dumps(recs, ensure_ascii=False, indent=2)
    from aftercare.cli.common import table

    if not recs:
        return f"{day.isoformat()} 各办公室都没有逾期、待办或即将到期的事项。"
    status_cn = {"overdue": "逾期", "due": "待办", "upcoming": "即将到期"}
    rows = [[status_cn[r["status"]], r["deadline"] + ("*" if r["provisional"] else ""), r["store"], r["case"], r["name"],
             ITEM_KINDS.get(r["kind"], r["kind"]), "另见 " + "、".join(r["also"]) if r["also"] else ""] for r in recs]
    counts = "，".join(f"{v} {sum(1 for r in recs if r['status'] == k)}" for k, v in status_cn.items())
    return table(["状态", "期限", "办公室", "编号", "姓名", "事项", "备注"], rows) + f"\n{day.isoformat()}：{counts}"
