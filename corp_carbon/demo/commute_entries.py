"""Commutes the demo's employees logged on their commute page this month, a few with an
evidence photo, so the page opens on realistic entries (made through the real service:
assessed, credited, capped)."""

from __future__ import annotations

import io
import random
from datetime import timedelta

import sqlalchemy as sa
from PIL import Image, ImageDraw

from corp_carbon.config import Settings
from corp_carbon.db.models import Activity, CommuteProfile, Employee
from corp_carbon.db.session import SessionFactory, UnitOfWork
from corp_carbon.domain.commute_log import (
    COMMUTE_MODES,
    CommuteInputError,
    CommuteRefused,
    CommuteRequest,
    office_weekdays,
    week_of,
    window_start,
)
from corp_carbon.domain.people import Actor
from corp_carbon.domain.vocabulary import ActivityKind
from corp_carbon.services.commutes import entries, profiles

#: how many employees log (the development login's people first).
LOGGERS = 14
DEMO = Actor(label="demo")


def log_this_month(
    factory: SessionFactory, settings: Settings, emails: list[str], *, seed: int
) -> int:
    """Logs the office days of the open correction window (up to yesterday) for some
    employees with a commute profile; every third one with a photo of a ticket. Returns how
    many trips were logged."""
    rng = random.Random(seed)
    today = entries.today()
    first = window_start(today, settings.commute.correction_window_days)
    with UnitOfWork(factory) as uow:
        people = uow.session.execute(
            sa.select(Employee.id, Employee.email)
            .where(
                Employee.active.is_(True),
                sa.exists().where(CommuteProfile.employee_id == Employee.id),
            )
            .order_by(Employee.id)
        ).all()
        latest = {
            employee_id: (email, profile)
            for employee_id, email in people
            if (profile := profiles.current(uow.session, employee_id, today)) is not None
        }
        busy = {
            (employee, day)
            for employee, day in uow.session.execute(
                sa.select(Activity.employee_id, Activity.travel_date).where(
                    Activity.kind == ActivityKind.COMMUTE, Activity.travel_date >= first
                )
            )
        }
    order = sorted(latest, key=lambda e: (latest[e][0] not in emails, e))[:LOGGERS]
    logged = 0
    for index, employee_id in enumerate(order):
        profile = latest[employee_id][1]
        if profile.usual_mode not in COMMUTE_MODES or profile.one_way_km <= 0:
            continue
        weekdays = office_weekdays(profile.office_days_per_week or 3)
        photo = _ticket(rng, index) if index % 3 == 0 else None
        monday = week_of(first)
        while monday <= today:
            days = tuple(
                monday + timedelta(days=n)
                for n in weekdays
                if first <= monday + timedelta(days=n) < today
                and (employee_id, monday + timedelta(days=n)) not in busy
                and rng.random() > 0.15
            )
            monday += timedelta(days=7)
            if not days:
                continue
            try:
                done = entries.log_commutes(
                    UnitOfWork(factory), settings, DEMO,
                    employee_id=employee_id,
                    request=CommuteRequest(days, profile.usual_mode, profile.one_way_km, 2),
                    request_key=f"demo-{employee_id}-{days[0].isoformat()}",
                    today=today, photo=photo,
                )  # fmt: skip
            except (CommuteRefused, CommuteInputError):
                continue  # a day the demo's history already holds, or a cap: as in real life
            logged += len(done.trips)
    return logged


def _ticket(rng: random.Random, index: int) -> bytes:
    """A small picture of a transit ticket."""
    picture = Image.new("RGB", (480, 300), (rng.randint(200, 240), 235, rng.randint(200, 240)))
    draw = ImageDraw.Draw(picture)
    draw.rectangle((20, 20, 460, 280), outline=(31, 122, 77), width=6)
    draw.text((40, 40), "MONTHLY PASS", fill=(29, 42, 36))
    draw.text((40, 80), f"No. {100000 + index * 7919}", fill=(29, 42, 36))
    draw.rectangle((40, 200, 440, 240), fill=(31, 122, 77))
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=80)
    return out.getvalue()
