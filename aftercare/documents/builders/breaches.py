"""Documents 11–12: the warning letter (告诫书) and the violation report (违法/违规行为报告)."""

from __future__ import annotations

from aftercare.core import model as M
from aftercare.core.dates import cn
from aftercare.documents.catalogue import cn_count
from aftercare.documents.catalogue import doc as _doc
from aftercare.documents.context import CaseFacts, txt


def breach_facts(f: CaseFacts, e) -> dict:
    """What happened, for a warning or a report: the refusal, the absence or the test."""
    name = f.case.name
    if e is None:
        return {"date": None, "what": "", "text": ""}
    if e.type == "test":
        result = f.view.result_of(e)
        if result in ("refused", "evaded"):
            what = "拒绝接受吸毒检测" if result == "refused" else "逃避吸毒检测"
            text = f"{cn(e.date)}，{name}{what}"
        else:
            what = "吸毒检测结果呈阳性"
            method = M.TEST_METHODS.get(e.get("method"), "")
            text = f"{cn(e.date)}，{name}接受{method or '吸毒'}检测，结果呈阳性"
    elif e.type == "violation":
        days = int(e.get("days") or 0)
        what = "未经批准擅自离开执行地" if e.get("kind") == "absence" else "违反社区戒毒（康复）协议"
        text = f"{cn(e.date)}，{name}{what}" + (f"{days}日" if days else "")
    else:
        what = M.EVENT_TYPES.get(e.type, e.type)
        text = f"{cn(e.date)}，{what}"
    note = txt(e.get("note"))
    return {"date": e.date, "what": what, "text": text, "note": note, "e": e}


def _record(f: CaseFacts, it):
    """The record that gave rise to a warning or report (the engine names it: `DueItem.source`)."""
    return f.by_id.get(it.source) if it.source else None


def _ground(f: CaseFacts, e) -> str:
    """What kind of breach a record is: refusal (refused or evaded test), positive, absence; a report
    without a record is the late report-in."""
    if e is None:
        return "late-report-in"
    if e.type == "test":
        return "positive" if f.view.result_of(e) == "positive" else "refusal"
    return "absence"


def _arisen(f: CaseFacts, it) -> bool:
    """A warning or report exists once its trigger has happened (the late report-in: the day after the
    deadline), never for a duty still ahead."""
    return (it.window_start or it.deadline) <= f.today


def _b11_warnings(f: CaseFacts):
    v = f.view
    for it in (i for i in v.items if i.kind == "warning"):
        basis = _record(f, it)
        if basis is None or not _arisen(f, it):
            continue
        if basis.type == "test":
            n = v.breaches.refusal_no(basis)
            ground, clause = "refusal", "第四条第（一）项"
        else:
            n = v.breaches.absence_no(basis)
            ground, clause = "absence", "第四条第（三）项"
        issued = f.by_id.get(it.satisfied_by) if it.satisfied_by else None
        facts = breach_facts(f, basis)
        label = "拒绝或逃避检测" if ground == "refusal" else "擅自外出"
        total = v.breaches.absence_days_upto(basis.date)
        yield _doc(issued.date if issued else None, f"第{n}次{label}", todo=issued is None, item=it, n=n,
                   n_cn=cn_count(n), ground=ground, clause=clause, facts=facts, issued=issued,
                   issued_note=txt(issued.get("note")) if issued else "", total_days=total)


# the legal ground of each kind of report (禁毒法 38 lists the three; 戒毒条例 14 and 20 define two of them)
BASES = {
    "late-report-in": "《戒毒条例》第十四条（无正当理由逾期不报到的，视为拒绝接受社区戒毒）；"
                      "《中华人民共和国禁毒法》第三十八条第一款第（一）项",
    "positive": "《中华人民共和国禁毒法》第三十八条第一款第（二）项（在社区戒毒期间吸食、注射毒品）",
    "serious": "《戒毒条例》第二十条；《中华人民共和国禁毒法》第三十八条第一款第（三）项（严重违反社区戒毒协议）",
}
REHAB_NOTE = "（社区康复参照社区戒毒的规定实施：《中华人民共和国禁毒法》第四十八条）"


def _b12_reports(f: CaseFacts):
    v = f.view
    warnings = f.of_type("warning")
    for it in (i for i in v.items if i.kind == "violation-report"):
        if not _arisen(f, it):
            continue
        basis = _record(f, it)
        code = _ground(f, basis)
        facts = breach_facts(f, basis)
        evidence = ["《责令社区戒毒/社区康复决定书》（复印件）"]
        to_deciding = True
        serious = ""
        if code == "late-report-in":
            ground = f"决定书送达后{f.rules['report_days']}日内未报到，视为拒绝接受{f.person['measure']}"
            short = "逾期未报到"
            p = f.person
            limit = p["report_deadline"]
            facts = {"date": limit, "what": "逾期未报到",
                     "text": f"{cn(p['notified_on'])}，{f.case.name}收到决定书，应于{cn(limit)}前报到，逾期未报到"
                     + (f"（{cn(v.start)}报到）" if v.start and v.start <= f.today else ""), "note": ""}
            evidence.append("《社区戒毒（康复）人员逾期报到通知书》")
            legal = BASES["late-report-in"]
        elif code == "refusal":
            n = v.breaches.refusal_no(basis)
            ground = f"严重违反社区戒毒（康复）协议：第{n}次拒绝或逃避吸毒检测（{f.rules['refusal_serious']}次以上）"
            short = f"第{n}次拒绝或逃避检测"
            serious = "refusal"
            evidence += ["《社区戒毒（康复）人员吸毒检测通知书》", "《社区戒毒（康复）人员检测记录表》"]
            evidence += [f"《社区戒毒（康复）人员告诫书》（{cn(w.date)}）" for w in warnings if basis and w.date <= basis.date]
            legal = BASES["serious"]
        elif code == "positive":
            ground = f"{f.person['measure']}期间吸食、注射毒品（吸毒检测结果呈阳性）"
            short = "检测结果阳性"
            evidence += ["《社区戒毒（康复）人员检测记录表》", "吸毒检测报告"]
            legal = BASES["positive"]
        elif code == "absence":
            n = v.breaches.absence_no(basis)
            days = v.breaches.absence_days_upto(basis.date)
            over = f.rules["absence_days_over"]
            if n >= f.rules["absence_serious"]:
                ground = f"严重违反社区戒毒（康复）协议：第{n}次擅自离开执行地（{f.rules['absence_serious']}次以上）"
                short = f"第{n}次擅自外出"
                serious = "absence-count"
            else:
                ground = f"严重违反社区戒毒（康复）协议：擅自离开执行地累计{days}日，超过{over}日"
                short = f"擅自外出累计{days}日"
                serious = "absence-days"
            evidence += [f"《社区戒毒（康复）人员告诫书》（{cn(w.date)}）" for w in warnings if basis and w.date <= basis.date]
            to_deciding = False
            legal = BASES["serious"]
        else:
            ground, short, legal = it.basis, it.basis, ""
        if legal and f.case.measure == "rehab":
            legal += REHAB_NOTE
        sent = f.by_id.get(it.satisfied_by) if it.satisfied_by else None
        yield _doc(sent.date if sent else None, short, todo=sent is None, item=it, code=code, ground=ground,
                   serious=serious, legal=legal,
                   facts=facts, evidence=evidence, sent=sent, sent_note=txt(sent.get("note")) if sent else "",
                   deadline=it.deadline, provisional=it.provisional, to_deciding=to_deciding,
                   history=_breach_history(f, basis) if basis is not None else [])


def _breach_history(f: CaseFacts, upto) -> list[dict]:
    """Every refusal, absence and positive test up to the event, for the facts of a report."""
    return [breach_facts(f, e) for e in f.view.breach_records(upto.date if upto is not None else None)]
