"""A person's whole path: case start / history / family / group, and the path's records
(follow-up, pick-up, lost contact, methadone, referral). PATHWAY.md."""


from typing import Annotated, List, Optional

import typer

from aftercare.cli.cases import (DecidedByOpt, DecidedOnOpt, DecisionNoOpt, EnteredOpt, ExpectedOpt, FacilityOpt,
                                 NotifiedOpt, ReleasedFromOpt, ReleasedOpt, ReportedOpt, TermOpt, case_app,
                                 measure_facts)
from aftercare.cli.common import ByOpt, DateOpt, NoteOpt, StoreOpt, handle, open_store, show_result, today
from aftercare.cli.records import record_app

Opt = typer.Option
CaseArg = Annotated[str, typer.Argument(help="个案编号")]

history_app = typer.Typer(help="既往强制隔离戒毒（登记前的经历）", no_args_is_help=True)
case_app.add_typer(history_app, name="history")
family_app = typer.Typer(help="家庭成员（基本情况登记表）", no_args_is_help=True)
case_app.add_typer(family_app, name="family")
group_app = typer.Typer(help="工作小组成员（戒毒条例第十七条）", no_args_is_help=True)
case_app.add_typer(group_app, name="group")


def _pw():
    from aftercare.actions import pathway

    return pathway


@case_app.command("start")
@handle
def case_start(
    case: CaseArg,
    measure: Annotated[str, Opt("--measure", help="下一项措施：detox / rehab / isolation / followup")],
    reported_on: ReportedOpt = None,
    notified_on: NotifiedOpt = None,
    decision_no: DecisionNoOpt = None,
    decided_by: DecidedByOpt = None,
    decided_on: DecidedOnOpt = None,
    term_months: TermOpt = None,
    facility: FacilityOpt = None,
    entered_on: EnteredOpt = None,
    expected_release: ExpectedOpt = None,
    released_on: ReleasedOpt = None,
    released_from: ReleasedFromOpt = None,
    store: StoreOpt = None,
) -> None:
    """开始下一项措施（复吸后强制隔离戒毒、出所后社区康复或后续照管）；当前措施须已结束。"""
    show_result(_pw().case_start(open_store(store), case, measure, today(), **measure_facts(locals())))


@history_app.command("add")
@handle
def history_add(case: CaseArg,
                measure: Annotated[str, Opt("--measure", help="isolation 强制隔离戒毒")],
                from_: Annotated[str, Opt("--from", help="开始日期")],
                to: Annotated[str, Opt("--to", help="结束日期")],
                store: StoreOpt = None) -> None:
    """登记一次既往强制隔离戒毒（计入次数与操守期）。"""
    show_result(_pw().history_add(open_store(store), case, measure, from_, to, today()))


NameOpt = Annotated[str, Opt("--name", help="姓名")]
PhoneOpt = Annotated[Optional[str], Opt("--phone", help="电话")]


@family_app.command("add")
@handle
def family_add(case: CaseArg, name: NameOpt,
               relation: Annotated[str, Opt("--relation", help="与本人关系，如 母亲、配偶")],
               phone: PhoneOpt = None, address: Annotated[Optional[str], Opt("--address", help="住址")] = None,
               store: StoreOpt = None) -> None:
    """加入一名家庭成员。"""
    show_result(_pw().family(open_store(store), case, "add", today(), name, relation, phone, address))


@family_app.command("remove")
@handle
def family_remove(case: CaseArg, name: NameOpt,
                  relation: Annotated[Optional[str], Opt("--relation", help="与本人关系（同名时区分）")] = None,
                  store: StoreOpt = None) -> None:
    """移出一名家庭成员。"""
    show_result(_pw().family(open_store(store), case, "remove", today(), name, relation))


RoleOpt = Annotated[str, Opt("--role", help="worker 专职人员 / police 社区民警 / doctor 医务人员 / family 家庭成员 / volunteer 禁毒志愿者")]


@group_app.command("add")
@handle
def group_add(case: CaseArg, role: RoleOpt, name: NameOpt, phone: PhoneOpt = None, store: StoreOpt = None) -> None:
    """加入一名工作小组成员。"""
    show_result(_pw().group(open_store(store), case, "add", today(), role, name, phone))


@group_app.command("remove")
@handle
def group_remove(case: CaseArg, role: RoleOpt, name: NameOpt, store: StoreOpt = None) -> None:
    """移出一名工作小组成员。"""
    show_result(_pw().group(open_store(store), case, "remove", today(), role, name))


# ---------------------------------------------------------------- records along the path


@record_app.command("followup")
@handle
def followup(case: CaseArg,
             outcome: Annotated[str, Opt("--outcome", help="abstinent 保持操守 / relapsed 复吸 / lost 失联 / refused 拒绝跟进")],
             date: DateOpt = None,
             method: Annotated[Optional[str], Opt("--method", help="visit 走访 / phone 电话 / test 检测 / family 家属")] = None,
             note: NoteOpt = None, by: ByOpt = None, store: StoreOpt = None) -> None:
    """后续照管回访及其结果（复吸结束后续照管，失联转入失联处理）。"""
    show_result(_pw().record_followup(open_store(store), case, date, outcome, today(), method, note, by))


@record_app.command("pickup")
@handle
def pickup(case: CaseArg, date: DateOpt = None, by: ByOpt = None, note: NoteOpt = None, store: StoreOpt = None) -> None:
    """出所接回（必接必送）。"""
    show_result(_pw().record_pickup(open_store(store), case, date, today(), by, note))


@record_app.command("contact")
@handle
def contact(case: CaseArg,
            result: Annotated[str, Opt("--result", help="reached 联系上 / unreachable 未联系上")],
            date: DateOpt = None,
            via: Annotated[Optional[str], Opt("--via", help="phone 电话 / home 上门 / family 家属 / police 公安（通报查找）")] = None,
            note: NoteOpt = None, store: StoreOpt = None) -> None:
    """一次联系核实（找人）。--via police 即通报公安机关。"""
    show_result(_pw().record_contact(open_store(store), case, date, result, today(), via, note))


@record_app.command("lost")
@handle
def lost(case: CaseArg, date: DateOpt = None, note: NoteOpt = None, store: StoreOpt = None) -> None:
    """登记失联。"""
    show_result(_pw().record_lost(open_store(store), case, date, today(), note))


@record_app.command("found")
@handle
def found(case: CaseArg, date: DateOpt = None,
          how: Annotated[Optional[str], Opt("--how", help="找回经过")] = None, store: StoreOpt = None) -> None:
    """失联人员已找回。"""
    show_result(_pw().record_found(open_store(store), case, date, today(), how))


@record_app.command("methadone")
@handle
def methadone(case: CaseArg, clinic: Annotated[str, Opt("--clinic", help="维持治疗门诊")], date: DateOpt = None,
              registration_no: Annotated[Optional[str], Opt("--registration-no", help="维持治疗登记号")] = None,
              store: StoreOpt = None) -> None:
    """参加药物维持治疗（须报公安机关备案）。"""
    show_result(_pw().record_methadone(open_store(store), case, date, clinic, today(), registration_no))


@record_app.command("methadone-end")
@handle
def methadone_end(case: CaseArg, date: DateOpt = None,
                  reason: Annotated[Optional[str], Opt("--reason", help="退出原因")] = None, store: StoreOpt = None) -> None:
    """退出药物维持治疗。"""
    show_result(_pw().record_methadone_end(open_store(store), case, date, today(), reason))


@record_app.command("police-filing")
@handle
def police_filing(case: CaseArg, date: DateOpt = None, note: NoteOpt = None, store: StoreOpt = None) -> None:
    """药物维持治疗已报公安机关备案。"""
    show_result(_pw().record_police_filing(open_store(store), case, date, today(), note))


@record_app.command("referral")
@handle
def referral(case: CaseArg,
             kind: Annotated[str, Opt("--kind", help="voluntary-detox 自愿戒毒 / rehab-venue 戒毒康复场所")],
             place: Annotated[str, Opt("--place", help="场所")],
             date: DateOpt = None, note: NoteOpt = None, store: StoreOpt = None) -> None:
    """劝导本人自愿戒毒或进入戒毒康复场所。"""
    show_result(_pw().record_referral(open_store(store), case, date, kind, place, today(), note))


