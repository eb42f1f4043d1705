"""The demo company's staff: offices, departments, names in their own scripts, roles, managers."""

from __future__ import annotations

import hashlib
import random
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from corp_carbon.db.models import Employee, EmployeeRole
from corp_carbon.domain.vocabulary import Role

EMAIL_DOMAIN = "example.com"


@dataclass(frozen=True)
class Office:
    name: str
    country: str
    currency: str
    #: share of the headcount, and the Faker locales its staff's names come from.
    share: int
    locales: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Department:
    name: str
    cost_centre: str
    #: business trips per person and year, on average.
    trips_per_year: float
    #: relative headcount in London, Berlin and Shanghai.
    office_weights: tuple[int, int, int]


OFFICES = (
    Office(
        "London",
        "GB",
        "GBP",
        43,
        (
            ("en_GB", 62),
            ("ga_IE", 9),
            ("fr_FR", 7),
            ("es_ES", 7),
            ("de_DE", 4),
            ("zh_CN", 5),
            ("it_IT", 3),
            ("pl_PL", 3),
        ),
    ),
    Office(
        "Berlin",
        "DE",
        "EUR",
        32,
        (
            ("de_DE", 66),
            ("es_ES", 6),
            ("fr_FR", 6),
            ("en_GB", 6),
            ("pl_PL", 7),
            ("it_IT", 5),
            ("zh_CN", 4),
        ),
    ),
    Office("Shanghai", "CN", "CNY", 25, (("zh_CN", 88), ("en_GB", 5), ("de_DE", 4), ("fr_FR", 3))),
)
OFFICE_BY_NAME = {o.name: o for o in OFFICES}

DEPARTMENTS = (
    Department("Engineering", "CC-200", 1.1, (28, 40, 18)),
    Department("Sales EMEA", "CC-320", 4.2, (16, 14, 0)),
    Department("Sales APAC", "CC-310", 4.6, (3, 0, 34)),
    Department("Finance", "CC-120", 0.9, (12, 8, 10)),
    Department("Marketing", "CC-410", 2.0, (12, 10, 10)),
    Department("Operations", "CC-150", 1.6, (12, 13, 15)),
    Department("HR", "CC-110", 0.6, (9, 8, 7)),
    Department("Legal", "CC-130", 1.2, (8, 7, 6)),
)
DEPARTMENT_BY_NAME = {d.name: d for d in DEPARTMENTS}

LOCALES = ("en_GB", "de_DE", "zh_CN", "es_ES", "fr_FR", "ga_IE", "it_IT", "pl_PL")

#: the people a demo visitor logs in as, one per role (the directory of travel_formats 8.1).
NOTABLES: tuple[tuple[str, str, str, str, Role | None], ...] = (
    ("Priya Raman", "priya.raman", "London", "Operations", Role.ADMIN),
    ("Aoife O'Connor", "aoife.oconnor", "London", "HR", Role.HR),
    ("Jürgen Weiß", "juergen.weiss", "Berlin", "HR", Role.HR),
    ("Zoë Müller", "zoe.mueller", "Berlin", "Operations", Role.SUSTAINABILITY),
    ("Oliver Bennett", "oliver.bennett", "London", "Finance", Role.SUSTAINABILITY),
    ("José Álvarez-Peña", "jose.alvarez", "London", "Marketing", None),
    ("张伟", "zhang.wei", "Shanghai", "Sales APAC", None),
)
#: notable users on their team's leaderboard whatever the draw (the team page shows them among
#: their opted-in colleagues); José stays off it, so his page shows the prompt to join.
ON_LEADERBOARD = frozenset({"zhang.wei", "zoe.mueller"})
#: who appears in ``DemoSummary.logins``, by email local part.
LOGIN_ORDER = ("priya.raman", "aoife.oconnor", "zoe.mueller", "jose.alvarez", "zhang.wei")

# Toneless pinyin for the common surnames and every given-name character Faker's zh_CN uses;
# a name with any other character gets an ``e<number>`` address instead.
_SURNAME_PINYIN = (
    "王wang 李li 张zhang 刘liu 陈chen 杨yang 黄huang 吴wu 赵zhao 周zhou 徐xu 孙sun 马ma "
    "朱zhu 胡hu 林lin 郭guo 何he 高gao 罗luo 郑zheng 梁liang 谢xie 宋song 唐tang 许xu "
    "邓deng 冯feng 韩han 曹cao 曾zeng 彭peng 萧xiao 蔡cai 潘pan 田tian 董dong 袁yuan 于yu "
    "余yu 叶ye 蒋jiang 杜du 苏su 魏wei 程cheng 吕lyu 丁ding 沈shen 任ren 姚yao 卢lu "
    "傅fu 钟zhong 姜jiang 崔cui 谭tan 廖liao 范fan 汪wang 温wen 顾gu 武wu 秦qin 陆lu "
    "夏xia 石shi 贾jia 孔kong 白bai 邵shao 毛mao 熊xiong 金jin 方fang 孟meng 邹zou 龚gong "
    "万wan 段duan 雷lei 侯hou 陶tao 黎li 史shi 易yi 严yan 邱qiu 江jiang 钱qian 戴dai 贺he "
    "薛xue 尹yin 郝hao 汤tang 常chang 龙long"
)
_GIVEN_PINYIN = (
    "东dong 丹dan 丽li 云yun 亮liang 伟wei 佳jia 俊jun 倩qian 健jian 兰lan 兵bing 军jun 冬dong "
    "凤feng 凯kai 刚gang 利li 勇yong 华hua 博bo 国guo 坤kun 娜na 娟juan 婷ting 宁ning 宇yu "
    "小xiao 岩yan 峰feng 帅shuai 帆fan 平ping 建jian 强qiang 彬bin 志zhi 想xiang 慧hui "
    "成cheng 敏min "
    "文wen 斌bin 旭xu 明ming 春chun 晨chen 晶jing 杨yang 杰jie 林lin 柳liu 桂gui 梅mei 楠nan "
    "欢huan 欣xin 波bo 洁jie 洋yang 浩hao 海hai 涛tao 淑shu 燕yan 玉yu 玲ling 珍zhen 琳lin "
    "琴qin 瑜yu 瑞rui 璐lu 畅chang 磊lei 秀xiu 红hong 艳yan 芝zhi 花hua 芳fang 英ying 荣rong "
    "莉li 莹ying 萍ping 超chao 辉hui 金jin 鑫xin 阳yang 雪xue 雷lei 霞xia 静jing 颖ying 飞fei "
    "香xiang 鹏peng 龙long"
)
_PINYIN_SURNAMES = {pair[0]: pair[1:] for pair in _SURNAME_PINYIN.split()}
_PINYIN_GIVEN = {pair[0]: pair[1:] for pair in _GIVEN_PINYIN.split()}
_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})
_SPECIAL = str.maketrans(
    {
        "ß": "ss",
        "ø": "o",
        "Ø": "O",
        "æ": "ae",
        "Æ": "Ae",
        "œ": "oe",
        "Œ": "Oe",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ı": "i",
    }
)


@dataclass
class Person:
    """An employee as the generator sees them: the row plus what later steps need to know."""

    employee: Employee
    office: Office
    department: Department
    #: the email local part of a notable user, else None.
    handle: str | None = None
    #: last working day of a leaver (the row is inactive); no activity after it.
    leaves: date | None = None


def is_han(text: str) -> bool:
    return any("CJK UNIFIED IDEOGRAPH" in unicodedata.name(ch, "") for ch in text)


def ascii_part(text: str, *, german: bool = False) -> str:
    """``Müller`` -> ``mueller`` (German) or ``muller``; accents and punctuation dropped."""
    if german:
        text = text.translate(_GERMAN)
    text = unicodedata.normalize("NFKD", text.translate(_SPECIAL))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[^a-z]", "", text.lower())


def email_local_part(first: str, last: str, locale: str) -> str | None:
    """``firstname.lastname`` in ASCII, or None when the name cannot be spelled in ASCII here."""
    if is_han(first + last):
        surname = _PINYIN_SURNAMES.get(last)
        given = [_PINYIN_GIVEN.get(ch) for ch in first]
        if surname is None or not given or any(g is None for g in given):
            return None
        return f"{surname}.{''.join(g for g in given if g)}"
    german = locale == "de_DE"
    # Spanish double surnames and hyphenated ones: the first surname, as people write it.
    main_last = re.split(r"[ -]", last)[0] if locale == "es_ES" else last.split("-")[0]
    local_first, local_last = ascii_part(first, german=german), ascii_part(main_last, german=german)
    if not local_first or not local_last:
        return None
    return f"{local_first}.{local_last}"


def _weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _name(fake: Any, rng: random.Random, locale: str) -> tuple[str, str, str]:
    """(display name, first name, last name) in the locale's own script and order."""
    gen = fake[locale]
    first, last = str(gen.first_name()), str(gen.last_name())
    if locale == "zh_CN":
        return f"{last}{first}", first, last
    if locale == "es_ES":
        second = str(gen.last_name())
        if second != last:
            roll = rng.random()
            if roll < 0.35:
                last = f"{last} {second}"
            elif roll < 0.5:
                last = f"{last}-{second}"
    return f"{first} {last}", first, last


def build_people(rng: random.Random, fake: Any, count: int, today: date) -> list[Person]:
    """Notable users first (employee numbers E1001...), then generated staff; not yet added."""
    people: list[Person] = []
    used: dict[str, int] = {}

    def unique(local: str) -> str:
        used[local] = used.get(local, 0) + 1
        return local if used[local] == 1 else f"{local}{used[local]}"

    def employee(number: int, name: str, local: str, office: Office, dept: Department) -> Employee:
        return Employee(
            public_id=f"emp_{rng.getrandbits(64):016x}",
            employee_number=f"E{number}",
            email=f"{local}@{EMAIL_DOMAIN}",
            name=name,
            department=dept.name,
            cost_centre=dept.cost_centre,
            office=office.name,
            country=office.country,
            active=True,
            leaderboard_opt_in=rng.random() < 0.45,
        )

    for name, local, office_name, dept_name, role in NOTABLES:
        office, dept = OFFICE_BY_NAME[office_name], DEPARTMENT_BY_NAME[dept_name]
        emp = employee(1001 + len(people), name, unique(local), office, dept)
        if role is not None:
            emp.roles = [EmployeeRole(role=role)]
        emp.leaderboard_opt_in = local in ON_LEADERBOARD
        people.append(Person(emp, office, dept, handle=local))

    office_weights = [o.share for o in OFFICES]
    generated = count - len(people)
    for i in range(generated):
        if i < len(DEPARTMENTS):  # every department staffed, whatever the headcount
            dept = DEPARTMENTS[i]
            office = rng.choices(OFFICES, weights=dept.office_weights)[0]
        else:
            office = rng.choices(OFFICES, weights=office_weights)[0]
            idx = OFFICES.index(office)
            dept = rng.choices(DEPARTMENTS, weights=[d.office_weights[idx] for d in DEPARTMENTS])[0]
        locale = _weighted(rng, office.locales)
        display, first, last = _name(fake, rng, locale)
        number = 1001 + len(people)
        local = email_local_part(first, last, locale) or f"e{number}"
        people.append(Person(employee(number, display, unique(local), office, dept), office, dept))

    # A few leavers: inactive, deactivated some months ago, no travel after their last day.
    for person in rng.sample(people[len(NOTABLES) :], 3):
        person.leaves = today - timedelta(days=rng.randint(20, 240))
        person.employee.active = False
        person.employee.deactivated_at = datetime.combine(person.leaves, time(17, 30), tzinfo=UTC)
    return people


def assign_managers(rng: random.Random, people: list[Person]) -> None:
    """Department heads, a lead per office team of five or more; needs flushed employee ids."""
    for dept in DEPARTMENTS:
        members = [p for p in people if p.department is dept and p.leaves is None]
        if not members:
            continue
        head = members[0] if members[0].handle else rng.choice(members)
        for office in OFFICES:
            team = [p for p in members if p.office is office and p is not head]
            if not team:
                continue
            lead = head
            if len(team) >= 5 and head.office is not office:
                lead = team[0]
                lead.employee.manager_id = head.employee.id
                team = team[1:]
            for person in team:
                person.employee.manager_id = lead.employee.id
        # leavers keep the manager they had
        for person in people:
            if person.department is dept and person.leaves is not None:
                person.employee.manager_id = head.employee.id


#: travel-policy grades, senior first, and the share of staff holding each; everyone else
#: is "staff". Lower-case ids as an HR system exports them, shown as they are.
GRADE_SHARES: tuple[tuple[str, float], ...] = (
    ("executive", 0.04),
    ("director", 0.10),
    ("manager", 0.30),
)
STAFF_GRADE = "staff"


def assign_grades(people: list[Person]) -> None:
    """Department heads first, then team leads, then everyone else in an order fixed by their
    employee number fill the grades from the top: heads are executives, leads directors or
    managers. Needs ``assign_managers`` first; draws nothing from the demo's random stream,
    so the trips and commutes it generates stay as they were."""
    managing = {p.employee.manager_id for p in people} - {None}
    heads = [p for p in people if p.employee.id in managing and p.employee.manager_id is None]
    leads = [p for p in people if p.employee.id in managing and p.employee.manager_id is not None]
    others = sorted(
        (p for p in people if p.employee.id not in managing),
        key=lambda p: hashlib.sha256(f"grade:{p.employee.employee_number}".encode()).digest(),
    )
    quotas: list[tuple[str, int]] = []
    total = 0.0
    for grade, share in GRADE_SHARES:
        total += share
        quotas.append((grade, round(total * len(people))))
    for rank, person in enumerate([*heads, *leads, *others]):
        person.employee.grade = next((g for g, upto in quotas if rank < upto), STAFF_GRADE)
