"""What every document of one case may show: the office, the person, the rules' numbers, computed once."""

from __future__ import annotations

from datetime import date
from typing import Any, Mapping

from aftercare.core import model as M
from aftercare.core.dates import cn
from aftercare.documents.catalogue import CN_DIGITS, LEGAL_BASIS


def txt(value: Any) -> str:
    """Any hand-entered YAML value as one line of text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, date):
        return cn(value)
    if isinstance(value, Mapping):
        return "；".join(f"{k}：{txt(v)}" for k, v in value.items() if v not in (None, ""))
    if isinstance(value, (list, tuple)):
        return "、".join(t for t in (txt(v) for v in value) if t)
    return str(value).strip()


def _term_text(months: int) -> str:
    if months % 12 == 0 and 0 < months // 12 <= 10:
        return f"{CN_DIGITS[months // 12]}年"
    return f"{months}个月"


def _rows(value: Any, keys: tuple) -> list[dict]:
    """A hand-entered list of people (family, work group) as dicts with text values."""
    out = []
    if not isinstance(value, (list, tuple)):
        return out
    for item in value:
        if isinstance(item, Mapping):
            out.append({k: txt(item.get(k)) for k in keys} | {k: txt(v) for k, v in item.items() if k not in keys})
        elif item not in (None, ""):
            out.append({keys[0]: txt(item)} | {k: "" for k in keys[1:]})
    return out


GROUP_ROLES = (
    ("worker", "社区戒毒（康复）专职工作人员", ("专职", "工作人员", "社工", "worker"),
     "日常管理、见面访谈/家访、定期报告、建档"),
    ("police", "社区民警", ("民警", "警", "police"), "吸毒检测，违法违规行为的处置"),
    ("medical", "社区医务人员", ("医", "medical", "doctor"), "戒毒知识辅导、心理疏导、医疗服务"),
    ("family", "家庭成员", ("家", "亲", "family"), "协助监督，异常情况及时报告"),
    ("volunteer", "禁毒志愿者", ("志愿", "volunteer"), "参与帮教、劝诫和帮扶"),
)


class CaseFacts:
    """What every document of one case may show, computed once."""

    def __init__(self, store, case, view, today: date):
        # the events up to `today` (the view's): a file rendered for a past day shows that day's facts
        self.store, self.case, self.events, self.view, self.today = store, case, list(view.events), view, today
        self._views = {today: view}
        self._people: dict = {}
        office = store.office
        self.office = {k: txt(office.get(k)) for k in ("name", "township", "county", "address", "phone")}
        self.office.update({k: txt(v) for k, v in office.items() if k not in self.office})
        self.by_id = {e.id: e for e in self.events}
        rs = view.ruleset
        t = rs.triggers
        self.rules = {
            "report_days": t["report-in"].deadline.days,
            "late_report_deadline": t["late-report-in"].deadline.describe(),
            "warn_upto": t["refusal-warning"]["count_upto"],
            "refusal_serious": t["refusal-serious"]["count_from"],
            "absence_serious": t["absence-serious"]["count_from"],
            "absence_days_over": t["absence-serious"]["total_days_over"],
            "serious_deadline": t["refusal-serious"].deadline.describe(),
            "leave_min_days": rs.leave_min_days,
            "leave_ask_days_before": rs.leave_ask_days_before,
            "makeup_months": rs.makeup_reach_months,
            "transfer_report_days": t["transfer-report-in"].deadline.days,
            "archive_days": t["archive-transfer"].deadline.days,
            "delegated_deadline": t["delegated-test"].deadline.describe(),
            "release_days_before": t["release-suggestion"]["days_before_end"],
        }
        for kind, duty in rs.duties.items():
            phases = duty.phases(case.measure, case.term_months)
            self.rules[f"{kind}_every"] = every_text(phases[0].every) if phases else ""
        self.person = self._person()

    def _person(self) -> dict:
        c, v, x = self.case, self.view, self.case.extra
        staff = [s for s in self.store.staff if isinstance(s, Mapping)]
        worker_phone = next((txt(s.get("phone")) for s in staff if txt(s.get("name")) == c.worker and c.worker), "")
        p = {k: txt(x.get(k)) for k in (
            "alias", "ethnicity", "education", "marital", "employer", "occupation", "household_address",
            "household_police", "address_police", "drugs", "use_method", "first_use", "isolations",
            "treatment", "police_officer", "police_phone", "remarks", "archive_no", "health", "skills")}
        p.update({k: txt(val) for k, val in x.items() if k not in p and not isinstance(val, (list, tuple, Mapping))})
        p.update(
            name=c.name, id_number=c.id_number, sex=c.sex, birth_date=c.birth_date, phone=c.phone,
            address=c.address, household=M.HOUSEHOLDS.get(c.household, c.household), measure=c.measure_label,
            measure_code=c.measure, term=_term_text(c.term_months), term_months=c.term_months,
            worker=c.worker, worker_phone=worker_phone,
            decision_no=c.decision_no, decided_by=c.decided_by, decided_on=c.decided_on, notified_on=c.notified_on,
            registered_on=c.created_on, case_id=c.id,
        )
        p.update(_period(v, c, self.today))
        p["place_of_execution"] = txt(x.get("place_of_execution")) or self.office.get("township") or self.office.get("name", "")
        p["legal_basis"] = txt(x.get("legal_basis")) or LEGAL_BASIS.get(c.measure, "")
        p["archive_no"] = p["archive_no"] or c.id
        p["family"] = _rows(x.get("family"), ("name", "relation", "phone", "unit", "address"))
        p["group"] = _rows(x.get("group"), ("role", "name", "unit", "phone", "duty"))
        p["isolation_list"] = _rows(x.get("isolations"), ("from", "to", "place")) if isinstance(x.get("isolations"), list) else []
        _path_person(p, x, getattr(v, "path", None))
        p["report_deadline"] = next((it.deadline for it in v.items if it.kind == "report-in"), None)   # the engine's
        return p

    def on(self, day: date):
        """The engine's facts of the case as they stood on `day` (never after the render's own day)."""
        day = min(day, self.today)
        v = self._views.get(day)
        if v is None:
            v = self._views[day] = self.view.as_of(day)
        return v

    def person_on(self, day: date | None) -> dict:
        """The person as a document dated `day` shows them: the period (its end as known that day: a later
        suspension moves it only in later documents), the state, the risk level, the age."""
        if day is None or day >= self.today:
            return self.person
        p = self._people.get(day)
        if p is None:
            p = self._people[day] = dict(self.person, **_period(self._views.get(day) or self._period_on(day),
                                                                self.case, day))
        return p

    def _period_on(self, day: date):
        """What `_period` reads of the view of `day`, computed as the engine's `Facts.as_of(day)` computes it
        (the records of that day, their lifecycle, the period) but without the duty windows, breaches and
        items that a whole view of the day adds: a person's period is asked for on every document's day."""
        from types import SimpleNamespace

        from aftercare.core.facts import lifecycle, period, visible_events

        v = self.view
        life = lifecycle(v.case, visible_events(v.events, day))
        per = period(life["start"], v.case.term_months, life["suspensions"], day)
        return SimpleNamespace(start=life["start"], last_day=per["last_day"], base_last=per["base_last"],
                               risk=life["risk"], status=life["status"], suspended_days=per["suspended_days"],
                               closed_on=life["closed_on"])

    def base_ctx(self) -> dict:
        from markupsafe import Markup

        from aftercare.documents.fonts import chains, css

        fonts = {role: Markup(css(chain, role)) for role, chain in chains(self.store.config.get("fonts")).items()}
        return {"office": self.office, "p": self.person, "rules": self.rules, "today": self.today, "fonts": fonts,
                "case": self.case, "view": self.view, "events": self.events,
                "labels": {"measures": M.MEASURES, "test_results": M.TEST_RESULTS, "test_methods": M.TEST_METHODS,
                           "visit_kinds": M.VISIT_KINDS, "support_kinds": M.SUPPORT_KINDS,
                           "evaluation_kinds": M.EVALUATION_KINDS, "risks": M.RISKS}}

    def of_type(self, *types: str, upto: date | None = None) -> list:
        return [e for e in self.events if e.type in types and (upto is None or e.date <= upto)]


def _period(v, c, day: date) -> dict:
    """The facts of a view that change with the day."""
    return dict(start=v.start, last_day=v.last_day, base_last=v.base_last, risk=M.RISKS.get(v.risk, v.risk),
                risk_code=v.risk, status=M.STATUS_LABELS.get(v.status, v.status), status_code=v.status,
                suspended_days=v.suspended_days, closed_on=v.closed_on, age=_age(c.birth_date, day))


def every_text(months: int) -> str:
    return "每月" if months == 1 else f"每{months}个月"


def _age(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def money(amount) -> str:
    if isinstance(amount, float) and amount != int(amount):
        return f"{amount:.2f}"
    try:
        return str(int(amount))
    except (TypeError, ValueError):
        return txt(amount)


def _path_person(p: dict, x: Mapping, path) -> None:
    """The coded person file that `case set` and the path record (PATHWAY §6), where the hand-written
    fields are absent: drug types, way of use, police station, compulsory isolations (earlier ones and
    those on the path)."""
    if not p["drugs"] and isinstance(x.get("drug_types"), list):
        p["drugs"] = "、".join(M.DRUG_TYPES.get(d, str(d)) for d in x["drug_types"])
    p["use_method"] = p["use_method"] or txt(x.get("intake_method"))
    p["address_police"] = p["address_police"] or txt(x.get("residence_police"))
    history = x.get("history") if isinstance(x.get("history"), list) else []
    on_path = [g for g in path.segments if g.kind == "isolation"] if path is not None else []
    n = (path.prior_isolations if path is not None else len(history)) + len(on_path)
    if not p["isolations"] and n:
        p["isolations"] = f"{n}次"
    if not p["isolation_list"] and n == len(history) + len(on_path):      # every one known with its dates
        p["isolation_list"] = _rows(history, ("from", "to", "place")) + [
            {"from": txt(g.start), "to": txt(g.end), "place": txt(g.measure.facility)} for g in on_path]
