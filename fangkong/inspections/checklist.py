"""The first checklist (version 1), from the Ministry of Civil Affairs guidance as DESIGN.md
gives it: each item's number, its text in Chinese and English, and the days an institution has
by default to put a failure right (a day for what endangers residents at once, a week or two
for registers, plans and vaccination).

It is data, not code the app runs: the data migration and the seed after a flush read it; a
later version is edited as a draft by administrators and published, never by changing this.
"""

from typing import Any

from django.utils import timezone

# (number, Chinese, English, default days to rectify)
ITEMS: list[tuple[int, str, str, int]] = [
    (1, "明确责任人，落实盟、旗两级包联领导。",
     "A named person is responsible; liaison officials at league and banner level are assigned.",
     3),
    (2, "预案、制度、防护物资、医疗保障、隔离室和转运方案落实到位（五有）。",
     "Plan, rules, PPE stock, medical support, isolation room and transfer plan are in place.",
     7),
    (3, "按要求落实封闭管理：除允许情形外不得进入（出现感染时只出不进）。",
     "Closed management is in force where ordered: no entry except as allowed.", 1),
    (4, "门岗有人值守，进入人员实名登记体温、行程和健康状况。",
     "The gate is staffed; every admitted person is registered by real name with temperature, "
     "travel history and health state.", 1),
    (5, "病例接触者、发热咳嗽腹泻人员及其他不得进入人员一律劝返。",
     "Contacts of cases, anyone with fever/cough/diarrhoea, and other excluded groups are "
     "refused.", 1),
    (6, "禁止一般车辆进入，准入车辆在门口消毒。",
     "Ordinary vehicles barred; admitted vehicles disinfected at the gate.", 2),
    (7, "物品在院外交接并消毒；停止快递、外卖和家属送餐。",
     "Goods handed over outside and disinfected; courier, take-away and family meal delivery "
     "stopped.", 2),
    (8, "封闭期间暂停探视；其他时期限时、限人、限路线、限区域（接待室，不进生活区），"
        "并查验检测证明。",
     "Visits suspended during closure; otherwise limited in time, number, route and area, with "
     "the test proof the current rules ask for.", 2),
    (9, "新入住或返院老人和工作人员完成观察并检测阴性后方可进入。",
     "New or returning residents and staff complete observation and a negative test before "
     "entry.", 1),
    (10, "工作人员院内居住或集中居住，轮换遵守隔离和检测规定。",
     "Staff live on site or in separate housing; rotation follows the quarantine and test rules.",
     3),
    (11, "老人和工作人员每日至少两次体温和症状监测并登记。",
     "Temperature and symptom checks of residents and staff at least twice a day, logged.", 1),
    (12, "出现症状者立即隔离并转诊。",
     "Anyone with symptoms is isolated and referred at once.", 1),
    (13, "按现行要求开展检测（出现病例后全员检测）。",
     "Testing done as the current rules require (full-coverage round after any case).", 2),
    (14, "老人分级管理，配备指夹式血氧仪和氧气。",
     "Residents graded by risk; oximeters and oxygen at hand.", 7),
    (15, "污染区、缓冲区、清洁区分开设置（三区两通道）。",
     "Contaminated, buffer and clean zones separated.", 7),
    (16, "老人中的密切接触者单间隔离，指定隔离场所。",
     "Close contacts among residents in single rooms; an isolation site is designated.", 1),
    (17, "停止集体活动，必要时送餐到房间。",
     "Group activities stopped, meals served in rooms when required.", 2),
    (18, "提供心理疏导和家属视频通话。",
     "Psychological support and video calls with family provided.", 7),
    (19, "每日通风至少两次、每次30分钟以上；按规定浓度消毒；病例出现后终末消毒。",
     "Ventilation at least twice a day for 30 minutes or more; surfaces disinfected at the right "
     "concentration; terminal disinfection after a case.", 2),
    (20, "接触老人时佩戴口罩；手卫生；防护物资充足。",
     "Masks worn with residents; hand hygiene; PPE stock sufficient.", 2),
    (21, "出现病例立即电话报告民政部门，并在规定时间内书面报告。",
     "A case is reported to the bureau by phone at once and in writing within the set time.", 1),
    (22, "日报告、零报告按时报送。",
     "The daily report and zero report are made before the deadline.", 1),
    (23, "建立出入登记、体温监测、消毒等台账。",
     "Registers kept: entry and exit, temperature checks, disinfection.", 7),
    (24, "推动并登记老人和工作人员流感疫苗接种。",
     "Influenza vaccination of residents and staff promoted and recorded.", 14),
]  # fmt: skip


def seed_first_version(version_model: Any, item_model: Any) -> None:
    """Create version 1, published, with its 24 items, unless it exists."""
    version, created = version_model.objects.get_or_create(
        number=1, defaults={"status": "published", "published_at": timezone.now()}
    )
    if not created and version.items.exists():
        return
    item_model.objects.bulk_create([
        item_model(version=version, number=number, text_zh=zh, text_en=en, default_days=days)
        for number, zh, en, days in ITEMS
    ])  # fmt: skip
