"""The words of the synthetic records (fictional, generic), and the fields of the routine records."""

from __future__ import annotations

import random

VILLAGES = ("桃源村", "石桥村", "新塘村", "荷花村", "枫林村", "长岭村", "白沙社区", "龙泉村", "竹山村", "向阳社区",
            "金盆村", "柳湾村")
VISIT_NOTES = ("情绪稳定，按时报告", "在本地务工，表现良好", "家属反映近况正常", "谈心谈话，讲解协议要求",
               "近期找到工作，鼓励坚持", "身体状况一般，督促按时检测", "与家人关系有所改善", "提醒外出须请假")
EDU_NOTES = ("禁毒法律法规学习", "毒品危害警示教育", "心理疏导", "职业技能培训动员", "家庭帮教座谈",
             "社区戒毒协议条款讲解")
EVAL_RESULTS = ("戒断情况良好", "基本稳定", "需加强管控", "复吸风险较低", "心理状态平稳")
EXPLAIN = ("本人住院治疗，无法见面，有医院证明", "工作人员调整交接期间漏记，已补谈并说明", "本人在外地务工，经电话联系确认情况",
           "自然灾害封路无法入户，已电话联系", "家中有丧事，经本人申请延后")
DESTINATIONS = ("广东省东莞市", "湖南省长沙市", "浙江省义乌市", "广东省深圳市", "湖南省衡阳市", "江西省萍乡市")
LEAVE_REASONS = ("务工", "探亲", "就医", "处理家事")
FAMILY_CRISES = ("父亲病故", "配偶提出离婚", "家中房屋失火", "母亲重病住院", "子女辍学")
SUPPORT = {"study": ("参加禁毒知识学习班", None), "assistance": ("发放临时救助金", (300, 2000)),
           "medical": ("协助办理医疗救助", (200, 1500)), "employment": ("推荐到本镇企业就业", None)}
FOLLOWUP_NOTES = {"abstinent": ("回访本人，保持操守", "家属反映情况稳定", "已就业，生活规律", "电话回访，本人状态良好"),
                  "refused": ("本人拒绝配合回访", "本人不愿见面，经家属了解近况"),
                  "lost": ("多次联系未果，家属称不知去向", "原住址无人，电话停机"),
                  "relapsed": ("回访发现复吸，已报告公安机关",)}
FOUND_HOW = ("公安机关查获", "本人主动联系", "家属带回", "外地公安机关通报")
RELATIONS = ("母亲", "父亲", "配偶", "哥哥", "姐姐", "弟弟", "妹妹")
ETHNICITIES = ("汉族",) * 18 + ("苗族", "瑶族", "土家族")
EDUCATION = ("小学", "初中", "初中", "高中", "中专", "大专")
MARITAL = ("未婚", "已婚", "已婚", "离异", "丧偶")
EMPLOYMENT = ("务工", "务农", "无业", "个体经营", "务工")
DRUGS = (("methamphetamine",), ("methamphetamine",), ("heroin",), ("methamphetamine", "ketamine"), ("ketamine",),
         ("heroin", "methamphetamine"), ("cannabis",))


def address(rng: random.Random, township: str) -> str:
    return f"{township}{rng.choice(VILLAGES)}{rng.randint(1, 12)}组{rng.randint(1, 80)}号"


def routine(rng: random.Random, etype: str, worker: str, wanted: dict) -> dict:
    """The fields of a routine record of type `etype`; `wanted` are the values the duty's rule asks of it
    (the `qualifies` condition of the rules file: field -> allowed values)."""
    if etype == "test":
        f = {"result": "negative", "method": "urine" if rng.random() < 0.9 else rng.choice(("saliva", "blood")),
             "by": worker if rng.random() < 0.3 else None}
    elif etype == "visit":
        kind = rng.choices(("talk", "home", "phone"), (60, 30, 10))[0]
        f = {"kind": kind, "by": worker, "note": rng.choice(VISIT_NOTES) if rng.random() < 0.6 else None,
             "met": rng.choice(("本人", "本人及家属", "家属")) if kind == "home" else None}
    elif etype == "report":
        f = {"note": "本人书面报告近期情况" if rng.random() < 0.4 else None}
    elif etype == "education":
        f = {"note": rng.choice(EDU_NOTES), "by": worker}
    else:
        f = {}
    for key, allowed in wanted.items():
        if f.get(key) not in allowed:
            f[key] = allowed[0]
    return f


MAKERS = ("test", "visit", "report", "education")     # record types `routine` knows how to fill
