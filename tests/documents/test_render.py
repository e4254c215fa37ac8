"""The archive documents (一人一档): every one of the 18 holds its title and its facts; the file's order,
names, cover and table of contents; PDF output (A4, text, page numbers matching the table of contents);
store overrides; escaping; broken templates.

The fixture store is built through the action functions with fixed dates and fictional persons.
"""

from __future__ import annotations

import html
import random
import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest

from aftercare.documents import render as R
from aftercare.actions import cases, lifecycle, records, transfer
from aftercare.core.errors import AftercareError
from aftercare.core.ids import fictional_id_number, fictional_name
from aftercare.store import Store, init_store
from conftest import IDENTITY, case_dir, case_path

TODAY = date(2026, 5, 14)
GOLDEN = Path(__file__).with_name("golden")
OFFICE = "青山镇社区戒毒（康复）工作办公室"
NASTY = "<script>alert('x')</script> {{ 7*7 }} {% if true %}bad{% endif %} & {# c #}"


def _person(seed: int, birth: date, sex: str = "男") -> tuple[str, str]:
    """A fictional name and ID number (drawn until the region code is valid on the birth date)."""
    from stdnum.cn import ric

    rng = random.Random(f"render-test:{seed}")
    for _ in range(1000):
        name, idn = fictional_name(rng), fictional_id_number(rng, birth, sex)
        if ric.is_valid(idn):            # stricter than check_id_number: the code existed in the birth year
            return name, idn
    raise AssertionError(f"no valid fictional ID number for {birth}")


def build_store(root: Path) -> dict:
    """A store with four fictional persons:
    full  — 社区戒毒 with a late report-in, tests (refusals, evasion, a positive, a make-up, forced, delegated),
            visits, reports, education, support, evaluations, an absence, two leaves, a change of place applied
            for and approved, and case.yaml extras (family, work group);
    done  — 社区康复 of 24 months, released with a notice;
    new   — decision served, not yet reported (not late yet);
    suspended — 社区康复, arrested and not yet resumed (windows without a known end).
    """
    init_store(root, OFFICE, township="青山镇", county="示例县")
    cfg = root / "aftercare.yaml"
    text = cfg.read_text(encoding="utf-8").replace(
        "staff: []", "staff:\n  - {name: 王芳, role: 专职工作人员, phone: '13900000001'}")
    cfg.write_text(text, encoding="utf-8")
    import subprocess

    subprocess.run(["git", "-C", str(root), "commit", "-qam", "Add staff"], check=True)
    s = Store(root)
    t = TODAY
    ids = {}

    name, idn = _person(1, date(1988, 3, 9))
    ids["full"] = cases.add_case(
        s, name=name, id_number=idn, measure="detox", today=t, notified_on="2025-01-02", decided_on="2024-12-30",
        decision_no="示公（禁）决字〔2024〕第12号", decided_by="示例县公安局", phone="13800000001",
        address="青山镇东村3组15号", worker="王芳", risk="medium", case_id="2025-0001").case
    cid = ids["full"]
    case_yaml = case_dir(root, cid) / "case.yaml"
    case_yaml.write_text(case_yaml.read_text(encoding="utf-8") + (
        "alias: 阿明\nethnicity: 汉族\neducation: 初中\nmarital: 已婚\nemployer: 青山镇砖厂\n"
        "household_address: 示例县青山镇东村3组15号\nhousehold_police: 示例县公安局青山派出所\n"
        "address_police: 示例县公安局青山派出所\ndrugs: 甲基苯丙胺\nuse_method: 烫吸\nfirst_use: 2019年\n"
        "isolations: 2021年强制隔离戒毒1次\npolice_officer: 李明\n"
        "family:\n  - {name: 赵秀英, relation: 母亲, phone: '13800000002'}\n  - {name: 孙丽, relation: 妻子, phone: '13800000003'}\n"
        "group:\n  - {role: 社区医务人员, name: 钱医生, unit: 青山镇卫生院, phone: '13800000004'}\n"
        "  - {role: 禁毒志愿者, name: 周志远, unit: 东村村委会, phone: '13800000005'}\n"), encoding="utf-8")
    subprocess.run(["git", "-C", str(root), "commit", "-qam", f"Add details for {cid}"], check=True)

    records.record_report_in(s, cid, "2025-01-20", t)                      # 3 days late
    records.record_simple(s, cid, "violation-report", "2025-01-21", t, note="逾期三日报到")
    records.record_test(s, cid, "2025-02-05", "negative", t, method="urine", by="李明", place="青山派出所")
    records.record_simple(s, cid, "visit", "2025-02-10", t, kind="home", by="王芳", met="本人及母亲赵秀英",
                          place="东村3组15号", note="身体状况良好，在砖厂上班。\n情绪稳定。")
    records.record_simple(s, cid, "report", "2025-02-10", t, note="本月戒毒情况良好")
    records.record_simple(s, cid, "evaluation", "2025-02-15", t, kind="intake", risk="medium", by="王芳",
                          result="初次评估：配合较好，继续每月检测")
    records.record_simple(s, cid, "support", "2025-03-01", t, kind="assistance", amount="500", note="临时救助", by="民政办")
    records.record_simple(s, cid, "education", "2025-03-05", t, note="禁毒法律知识学习", by="王芳")
    records.record_test(s, cid, "2025-03-10", "refused", t, by="李明")
    records.record_simple(s, cid, "warning", "2025-03-11", t, note="当面送达")
    records.record_test(s, cid, "2025-04-08", "evaded", t)
    records.record_simple(s, cid, "violation", "2025-05-20", t, kind="absence", days=5, note="去外省打工未请假")
    r = lifecycle.leave_request(s, cid, "2025-06-05", "2025-06-10", "湖南省长沙市", t, reason="探望病重的父亲",
                              date_text="2025-06-01", phone="13800000009", guarantor="赵秀英")
    lifecycle.leave_decide(s, cid, r.event_id, "approve", "2025-06-02", t, by="王芳")
    lifecycle.leave_decide(s, cid, r.event_id, "return", "2025-06-10", t)
    r2 = lifecycle.leave_request(s, cid, "2025-06-20", "2025-06-25", "广东省深圳市", t, reason="找工作", date_text="2025-06-15")
    lifecycle.leave_decide(s, cid, r2.event_id, "deny", "2025-06-16", t)
    records.record_test(s, cid, "2025-07-01", "positive", t, method="urine", by="李明")
    records.record_simple(s, cid, "violation-report", "2025-07-02", t)
    records.record_test(s, cid, "2025-08-05", "refused", t, by="李明")
    records.record_test(s, cid, "2025-09-10", "negative", t, method="hair", makeup=True, by="李明")
    records.record_test(s, cid, "2025-10-01", "negative", t, method="urine", forced=True, by="李明")
    records.record_test(s, cid, "2025-11-03", "pending", t, method="urine", delegated_to="长沙市公安局岳麓分局")
    records.record_test(s, cid, "2025-11-03", "negative", t)               # the delegated result coming back
    records.record_simple(s, cid, "education", "2025-12-01", t, note=NASTY, by="王芳")
    records.record_simple(s, cid, "visit", "2026-01-12", t, kind="talk", by="王芳、李明", note=NASTY)
    transfer.apply(s, cid, "2026-03-02", "示例市东风街道", t, reason="迁居", proof="房屋租赁合同")
    transfer.form(s, cid, "2026-03-03", t, opinion="情况属实，同意变更")
    transfer.decide(s, cid, "2026-03-05", t, True, by="示例县公安局")
    records.record_simple(s, cid, "evaluation", "2026-04-25", t, kind="quarterly", risk="high", by="王芳",
                          result="期间有阳性及拒检记录，风险升高")

    name, idn = _person(2, date(1986, 11, 2), "女")
    ids["done"] = cases.add_case(
        s, name=name, id_number=idn, measure="rehab", today=t, term_months=24, notified_on="2023-05-28",
        reported_on="2023-06-01", decision_no="示公（禁）决字〔2023〕第3号", decided_by="示例县公安局",
        address="青山镇西村1组2号", worker="王芳", case_id="2023-0001").case
    lifecycle.release(s, ids["done"], "2025-06-02", t, notice_no="示公（禁）解字〔2025〕第7号", notified_on="2025-06-05",
                    issued_by="示例县公安局")

    name, idn = _person(3, date(1995, 7, 21))
    ids["new"] = cases.add_case(s, name=name, id_number=idn, measure="detox", today=t, notified_on="2026-05-10",
                                  case_id="2026-0001").case

    name, idn = _person(4, date(1991, 4, 30))
    ids["suspended"] = cases.add_case(s, name=name, id_number=idn, measure="rehab", today=t, reported_on="2025-09-01",
                                        case_id="2025-0002").case
    lifecycle.suspend(s, ids["suspended"], "2026-03-01", "arrest", t)
    return ids


# ---------------------------------------------------------------- helpers


class _Text(HTMLParser):
    """The visible text of an HTML document (no <style>, <script> content if any)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.tags: list[str] = []
        self._skip = 0
        self.title = ""
        self._in_h1 = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag in ("style", "script"):
            self._skip += 1
        if tag == "h1":
            self._in_h1 = True

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip -= 1
        if tag == "h1":
            self._in_h1 = False

    def handle_data(self, data):
        if self._skip:
            return
        self.parts.append(data)
        if self._in_h1:
            self.title += data


def parse(doc: str) -> _Text:
    p = _Text()
    p.feed(doc)
    p.close()
    return p


def text_of(doc: str) -> str:
    return re.sub(r"\s+", "", "".join(parse(doc).parts))


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    for k, v in IDENTITY:
        mp.setenv(k, v)
    root = tmp_path_factory.mktemp("render") / "store"
    ids = build_store(root)
    yield Store(root), ids
    mp.undo()


@pytest.fixture(scope="module")
def full(store, tmp_path_factory):
    """The full case rendered as HTML: {file name: text}."""
    s, ids = store
    out = tmp_path_factory.mktemp("out")
    files = R.render_case(s, ids["full"], out, "html", TODAY)
    folder = out / ids["full"]
    return {str(p.relative_to(folder)): p.read_text(encoding="utf-8") for p in files}, files, folder


def docs_of(rendered: dict, no: int) -> list[tuple[str, str]]:
    """The archive's documents of kind `no` (not the blank forms)."""
    return sorted((k, v) for k, v in rendered.items() if k.startswith(f"{no:02d}-"))


def blanks_of(rendered: dict, no: int) -> list[tuple[str, str]]:
    """The blank forms of kind `no` (the 空白表 set beside the archive)."""
    return sorted((k, v) for k, v in rendered.items() if k.startswith(f"空白表/{no:02d}-"))


def is_document(name: str) -> bool:
    return re.match(r"^\d\d-", name) is not None and not name.startswith("00-")


def titles(doc: str) -> str:
    return re.sub(r"\s+", "", parse(doc).title)


# ---------------------------------------------------------------- the file: order, names, cover, contents


def test_files_sort_in_archive_order(full, store):
    rendered, files, folder = full
    _s, ids = store
    names = [str(p.relative_to(folder)) for p in files]
    archive = [n for n in names if "/" not in n and n[:2].isdigit() and not n.startswith("20")]
    assert archive == sorted(archive) and names[:len(archive)] == archive
    assert names[0] == "00-1-卷皮.html" and names[1] == "00-2-卷内目录.html"
    kinds = [int(n[:2]) for n in archive[2:]]
    # every kind that has arisen, 6 included (late report-in); 18 (not released yet) is only a blank form
    assert kinds == sorted(kinds) and set(kinds) == set(range(1, 18))
    assert names[len(archive)] == f"{ids['full']}-全卷.html"
    assert names[len(archive) + 1:] == ["空白表/18-解除通知书.html"]
    assert sorted(p.name for p in folder.iterdir()) == sorted(archive + [f"{ids['full']}-全卷.html", "空白表"])
    for p in files:
        assert p.stat().st_mode & 0o077 == 0                              # personal data: owner only


def test_every_document_has_title_name_and_id_number(full, store):
    rendered, _files, _ = full
    s, ids = store
    case, _ = s.load_case(ids["full"])
    for fname, doc in rendered.items():
        if not is_document(fname.removeprefix("空白表/")):
            continue
        no = int(fname.removeprefix("空白表/")[:2])
        assert titles(doc) == R.KINDS[no].title, fname
        text = text_of(doc)
        assert case.name in text, fname
        assert case.id_number in text, fname
        assert OFFICE in text, fname


def test_dates_are_written_the_chinese_way(full):
    rendered, _files, _ = full
    for fname, doc in rendered.items():
        text = "".join(parse(doc).parts)
        assert not re.search(r"\d{4}-\d{2}-\d{2}", text), fname
    assert "2025年1月20日" in text_of(rendered["02-基本情况登记表.html"])


def test_cover_and_contents(full, store):
    rendered, files, folder = full
    s, ids = store
    case, _ = s.load_case(ids["full"])
    cover = text_of(rendered["00-1-卷皮.html"])
    documents = [p for p in files if is_document(p.name) and p.parent == folder]
    for fact in (OFFICE, case.name, "社区戒毒", "2025年1月20日至2028年1月19日", ids["full"], f"共{len(documents)}件"):
        assert fact in cover
    toc = rendered["00-2-卷内目录.html"]
    rows = re.findall(r"<tr>\s*<td>(\d+)</td>\s*<td class=\"t\">(.*?)</td>\s*<td class=\"t\">(.*?)</td>\s*"
                      r"<td class=\"t\"><a href=\"([^\"]+)\">(.*?)</a></td>\s*<td>(.*?)</td>", toc, re.S)
    assert [int(r[0]) for r in rows] == list(range(1, len(documents) + 1))
    assert [r[3] for r in rows] == [p.name for p in documents]          # every document, in order, linked
    untag = lambda cell: re.sub(r"<[^>]+>", "", cell)                  # noqa: E731  (dates kept whole by a span)
    rows = [(n, href, untag(title), untag(day)) for n, _no, _by, href, title, day in rows]
    for _n, href, title, _day in rows:
        assert (folder / href).is_file()
        assert html.unescape(title).startswith(titles(rendered[href]))
    by_file = {r[1]: html.unescape(r[3]) for r in rows}
    assert by_file["01-决定书.html"] == "2024年12月30日"
    assert by_file["07-01-见面访谈家访记录.html"] == "2025年2月10日"
    assert by_file["09-检测记录表.html"] == "2025年2月5日至2025年11月3日"
    # each date whole, the span free to break between them
    assert '<td><span class="nw">2025年2月5日</span>至<span class="nw">2025年11月3日</span></td>' in toc
    assert "待填" in toc                                                 # blank forms are marked


# ---------------------------------------------------------------- the 18 documents, one by one


def has(doc: str, *facts: str) -> None:
    text = text_of(doc)
    missing = [f for f in facts if re.sub(r"\s+", "", f) not in text]
    assert not missing, f"missing {missing}"


def test_01_decision(full):
    (_, doc), = docs_of(full[0], 1)
    has(doc, "示公（禁）决字〔2024〕第12号", "示例县公安局", "2024年12月30日", "2025年1月2日", "2025年1月17日",
        "社区戒毒", "期限三年", "《中华人民共和国禁毒法》第三十三条", "《戒毒条例》第十三条", "青山镇", "2025年1月20日")


def test_02_registration(full):
    (_, doc), = docs_of(full[0], 2)
    has(doc, "阿明", "男", "汉族", "1988年3月9日", "初中", "已婚", "青山镇砖厂", "13800000001",
        "示例县青山镇东村3组15号", "示例县公安局青山派出所", "青山镇东村3组15号", "甲基苯丙胺", "烫吸", "2019年",
        "2021年强制隔离戒毒1次", "2025年1月20日至2028年1月19日", "李明", "王芳", "13900000001",
        "赵秀英", "母亲", "13800000002", "孙丽", "妻子", "照片", "示公（禁）决字〔2024〕第12号")


def test_03_agreement(full):
    (_, doc), = docs_of(full[0], 3)
    has(doc, "甲方", OFFICE, "乙方", "丙方（家庭成员）", "赵秀英（母亲）", "自2025年1月20日起至2028年1月19日止",
        "接受吸毒检测", "每月至少向甲方报告1次", "3日以上的，须提前1日向甲方请假", "住址、联系电话变更的",
        "逃避或者拒绝接受检测3次以上", "3次以上或者累计超过30日", "强制隔离戒毒", "乙方（签名、捺印）", "甲方（盖章）")


def test_04_plan(full):
    (_, doc), = docs_of(full[0], 4)
    has(doc, "一、基本情况和期限", "二、家庭成员", "三、吸毒史及戒治经历", "四、现实表现", "五、戒毒治疗措施", "美沙酮",
        "六、心理辅导", "七、帮扶计划", "八、工作安排", "吸毒检测", "每月1次（12次）", "每2个月1次（6次）",
        "每3个月1次（4次）", "22次", "16次", "第1期", "2025.1.20—2025.2.19", "第22期", "初次评估", "赵秀英", "盖章")


def test_05_work_group(full):
    (_, doc), = docs_of(full[0], 5)
    has(doc, "专职工作人员", "王芳", "13900000001", "社区民警", "李明", "社区医务人员", "钱医生", "青山镇卫生院",
        "13800000004", "家庭成员", "赵秀英", "禁毒志愿者", "周志远", "13800000005", "组长", "职责", "第十七条")


def test_06_late_report_notice(full, store):
    (_, doc), = docs_of(full[0], 6)
    has(doc, "2025年1月2日", "示公（禁）决字〔2024〕第12号", "15日内", "2025年1月17日", "第十四条", "视为拒绝接受社区戒毒",
        "盖章", "被通知人签名", "2025年1月20日报到")
    s, ids = store
    for key in ("done", "new"):                                         # reported on time / not late yet: no notice
        assert not docs_of(R.render_html(s, ids[key], TODAY), 6)


def test_07_visits(full, store):
    docs = docs_of(full[0], 7)
    assert [k for k, _ in docs] == ["07-01-见面访谈家访记录.html", "07-02-见面访谈家访记录.html"]
    first = docs[0][1]
    has(first, "2025年2月10日", "东村3组15号", "本人及母亲赵秀英", "王芳", "身体状况良好，在砖厂上班。", "情绪稳定。",
        "发现的问题", "后续措施", "访谈人", "被访谈人")
    assert re.search(r'<span class="cb">√</span>家访', first)              # the way, checked
    assert re.search(r'<span class="cb">√</span>是', first)                # a report the same day
    assert re.search(r'<span class="cb">√</span>见面访谈', docs[1][1])
    s, ids = store
    new = R.render_html(s, ids["new"], TODAY)
    blank = blanks_of(new, 7)
    assert len(blank) == 1 and titles(blank[0][1]) == R.KINDS[7].title and "√" not in blank[0][1]
    assert not docs_of(new, 7)


def test_08_test_notices(full, store):
    docs = docs_of(full[0], 8)
    # monthly windows in year 1 (12), then every 2 months: 2026-01-20 and 2026-03-20 opened by 2026-05-14
    assert len(docs) == 14
    has(docs[0][1], "第1期", "2025年1月20日至2025年2月19日", "最迟于2025年2月19日", "示例县公安局青山派出所",
        "尿液", "毛发", "第二十条", "3次以上", "2025年5月19日前补检", "签收人")
    has(docs[-1][1], "第14期", "2026年3月20日至2026年5月19日", "第二年每2个月检测1次")
    s, ids = store
    susp = docs_of(R.render_html(s, ids["suspended"], TODAY), 8)
    assert susp and all(titles(d) == R.KINDS[8].title for _, d in susp)   # a window without a known end renders


def test_09_test_record(full):
    (_, doc), = docs_of(full[0], 9)
    has(doc, "性别", "男", "青山镇东村3组15号", "13800000001")
    rows = re.findall(r"<tr><td>(\d+)</td><td>(.*?)</td>(.*?)</tr>", doc, re.S)
    assert [r[1] for r in rows] == ["2025年2月5日", "2025年3月10日", "2025年4月8日", "2025年7月1日", "2025年8月5日",
                                    "2025年9月10日", "2025年10月1日", "2025年11月3日"]
    cells = [text_of(r[2]) for r in rows]
    assert cells[0].startswith("青山派出所尿检阴性李明")
    assert "拒绝检测" in cells[1] and "逃避检测" in cells[2] and "阳性" in cells[3]
    assert "毛发阴性李明√" in cells[5]                                    # 补检
    assert "强制检测" in cells[6]
    assert "委托长沙市公安局岳麓分局" in cells[7] and "阴性" in cells[7] and "反馈结果" in cells[7]


def test_10_support_record(full):
    (_, doc), = docs_of(full[0], 10)
    rows = re.findall(r"<tr><td>(\d+)</td><td>(.*?)</td><td>(.*?)</td><td class=\"l\">(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>",
                      doc, re.S)
    assert [(r[1], r[2]) for r in rows] == [("2025年3月1日", "帮扶"), ("2025年3月5日", "帮教、劝诫"),
                                            ("2025年12月1日", "帮教、劝诫")]
    assert (rows[0][3], rows[0][4], rows[0][5]) == ("临时救助", "民政办", "500元")
    assert rows[1][3] == "禁毒法律知识学习" and rows[1][4] == "王芳"


def test_11_warnings(full):
    docs = docs_of(full[0], 11)
    assert len(docs) == 3
    first, second, absence = (d for _, d in docs)
    has(first, "（第一次）", "2025年3月10日", "拒绝接受吸毒检测", "第一次拒绝或者逃避吸毒检测", "第四条第（一）项",
        "3次以上", "严重违反社区戒毒（康复）协议", "报告公安机关", "2025年3月11日", "被告诫人签名", "拒绝签名", "当面送达")
    has(second, "（第二次）", "2025年4月8日", "逃避吸毒检测", "第二次")
    assert "2025年4月9日" not in text_of(second)                          # not issued yet: the date is left blank
    has(absence, "（第一次）", "2025年5月20日", "擅自离开执行地5日", "去外省打工未请假", "第四条第（三）项",
        "累计超过30日")


def test_12_violation_reports(full):
    docs = docs_of(full[0], 12)
    assert len(docs) == 3
    late, positive, serious = (d for _, d in docs)
    has(late, "逾期未报到", "2025年1月17日", "示例县公安局青山派出所", "示例县公安局", "2025年1月21日", "逾期三日报到",
        "逾期报到通知书", "3个工作日内", "公安机关签收", "盖章")
    assert re.search(r'<span class="cb">√</span>逾期未报到', late)
    has(positive, "期间吸食、注射毒品", "2025年7月1日", "结果呈阳性", "2025年7月2日", "24小时内", "检测记录表")
    has(serious, "严重违反社区戒毒（康复）协议", "第3次拒绝或逃避吸毒检测", "2025年8月5日", "2025年8月6日前",
        "此前记录", "2025年3月10日", "2025年4月8日", "告诫书》（2025年3月11日）")
    assert re.search(r'<span class="cb">√</span>严重违反', serious)


def test_13_leave_requests(full):
    docs = docs_of(full[0], 13)
    assert len(docs) == 2
    approved, denied = (d for _, d in docs)
    has(approved, "湖南省长沙市", "自2025年6月5日至2025年6月10日", "6日", "13800000009", "赵秀英", "探望病重的父亲",
        "2025年6月1日", "王芳", "2025年6月2日", "2025年6月10日")
    assert re.search(r'<span class="cb">√</span>准假', approved)
    has(denied, "广东省深圳市", "找工作", "2025年6月16日")
    assert re.search(r'<span class="cb">√</span>不准假', denied)


def test_14_leave_notice(full):
    (_, doc), = docs_of(full[0], 14)                                     # the denied leave has none
    has(doc, "2025年6月1日", "自2025年6月5日至2025年6月10日外出，共6日", "湖南省长沙市", "保持通讯畅通", "13800000009",
        "外出地公安机关接受吸毒检测", "当面销假", "2025年6月2日", "盖章")


def test_15_transfer_form(full):
    (_, doc), = docs_of(full[0], 15)
    has(doc, "青山镇", "示例市东风街道", "迁居", "房屋租赁合同", "2026年3月2日", "2026年3月3日", "情况属实，同意变更",
        "示例县公安局", "2026年3月5日", "2026年3月20日前到新执行地报到")
    assert re.search(r'<span class="cb">√</span>同意变更', doc)


def test_16_transfer_letter(full):
    (_, doc), = docs_of(full[0], 16)
    has(doc, "示例市东风街道", "示公（禁）决字〔2024〕第12号", "2025年1月20日至2028年1月19日", "剩余685日",
        "2026年3月5日", "2026年3月20日前到你处报到", "档案", "王芳", "13900000001", "盖章")


def test_17_evaluations(full, store):
    docs = docs_of(full[0], 17)
    assert len(docs) == 2
    intake, quarterly = (d for _, d in docs)
    # the intake window (the first month) is the period covered; the facts are those up to the form's day
    has(intake, "2025年1月20日至2025年2月19日（情况统计至2025年2月15日）", "检测1次", "2025年2月5日尿检阴性", "见面访谈/家访1次，定期报告1次",
        "初次评估：配合较好，继续每月检测", "王芳", "2025年2月15日")
    assert re.search(r'<span class="cb">√</span>初次评估', intake)
    assert re.search(r'<span class="cb">√</span>中', intake)
    has(quarterly, "2026年4月20日至2026年7月19日（情况统计至2026年4月25日）", "期间有阳性及拒检记录，风险升高")
    assert re.search(r'<span class="cb">√</span>季度评估', quarterly) and re.search(r'<span class="cb">√</span>高', quarterly)
    s, ids = store
    done = R.render_html(s, ids["done"], TODAY)
    blank = blanks_of(done, 17)
    assert len(blank) == 1 and "√" not in blank[0][1] and not docs_of(done, 17)


def test_18_release_notice(full, store):
    assert not docs_of(full[0], 18)                                      # not released: no notice in the archive
    (_, doc), = blanks_of(full[0], 18)                                   # only a blank form beside it
    assert "示公（禁）解字" not in doc
    s, ids = store
    (_, done), = docs_of(R.render_html(s, ids["done"], TODAY), 18)
    has(done, "示公（禁）解字〔2025〕第7号", "示例县公安局", "2025年6月2日", "2025年5月31日", "2025年6月5日",
        "社区康复", "期限二年")


# ---------------------------------------------------------------- golden files


def _normalise(doc: str) -> str:
    doc = re.sub(r"<style>.*?</style>", "<style>…</style>", doc, flags=re.S)   # the stylesheet has its own life
    doc = re.sub(r"(记录编号：)[a-z0-9]+", r"\1…", doc)                         # event IDs are random
    return doc.rstrip() + "\n"


@pytest.mark.parametrize("name", ["09-检测记录表.html", "11-01-告诫书.html", "13-01-外出请假申请表.html"])
def test_golden(full, name):
    got = _normalise(full[0][name])
    path = GOLDEN / ("render-" + name)
    if not path.exists() or __import__("os").environ.get("AFTERCARE_UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(got, encoding="utf-8")
    assert got == path.read_text(encoding="utf-8"), f"{path} differs (AFTERCARE_UPDATE_GOLDEN=1 to accept)"


# ---------------------------------------------------------------- safety


def test_recorded_text_prints_literally(full):
    rendered = full[0]
    for name in ("07-02-见面访谈家访记录.html", "10-学习帮扶医疗就业记录.html"):
        doc = rendered[name]
        p = parse(doc)
        assert "script" not in p.tags                                     # no element was injected
        text = "".join(p.parts)
        assert "<script>alert('x')</script>" in text
        assert "{{ 7*7 }}" in text and "{% if true %}bad{% endif %}" in text and "{# c #}" in text
        assert "&lt;script&gt;" in doc and "<script>" not in doc


def test_html_is_self_contained(full):
    for name, doc in full[0].items():
        low = doc.lower()
        for bad in ("http://", "https://", "<link", "@import", "url(", "<script", "src="):
            assert bad not in low, (name, bad)
        assert "@page" in doc and "size: a4" in low                      # prints as A4 from a browser


def _small_store(tmp_path: Path, monkeypatch) -> tuple[Store, str]:
    root = tmp_path / "small"
    init_store(root, OFFICE)
    s = Store(root)
    name, idn = _person(5, date(1990, 2, 3))
    cid = cases.add_case(s, name=name, id_number=idn, measure="detox", today=TODAY, reported_on="2026-03-02",
                           notified_on="2026-02-27", case_id="2026-0009").case
    records.record_simple(s, cid, "visit", "2026-03-10", TODAY, kind="talk", note="第一次访谈")
    return s, cid


def test_extra_fields_are_escaped_too(tmp_path, monkeypatch):
    s, cid = _small_store(tmp_path, monkeypatch)
    yaml = case_dir(s.root, cid) / "case.yaml"
    yaml.write_text(yaml.read_text(encoding="utf-8") + "alias: \"<b>{{ 7*7 }}</b>\"\nfamily:\n  - {name: \"<i>母</i>\"}\n",
                    encoding="utf-8")
    (_, doc), = docs_of(R.render_html(s, cid, TODAY), 2)
    assert "&lt;b&gt;{{ 7*7 }}&lt;/b&gt;" in doc and "&lt;i&gt;母&lt;/i&gt;" in doc
    assert "b" not in parse(doc).tags and "i" not in parse(doc).tags


def test_store_override_wins(tmp_path, monkeypatch):
    s, cid = _small_store(tmp_path, monkeypatch)
    own = s.root / "templates"
    own.mkdir()
    (own / "07-visit.html.j2").write_text(
        '{% extends "base.html.j2" %}\n{% block content %}<p class="mine">本所格式：{{ note }}</p>{% endblock %}\n',
        encoding="utf-8")
    (own / "style.css").write_text("/* 本所样式 */ @page { size: A4; margin: 30mm; }\n", encoding="utf-8")
    out = tmp_path / "out"
    files = R.render_case(s, cid, out, "html", TODAY)
    visit = next(p for p in files if p.name.startswith("07-")).read_text(encoding="utf-8")
    assert '<p class="mine">本所格式：第一次访谈</p>' in visit
    assert titles(visit) == R.KINDS[7].title                              # the shipped base layout still applies
    for p in files:                                                        # the stylesheet is overridden everywhere
        assert "本所样式" in p.read_text(encoding="utf-8")
    other = next(p for p in files if p.name.startswith("08-")).read_text(encoding="utf-8")
    assert "mine" not in other


def test_compiled_templates_are_kept_in_git_and_follow_their_source(tmp_path, monkeypatch):
    """Compiled templates are kept between commands in the store's git directory (never in the work tree or
    the output), and a template changed since is compiled again; an unreadable compiled file is ignored."""
    import subprocess

    s, cid = _small_store(tmp_path, monkeypatch)
    own = s.root / "templates"
    own.mkdir()
    override = own / "07-visit.html.j2"
    override.write_text('{% extends "base.html.j2" %}\n{% block content %}<p>版本一：{{ note }}</p>{% endblock %}\n',
                        encoding="utf-8")
    out = tmp_path / "out"

    def visit() -> str:
        files = R.render_case(Store(s.root), cid, out, "html", TODAY)
        return next(p for p in files if p.name.startswith("07-")).read_text(encoding="utf-8")

    assert "版本一：第一次访谈" in visit()
    compiled = list((s.root / ".git" / "aftercare-templates").glob("*/*.cache"))
    assert len(compiled) >= 3                            # the override, the base layout, a shipped template...
    assert sorted(p.name for p in out.iterdir()) == [cid]
    status = subprocess.run(["git", "-C", str(s.root), "status", "--porcelain", "--ignored"], capture_output=True,
                            text=True, check=True).stdout
    assert status.splitlines() == ["?? templates/"]     # the override itself; nothing compiled in the work tree
    override.write_text('{% extends "base.html.j2" %}\n{% block content %}<p>版本二：{{ note }}</p>{% endblock %}\n',
                        encoding="utf-8")
    text = visit()
    assert "版本二：第一次访谈" in text and "版本一" not in text
    for p in (s.root / ".git" / "aftercare-templates").glob("*/*.cache"):
        p.write_bytes(b"\x00not compiled")
    assert "版本二：第一次访谈" in visit()


@pytest.mark.parametrize("name,body,line,words", [
    ("08-test-notice.html.j2", '{% extends "base.html.j2" %}\n{% block content %}\n{% if %}x{% endif %}\n{% endblock %}\n', 3,
     "模板错误"),
    ("08-test-notice.html.j2", '{% extends "base.html.j2" %}\n{% block content %}\n\n{{ p.name ~ }}\n{% endblock %}\n', 4,
     "模板错误"),
    ("base.html.j2", "<html>\n{% block content %}{% endblock %}\n{% endfor %}\n", 3, "模板错误"),
    ("08-test-notice.html.j2", '{% extends "base.html.j2" %}\n{% block content %}\n\n\n{{ nothing.here.at_all }}\n{% endblock %}\n',
     5, "模板错误"),
    ("08-test-notice.html.j2", '{% extends "base.html.j2" %}\n{% block content %}\n{{ p.__class__.__mro__ }}\n'
                               '{{ "".__class__.__subclasses__() }}\n{% endblock %}\n', 3, "模板错误"),
])
def test_broken_override_names_file_and_line(tmp_path, monkeypatch, name, body, line, words):
    s, cid = _small_store(tmp_path, monkeypatch)
    own = s.root / "templates"
    own.mkdir()
    (own / name).write_text(body, encoding="utf-8")
    with pytest.raises(AftercareError) as exc:
        R.render_case(s, cid, tmp_path / "out", "html", TODAY)
    assert exc.value.message.startswith(f"templates/{name}:{line}: "), exc.value.message
    assert words in exc.value.message


# ---------------------------------------------------------------- the command's edges


def test_rerender_removes_stale_documents_only(store, tmp_path):
    s, ids = store
    folder = tmp_path / ids["done"]
    folder.mkdir()
    (folder / "07-09-见面访谈家访记录.html").write_text("old", encoding="utf-8")
    (folder / "06-逾期报到通知书.html").write_text("old", encoding="utf-8")
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    (folder / "01-决定书.pdf").write_text("other format", encoding="utf-8")
    R.render_case(s, ids["done"], tmp_path, "html", TODAY)
    assert not (folder / "07-09-见面访谈家访记录.html").exists()
    assert not (folder / "06-逾期报到通知书.html").exists()
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert (folder / "01-决定书.pdf").exists()


def test_render_all_reports_progress(store, tmp_path):
    s, ids = store
    calls = []
    files = R.render_all(s, tmp_path, "html", TODAY, progress=lambda done, total, cid: calls.append((done, total, cid)))
    cids = s.case_ids()
    assert calls[0] == (0, len(cids), cids[0]) and calls[-1] == (len(cids), len(cids), "")
    assert {p.relative_to(tmp_path).parts[0] for p in files} == set(cids)


def test_errors(store, tmp_path):
    s, ids = store
    with pytest.raises(AftercareError):
        R.render_case(s, "no-such-case", tmp_path, "html", TODAY)
    with pytest.raises(AftercareError):
        R.render_case(s, "../x", tmp_path, "html", TODAY)
    with pytest.raises(AftercareError):
        R.render_case(s, ids["full"], tmp_path, "docx", TODAY)
    assert not any(tmp_path.iterdir())


# ---------------------------------------------------------------- PDF


@pytest.fixture(scope="module", params=["typst", "weasyprint"])
def pdf(store, tmp_path_factory, request):
    """The full case's PDF files, set by each engine (typst: the default; WeasyPrint: a store's own templates)."""
    try:
        __import__(request.param)
    except (ImportError, OSError) as exc:
        pytest.skip(f"{request.param} is not available: {exc}")
    if not _cjk_font_installed():
        pytest.skip("no CJK font installed (apt-get install fonts-noto-cjk): PDF text cannot be checked")
    pypdf = pytest.importorskip("pypdf")
    s, ids = store
    out = tmp_path_factory.mktemp("pdf")
    files = R.render_case(s, ids["full"], out, "pdf", TODAY, engine=request.param)
    return files, pypdf


def _postscript_names(families: set) -> set:
    """The PostScript names of the installed fonts of these families (fontconfig's names, with or without the
    language of a collection's face: "AR PL UMing CN" is typst's "AR PL UMing")."""
    import typst
    from fontTools.ttLib import TTFont

    wanted = families | {f.rsplit(" ", 1)[0] for f in families if f.endswith((" CN", " GB"))}
    return {TTFont(info.path, fontNumber=info.index, lazy=True)["name"].getDebugName(6)
            for info in typst.Fonts().fonts() if info.family in wanted}


def _cjk_font_installed() -> bool:
    import subprocess

    try:
        out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return bool(out.strip())


def _pdf_text(reader) -> str:
    return re.sub(r"\s+", "", "".join(p.extract_text() for p in reader.pages))


def test_pdf_files(pdf, full, store):
    files, pypdf = pdf
    s, ids = store
    html_names = [str(p.relative_to(full[2])) for p in full[1]]
    assert [str(p.relative_to(files[0].parent)) for p in files] == [n[:-5] + ".pdf" for n in html_names]
    files = [p for p in files if p.parent == files[0].parent]           # the archive (no blank forms)
    assert files[-1].name == f"{ids['full']}-全卷.pdf"
    case, _ = s.load_case(ids["full"])
    for p in files:
        reader = pypdf.PdfReader(p)
        for page in reader.pages:
            box = page.mediabox
            assert abs(float(box.width) - 595.3) < 1 and abs(float(box.height) - 841.9) < 1, p.name   # A4
        text = _pdf_text(reader)
        assert case.name in text, p.name
        if p.name[:2] not in ("00",) and not p.name.endswith("全卷.pdf"):
            assert re.sub(r"\s+", "", R.KINDS[int(p.name[:2])].title) in text, p.name
    whole = _pdf_text(pypdf.PdfReader(files[-1]))
    assert "2025年1月20日" in whole and case.id_number in whole


def test_pdf_fonts_are_embedded(pdf, request):
    files, pypdf = pdf
    reader = pypdf.PdfReader(next(p for p in files if p.name.endswith("全卷.pdf")))
    fonts = set()
    for page in reader.pages[:3]:
        res = page["/Resources"]["/Font"]
        for f in res.values():
            f = f.get_object()
            desc = f.get("/DescendantFonts")
            d = desc[0].get_object()["/FontDescriptor"] if desc else f.get("/FontDescriptor")
            d = d.get_object()
            assert any(k in d for k in ("/FontFile", "/FontFile2", "/FontFile3")), f.get("/BaseFont")
            fonts.add(str(f.get("/BaseFont")))
    # a CJK font of the documents' fallback chains (names as PDF base fonts: spaces become hyphens)
    from aftercare.documents.fonts import DEFAULT_CHAINS

    cjk = {n.replace(" ", "-") for chain in DEFAULT_CHAINS.values() for n in chain}
    if request.node.callspec.params["pdf"] == "typst":      # typst names an embedded font by its PostScript name
        cjk = _postscript_names({n for chain in DEFAULT_CHAINS.values() for n in chain})
    assert any(f.lstrip("/").split("+", 1)[-1].startswith(tuple(cjk)) for f in fonts), fonts


def test_pdf_page_numbers_match_contents(pdf):
    files, pypdf = pdf
    files = [p for p in files if p.parent == files[0].parent]           # the archive (no blank forms)
    whole = pypdf.PdfReader(files[-1])
    front = len(pypdf.PdfReader(files[0]).pages) + len(pypdf.PdfReader(files[1]).pages)
    toc_text = "".join(pg.extract_text() for pg in pypdf.PdfReader(files[1]).pages)
    n = 1
    for p in files[2:-1]:
        count = len(pypdf.PdfReader(p).pages)
        expected = str(n) if count == 1 else f"{n}–{n + count - 1}"
        assert expected in toc_text, (p.name, expected)
        for k in range(count):                                             # the footer carries the archive page number
            page_text = whole.pages[front + n - 1 + k].extract_text()
            assert f"— {n + k} —" in page_text, (p.name, n + k)
        first = re.sub(r"\s+", "", whole.pages[front + n - 1].extract_text())
        assert re.sub(r"\s+", "", R.KINDS[int(p.name[:2])].title) in first
        n += count
    assert len(whole.pages) == front + n - 1
    assert f"共{len(files) - 3}件{n - 1}页" in _pdf_text(pypdf.PdfReader(files[0]))


def test_contents_break_a_span_of_dates_between_whole_dates(pdf):
    """The contents' dates are never broken inside (issue 12 item 7), also in a span of dates: a running
    table's first to last record in the date column, a leave's days in its title. A span is wider than either
    column (13 em and more at 10.5 pt, the columns 7 and 11 em), so it breaks between its dates rather than
    running into the next column."""
    from collections import Counter

    files, pypdf = pdf
    lines = [line.replace(" ", "") for pg in pypdf.PdfReader(files[1]).pages for line in pg.extract_text().splitlines()]
    date = r"\d{4}年\d{1,2}月\d{1,2}日"
    text = "".join(lines)
    assert re.findall(f"{date}至{date}", text)                       # spans: the running tables, the leaves
    assert Counter(re.findall(date, text)) == Counter(d for line in lines for d in re.findall(date, line))
    assert not [line for line in lines if re.search(f"{date}至{date}", line)]


# ---------------------------------------------------------------- more edges


def test_a_past_day_shows_that_days_facts(store):
    s, ids = store
    rendered = R.render_html(s, ids["full"], date(2025, 3, 1))
    assert len(docs_of(rendered, 7)) == 1                                 # the January 2026 visit is not yet
    assert not docs_of(rendered, 11) and not docs_of(rendered, 13)        # no refusal, no leave yet
    assert len(docs_of(rendered, 8)) == 2                                 # windows opened by 2025-03-01
    assert [k for k, _ in docs_of(rendered, 12)] == ["12-01-违法违规行为报告.html"]   # the late report-in only


def test_terminated_case_has_no_release_notice(tmp_path, monkeypatch):
    s, cid = _small_store(tmp_path, monkeypatch)
    lifecycle.terminate(s, cid, "2026-04-01", "imprisonment", TODAY)
    rendered = R.render_html(s, cid, TODAY)
    assert not docs_of(rendered, 18)
    assert "已终止" in text_of(rendered["00-1-卷皮.html"])


def test_importing_the_renderer_is_cheap():
    import subprocess
    import sys

    code = ("import sys, aftercare.documents.render; "
            "print(' '.join(m for m in ('jinja2', 'weasyprint', 'markupsafe') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2]).stdout.strip()
    assert out == ""


def test_render_all_pdf_in_parallel_and_a_broken_case_stops_it(cli):
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:
        pytest.skip(f"WeasyPrint is not available: {exc}")
    a = cli.add(41, reported_on="2026-05-01")
    b = cli.add(42, reported_on="2026-05-02")
    out = cli.root.parent / "pdf-out"
    res = cli.ok("render", "--all", "--format", "pdf", "--out", str(out))
    assert "2 个个案" in res.stdout
    for cid in (a, b):
        assert (out / cid / f"{cid}-全卷.pdf").is_file()
        assert (out / cid / "01-决定书.pdf").is_file()
    (case_dir(cli.root, b) / "case.yaml").write_text("name: [broken\n")
    res = cli("render", "--all", "--format", "pdf", "--out", str(out))
    assert res.exit_code == 1 and f"{case_path(b)}/case.yaml:" in res.stderr


def test_failed_render_leaves_no_folder(tmp_path, monkeypatch):
    s, cid = _small_store(tmp_path, monkeypatch)
    own = s.root / "templates"
    own.mkdir()
    (own / "17-evaluation.html.j2").write_text('{% extends "base.html.j2" %}\n{% block content %}{{ 1 / 0 }}{% endblock %}\n',
                                               encoding="utf-8")
    out = tmp_path / "out" / "deeper"
    with pytest.raises(AftercareError):
        R.render_case(s, cid, out, "html", TODAY)
    assert not (tmp_path / "out").exists()
    (tmp_path / "out").mkdir()
    with pytest.raises(AftercareError):
        R.render_case(s, cid, tmp_path / "out", "html", TODAY)
    assert list((tmp_path / "out").iterdir()) == []


# ---------------------------------------------------------------- true to the record (issue 12)


def test_no_document_for_a_duty_that_has_not_arisen(store):
    s, ids = store
    # decision served 2026-05-10: report-in due by 2026-05-25; on 2026-05-14 nobody is late yet
    new = R.render_html(s, ids["new"], TODAY)
    assert not docs_of(new, 12) and not docs_of(new, 6)
    for no in (3, 4, 7, 8, 17, 18):                 # not reported in: these wait as blank forms, outside the archive
        assert not docs_of(new, no) and len(blanks_of(new, no)) == 1, no
    toc = text_of(new["00-2-卷内目录.html"])
    assert "违法/违规行为报告" not in toc and "协议书" not in toc
    # the day after the deadline the report is due, and the notice it cites exists
    late = R.render_html(s, ids["new"], date(2026, 5, 26))
    (_, report), = docs_of(late, 12)
    (_, _notice), = docs_of(late, 6)
    has(report, "逾期未报到", "2026年5月25日前报到", "《社区戒毒（康复）人员逾期报到通知书》")


def _legal_row(doc: str) -> str:
    m = re.search(r"<th>法律依据</th><td[^>]*>(.*?)</td>", doc, re.S)
    assert m, "no 法律依据 row"
    return text_of(m.group(1))


def test_12_each_report_has_its_own_ground(full):
    late, positive, serious = (d for _, d in docs_of(full[0], 12))
    assert re.search(r'<span class="cb">√</span>逾期未报到', late)
    assert "第十四条" in _legal_row(late) and "第三十八条第一款第（一）项" in _legal_row(late)
    assert "第二十条" not in _legal_row(late)
    assert re.search(r'<span class="cb">√</span>社区戒毒期间吸食、注射毒品', positive)
    assert not re.search(r'<span class="cb">√</span>严重违反', positive)
    assert "第三十八条第一款第（二）项" in _legal_row(positive) and "第二十条" not in _legal_row(positive)
    assert re.search(r'<span class="cb">√</span>严重违反', serious)
    assert re.search(r'<span class="cb">√</span>逃避或者拒绝接受检测3次以上', serious)
    assert not re.search(r'<span class="cb">√</span>擅自离开', serious)
    assert "第二十条" in _legal_row(serious) and "第三十八条第一款第（三）项" in _legal_row(serious)


@pytest.fixture(scope="module")
def timeline(store):
    """Two more cases on the module's store: one suspended 2025-06-01..06-11 after signing on 2024-07-15,
    one with a yearly evaluation."""
    s, _ids = store
    t = TODAY
    name, idn = _person(11, date(1985, 8, 8))
    susp = cases.add_case(s, name=name, id_number=idn, measure="detox", today=t, notified_on="2024-07-10",
                            reported_on="2024-07-15", case_id="2024-0001").case
    lifecycle.suspend(s, susp, "2025-06-01", "detention", t)
    lifecycle.resume(s, susp, "2025-06-11", t)
    name, idn = _person(12, date(1987, 9, 9))
    yearly = cases.add_case(s, name=name, id_number=idn, measure="detox", today=t, notified_on="2024-07-10",
                              reported_on="2024-07-15", case_id="2024-0002").case
    for day in ("2024-08-01", "2024-09-01", "2025-03-10", "2025-07-01"):
        records.record_test(s, yearly, day, "negative", t, method="urine")
    records.record_simple(s, yearly, "visit", "2024-12-01", t, kind="home")
    records.record_simple(s, yearly, "evaluation", "2025-07-05", t, kind="yearly", risk="low", result="年度评估")
    return s, susp, yearly


def test_documents_show_the_facts_of_their_own_day(timeline):
    s, susp, _ = timeline
    rendered = R.render_html(s, susp, TODAY)
    # at signing the period ran to 2027-07-14 (36 months from 2024-07-15); the suspension of 10 days
    # in June 2025 moved it to 2027-07-24 only afterwards
    for no in (2, 3, 4):
        (_, doc), = docs_of(rendered, no)
        assert "2027年7月14日" in text_of(doc) and "2027年7月24日" not in text_of(doc), no
    assert "2024年7月15日至2027年7月24日" in text_of(rendered["00-1-卷皮.html"])


def test_the_period_of_a_documents_day_is_the_engines_view_of_that_day(timeline, tmp_path, monkeypatch):
    """A document shows the period as its own day knew it: computed without the day's duty windows, it is
    the same as the engine's whole view of that day (Facts.as_of) gives, for every document of every case
    (a suspended one, a released one, one not yet reported, one with a change of place...)."""
    from aftercare.documents.context import CaseFacts

    s, _, _ = timeline
    small, cid = _small_store(tmp_path, monkeypatch)       # 社区戒毒, three years, reported 2026-03-02
    lifecycle.suspend(small, cid, "2026-03-20", "detention", TODAY)
    lifecycle.resume(small, cid, "2026-03-30", TODAY)
    records.record_test(small, cid, "2026-04-15", "positive", TODAY, method="urine")
    records.record_simple(small, cid, "evaluation", "2026-04-18", TODAY, kind="quarterly", risk="high", result="差")
    transfer.apply(small, cid, "2026-04-20", "示例市东风街道", TODAY, reason="迁居", proof="房屋租赁合同")
    transfer.form(small, cid, "2026-04-21", TODAY, opinion="情况属实，同意变更")
    transfer.decide(small, cid, "2026-04-23", TODAY, True, by="示例县公安局")
    cases_of = [(s, c) for c in s.case_ids()] + [(small, cid)]
    quick = {c: R.render_html(st, c, TODAY) for st, c in cases_of}
    # the change-of-place form (2026-04-21) gives the period's end as moved by the suspension of
    # 2026-03-20..03-30: 2026-03-02 + 36 months - 1 day = 2029-03-01, + 10 days = 2029-03-11; and the risk
    # as the evaluation of 2026-04-18 set it
    (_, form), = docs_of(quick[cid], 15)
    assert "2026年3月2日至2029年3月11日" in text_of(form) and "风险等级高" in text_of(form)
    monkeypatch.setattr(CaseFacts, "_period_on", CaseFacts.on)
    for st, c in cases_of:
        assert R.render_html(st, c, TODAY) == quick[c], c


def test_evaluation_covers_its_engine_window_with_its_counts(timeline):
    s, _, yearly = timeline
    (_, doc), = docs_of(R.render_html(s, yearly, TODAY), 17)
    assert re.search(r'<span class="cb">√</span>年度评估', doc)
    # the first year: 2024-07-15..2025-07-14; facts up to the form's day; 11 monthly test windows closed by
    # then, of which those of 2024-08-01, 2024-09-01 and 2025-03-10 met; 4 tests in the year so far
    has(doc, "2024年7月15日至2025年7月14日（情况统计至2025年7月5日）", "应检11期，按期完成3期", "检测4次",
        "见面访谈/家访1次")


def test_cover_period_end_and_retention(store, tmp_path, monkeypatch):
    s, ids = store
    cover = text_of(R.render_html(s, ids["done"], TODAY)["00-1-卷皮.html"])
    # 24 months from 2023-06-01 end on 2025-05-31; released on 2025-06-02
    assert "2023年6月1日至2025年5月31日" in cover and "至2025年6月2日" not in cover
    assert "2025年6月2日解除" in cover and "保管期限定期30年" in cover
    own, cid = _small_store(tmp_path, monkeypatch)
    cfg = own.root / "aftercare.yaml"
    cfg.write_text(cfg.read_text(encoding="utf-8").replace("rules: []", "rules:\n  - archive: {retention: 永久}"),
                   encoding="utf-8")
    cover = text_of(R.render_html(Store(own.root), cid, TODAY)["00-1-卷皮.html"])
    assert "保管期限永久" in cover


def test_contents_have_the_columns_of_gbt_9705(full):
    toc = full[0]["00-2-卷内目录.html"]
    head = re.findall(r"<th>(.*?)</th>", re.search(r"<thead>(.*?)</thead>", toc, re.S).group(1))
    assert head == ["序号", "文号", "责任者", "题名", "日期", "页号", "备注"]
    first = re.search(r"<tbody>\s*<tr>(.*?)</tr>", toc, re.S).group(1)
    cells = [text_of(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", first, re.S)]
    assert cells[:5] == ["1", "示公（禁）决字〔2024〕第12号", "示例县公安局", "责令社区戒毒/社区康复决定书", "2024年12月30日"]


def test_one_html_file_of_the_whole_archive(full, store):
    rendered, files, folder = full
    _s, ids = store
    whole = rendered[f"{ids['full']}-全卷.html"]
    sections = re.findall(r'<section class="doc[^"]*" id="aftercare-doc-(\d+)">(.*?)</section>', whole, re.S)
    archive = [n for n in rendered if "/" not in n and n[:2].isdigit() and not n.startswith("20")]
    assert [int(k) for k, _ in sections] == list(range(1, len(archive) + 1))
    for (_k, body), name in zip(sections, archive):                   # same pages, same order
        assert titles(body) == titles(rendered[name]), name
    assert "break-before: page" in whole and whole.count("<style>") == 1
    assert "<script" not in whole.lower() and "&lt;script&gt;" in whole


def test_pdf_page_labels_match_printed_numbers(pdf):
    files, pypdf = pdf
    whole = pypdf.PdfReader(next(p for p in files if p.name.endswith("全卷.pdf")))
    front = len(pypdf.PdfReader(files[0]).pages) + len(pypdf.PdfReader(files[1]).pages)
    labels = whole.page_labels
    assert labels[0] == "卷皮" and labels[front - 1].startswith("目录")
    for k in range(front, len(whole.pages)):
        assert labels[k] == str(k - front + 1)
        assert f"— {k - front + 1} —" in whole.pages[k].extract_text()


def test_font_chain_windows_names_first_and_one_note_when_fangsong_is_missing(cli, monkeypatch):
    from aftercare.documents import fonts

    chain = fonts.chains(None)["body"]
    assert chain[0] == "FangSong" and chain.index("仿宋") < chain.index("AR PL UMing CN") < chain.index("Noto Serif CJK SC")
    own = fonts.chains({"body": ["仿宋_GB2312", 'x"; } body { color: red']})["body"]
    assert own[0] == "仿宋_GB2312" and not any('"' in n for n in own)          # hostile names are dropped
    assert fonts.body_font_note(chain, {"FangSong", "Noto Serif CJK SC"}) == ""
    assert fonts.body_font_note(chain, {"Noto Serif CJK SC", "AR PL UMing CN"}) == "未安装仿宋字体（FangSong），正文改用“AR PL UMing CN”"
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:
        pytest.skip(f"WeasyPrint is not available: {exc}")
    monkeypatch.setattr(fonts, "installed_families", lambda: {"AR PL UMing CN"})
    a = cli.add(51, reported_on="2026-05-01")
    cli.add(52, reported_on="2026-05-02")
    res = cli.ok("render", "--all", "--format", "pdf", "--out", str(cli.root.parent / "pdf-fonts"))
    assert res.stderr.count("未安装仿宋字体（FangSong），正文改用“AR PL UMing CN”") == 1
    res = cli.ok("render", a, "--out", str(cli.root.parent / "html-fonts"))
    assert "仿宋" not in res.stderr                                        # HTML: the browser picks the font


@pytest.mark.slow
def test_no_label_or_date_is_broken_inside_a_word(tmp_path, monkeypatch):
    """The longest values the store allows (a 40-character name, long address and worker) do not break a label,
    a date, a check box or the ID number across lines in the PDF."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:
        pytest.skip(f"WeasyPrint is not available: {exc}")
    if not _cjk_font_installed():
        pytest.skip("no CJK font installed")
    pypdf = pytest.importorskip("pypdf")
    root = tmp_path / "long"
    init_store(root, OFFICE)
    s = Store(root)
    _name, idn = _person(21, date(1986, 11, 29))
    long_name = "欧阳" + "长" * 38                                          # 40 characters: the limit of 姓名
    cid = cases.add_case(s, name=long_name, id_number=idn, measure="detox", today=TODAY, notified_on="2025-11-15",
                         reported_on="2025-11-19", address="某某省某某市某某县某某镇某某村" * 8, phone="13800000011",
                         decision_no="某公（禁）决字〔2025〕第1234567号", decided_by="某某省某某市某某县公安局某某分局",
                         case_id="2025-0099").case
    records.record_simple(s, cid, "evaluation", "2025-12-19", TODAY, kind="intake", risk="medium", result="良好")
    r = lifecycle.leave_request(s, cid, "2026-01-11", "2026-01-29", "某某省某某市某某区" * 4, TODAY, reason="探亲" * 50,
                                date_text="2026-01-09")
    lifecycle.leave_decide(s, cid, r.event_id, "approve", "2026-01-10", TODAY)
    files = R.render_case(s, cid, tmp_path / "out", "pdf", TODAY)
    words = ["公民身份号码", "户籍地派出所", "现居住地址", "专职工作人员", idn, "2025年11月19日", "2025年12月19日",
             "2026年1月11日", "2026年1月29日", "2025年11月15日"]
    seen = set()
    for p in files:
        if p.name.endswith("全卷.pdf") or p.name.startswith("00-"):
            continue
        for page in pypdf.PdfReader(p).pages:
            lines = [re.sub(r"[ \t]+", "", ln) for ln in page.extract_text().splitlines()]
            flat = "".join(lines)
            for w in words:
                if w in flat:
                    assert any(w in ln for ln in lines), (p.name, w)       # present, and on one line
                    seen.add(w)
            for box in ("□低", "□中", "□高"):
                if box[1] in flat and box in flat:
                    assert any(box in ln for ln in lines), (p.name, box)
    assert seen == set(words)


def _pdf_ready() -> None:
    try:
        import weasyprint  # noqa: F401
        import pikepdf  # noqa: F401
    except (ImportError, OSError) as exc:
        pytest.skip(f"WeasyPrint or pikepdf is not available: {exc}")
    if not _cjk_font_installed():
        pytest.skip("no CJK font installed")


def _page_texts(folder: Path) -> dict:
    import pypdf

    return {str(p.relative_to(folder)): [pg.extract_text() for pg in pypdf.PdfReader(p).pages]
            for p in sorted(folder.rglob("*.pdf"))}


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["typst", "weasyprint"])
def test_pdf_after_one_new_record_renders_only_what_changed(tmp_path, monkeypatch, engine):
    """Issue 12 item 9: a render keeps each document's PDF keyed by its input; after one new visit only the
    new visit and the cover and contents (page count, one more row) are laid out again, files whose bytes
    would not change are not written again, and the result reads page for page like a cold render's."""
    _pdf_ready()
    pytest.importorskip(engine)
    from aftercare.documents import pdf as P

    s, cid = _small_store(tmp_path, monkeypatch)
    laid_out = []
    monkeypatch.setattr(P, "RENDER_HOOKS", [laid_out.append])
    out = tmp_path / "out"
    R.render_case(s, cid, out, "pdf", TODAY, engine=engine)
    # cold: the 11 archive documents and 2 blank forms in one layout, then the cover and the contents
    assert [len(batch) for batch in laid_out] == [13, 2]
    assert not any(p.name.startswith(".") for p in (out / cid).iterdir())       # the cache is not in the case folder
    mtimes = {p: p.stat().st_mtime_ns for p in (out / cid).rglob("*.pdf")}

    laid_out.clear()
    R.render_case(s, cid, out, "pdf", TODAY, engine=engine)                                    # nothing changed
    assert laid_out == []
    assert {p: p.stat().st_mtime_ns for p in (out / cid).rglob("*.pdf")} == mtimes

    records.record_simple(s, cid, "visit", "2026-04-10", TODAY, kind="home", note="第二次访谈")
    files = R.render_case(s, cid, out, "pdf", TODAY, engine=engine)
    assert laid_out == [["07-02-见面访谈家访记录.pdf"], ["00-1-卷皮.pdf", "00-2-卷内目录.pdf"]]
    rewritten = {p.name for p in files if p not in mtimes or p.stat().st_mtime_ns != mtimes[p]}
    # before the new visit nothing moves; after it every document's archive page numbers move on by one page
    assert {"01-决定书.pdf", "02-基本情况登记表.pdf", "03-协议书.pdf", "04-戒毒康复计划.pdf", "05-工作小组成员名单.pdf",
            "07-01-见面访谈家访记录.pdf"}.isdisjoint(rewritten)
    assert {"00-1-卷皮.pdf", "00-2-卷内目录.pdf", "07-02-见面访谈家访记录.pdf", "08-01-吸毒检测通知书.pdf",
            "10-学习帮扶医疗就业记录.pdf", f"{cid}-全卷.pdf"} <= rewritten

    # the new visit is in its own file, in the combined PDF and in the contents (a wrongly kept file would not be)
    again = _page_texts(out / cid)
    assert "第二次访谈" in "".join(again["07-02-见面访谈家访记录.pdf"])
    assert "第二次访谈" in "".join(again[f"{cid}-全卷.pdf"])
    assert re.sub(r"\s+", "", "".join(again["00-2-卷内目录.pdf"])).count("见面访谈/家访记录") == 2
    R.render_case(s, cid, tmp_path / "cold", "pdf", TODAY, engine=engine)
    assert again == _page_texts(tmp_path / "cold" / cid)


@pytest.mark.slow
def test_a_damaged_or_missing_pdf_cache_is_rendered_again(tmp_path, monkeypatch):
    _pdf_ready()
    from aftercare.documents import pdf as P

    s, cid = _small_store(tmp_path, monkeypatch)
    out = tmp_path / "out"
    R.render_case(s, cid, out, "pdf", TODAY)
    texts = _page_texts(out / cid)
    cache = out / ".pdf-cache" / cid
    part = next(cache.glob("*.pdf"))
    part.write_bytes(part.read_bytes()[:100])                                  # a truncated part
    (out / cid / "01-决定书.pdf").write_bytes(b"changed by hand")               # a file changed since it was written
    laid_out = []
    monkeypatch.setattr(P, "RENDER_HOOKS", [laid_out.append])
    R.render_case(s, cid, out, "pdf", TODAY)
    assert len(laid_out) == 1 and len(laid_out[0]) == 1                         # the truncated one, alone
    assert _page_texts(out / cid) == texts
    (cache / "manifest.json").write_text("{not json", encoding="utf-8")
    laid_out.clear()
    R.render_case(s, cid, out, "pdf", TODAY)
    assert [len(batch) for batch in laid_out] == [13, 2]                        # everything again, same pages
    assert _page_texts(out / cid) == texts


def test_the_page_number_stamp_paints_nothing_but_the_number(pdf):
    """The archive page numbers are stamped over each page: the stamp may hold text only (a page background
    in it would cover the document underneath while its text still reads back)."""
    import pikepdf

    files, _ = pdf
    painting = {"f", "F", "f*", "B", "B*", "b", "b*", "S", "s", "sh", "Do", "re"}
    for p in (files[2], next(p for p in files if p.name.endswith("全卷.pdf"))):
        with pikepdf.open(p) as doc:
            for page in doc.pages[-2:]:
                drawn = [operands[0] for operands, op in pikepdf.parse_content_stream(page) if str(op) == "Do"]
                stamp = page.Resources.XObject[drawn[-1]]                  # drawn last, over the page
                ops = {str(op) for _, op in pikepdf.parse_content_stream(stamp)}
                assert {"TJ", "Tj"} & ops, p.name
                assert not ops & painting, (p.name, ops & painting)


# ---------------------------------------------------------------- the typst engine

HOSTILE = ('#set page(fill: red) $x^2$ *粗* _斜_ `raw` @ref <lbl> [方] \\\\ "引号" // 注 /* 注 */ '
           '{{ 7*7 }} {% if 1 %}x{% endif %} <script>alert(1)</script> &amp; ~ = - + / #{1+1} #"s"')


def test_typst_text_is_one_string_literal():
    from aftercare.documents.typeset import lit

    assert lit('a"b\\c') == '#"a\\"b\\\\c"'               # \\ and " escaped, nothing else can leave the string
    assert lit("行一\n行二") == '#"行一\\n行二"'


def test_typst_prints_hostile_values_literally(tmp_path, monkeypatch):
    """Every value reaches typst as a string literal: typst and Jinja markup, HTML and quotes typed into a
    record print as typed (the HTML escaping of the template, then one typst escaping function)."""
    pytest.importorskip("typst")
    _pdf_ready()
    from aftercare.documents.typeset import Translator, lit

    s, cid = _small_store(tmp_path, monkeypatch)
    records.record_simple(s, cid, "visit", "2026-04-10", TODAY, kind="home", note=HOSTILE, met=HOSTILE)
    html = R.render_html(s, cid, TODAY)["07-02-见面访谈家访记录.html"]
    source = Translator().document(html)
    assert lit(HOSTILE) in source                       # the note: one literal, as typed
    markup = re.sub(r'#"(?:[^"\\]|\\.)*"', "", source)   # the source without its string literals
    for piece in ("#set page", "$x^2$", "*粗*", "`raw`", "@ref", "<lbl>", "<script>", "{{", "#{1+1}", "引号"):
        assert piece not in markup, piece
    files = R.render_case(s, cid, tmp_path / "out", "pdf", TODAY, engine="typst")
    text = _pdf_text(__import__("pypdf").PdfReader(next(p for p in files if p.name.startswith("07-02"))))
    assert re.sub(r"\s+", "", HOSTILE) in text


def test_engine_choice(cli, monkeypatch):
    """auto: typst, unless the store has its own templates (only WeasyPrint follows any CSS); --engine
    chooses; a wrong name or a missing typst is one Chinese line."""
    from aftercare.documents.output import choose_engine

    pytest.importorskip("typst")
    cid = cli.add(61, reported_on="2026-05-01")
    store = Store(cli.root)
    assert choose_engine(store) == "typst"
    assert choose_engine(store, "weasyprint") == "weasyprint"
    own = cli.root / "templates"
    own.mkdir()
    (own / "说明.txt").write_text("本目录放本办的模板", encoding="utf-8")
    assert choose_engine(store) == "typst"                               # no template or stylesheet there
    (own / "style.css").write_text("body { color: #000; }", encoding="utf-8")
    assert choose_engine(store) == "weasyprint"
    assert choose_engine(store, "typst") == "typst"
    res = cli("render", cid, "--format", "pdf", "--engine", "latex")
    assert res.exit_code == 1 and res.stderr.strip() == "错误：排版引擎“latex”无效，应为 auto、typst 或 weasyprint"
    import sys

    monkeypatch.setitem(sys.modules, "typst", None)
    res = cli("render", cid, "--format", "pdf", "--engine", "typst")
    assert res.exit_code == 1
    assert res.stderr.strip() == "错误：无法生成 PDF：未安装 typst；请安装：pip install typst，或用 --engine weasyprint"
    assert not (cli.root / "out" / cid).exists()
