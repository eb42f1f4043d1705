"""A train's class on the trip list and the trip page, in words, in English and Chinese: a
train's first is "First class" (一等座), a flight's stays "First" (头等舱)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from flask.testing import FlaskClient

from corp_carbon.config import Settings
from corp_carbon.db.models import Activity
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.people import EmployeeProfile
from corp_carbon.domain.vocabulary import (
    ActivityKind,
    Cabin,
    DistanceSource,
    Mode,
    Verification,
)
from corp_carbon.services.scoring.assessments import assess_activities

TRAINS = {
    Cabin.STANDARD: ("Berlin Hbf", "Hamburg Hbf", "289.000"),
    Cabin.FIRST: ("London St Pancras", "Paris Gare du Nord", "492.000"),
    Cabin.SLEEPER: ("Shanghai Hongqiao", "Beijing South", "1318.000"),
}


def _trip(employee_id: int, day: date, **fields: object) -> Activity:
    return Activity(
        employee_id=employee_id,
        travel_date=day,
        kind=ActivityKind.BUSINESS_TRAVEL,
        distance_source=DistanceSource.GIVEN,
        verification=Verification.SELF_REPORTED,
        **fields,
    )


@pytest.fixture
def trips(
    uow: UnitOfWork, settings: Settings, create_employee: Callable[..., EmployeeProfile]
) -> dict[str, int]:
    """A train in each class, one without a class, and a first-class flight."""
    me = create_employee()
    ids = {"me": me.id}
    with uow:
        for n, (cabin, (origin, destination, km)) in enumerate(TRAINS.items()):
            train = _trip(
                me.id, date(2025, 5, 1 + n), mode=Mode.RAIL, cabin=cabin, origin=origin,
                destination=destination, distance_km=Decimal(km),
            )  # fmt: skip
            uow.session.add(train)
            uow.session.flush()
            ids[cabin.value] = train.id
        uow.session.add(
            _trip(
                me.id, date(2025, 5, 9), mode=Mode.RAIL, origin="München Hbf",
                destination="Berlin Hbf", distance_km=Decimal("623.000"),
            )
        )  # fmt: skip
        flight = _trip(
            me.id, date(2025, 5, 10), mode=Mode.AIR, cabin=Cabin.FIRST, origin="LHR",
            destination="JFK", distance_km=Decimal("5555.000"),
        )  # fmt: skip
        uow.session.add(flight)
        uow.session.flush()
        ids["flight"] = flight.id
        uow.commit()
    assess_activities(uow, settings)
    return ids


def _text(page: str) -> str:
    main = page[page.index("<main") :]
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main)))


def _lead(page: str) -> str:
    """The line under the trip page's title: date, kind, class, service, status."""
    found = re.search(r'<p class="lead">(.*?)</p>', page, flags=re.S)
    assert found is not None
    return _text("<main>" + found.group(1))


def test_the_trip_list_says_each_trains_class_in_words(
    client: FlaskClient, log_in_as: Callable[..., None], trips: dict[str, int]
) -> None:
    log_in_as(client, trips["me"])
    text = _text(client.get("/trips?kind=business_travel").get_data(as_text=True))
    assert "Business travel · Standard class" in text
    assert "Business travel · First class" in text
    assert "Business travel · Sleeper berth" in text
    assert re.search(r"Business travel · First(?! class)", text)  # the flight's cabin
    assert text.count("First class") == 1  # the flight is not "First class"
    assert "standard" not in text and "sleeper" not in text  # no stored codes


@pytest.mark.parametrize(
    ("trip", "english", "chinese"),
    [
        ("standard", "Standard class", "二等座"),
        ("first", "First class", "一等座"),
        ("sleeper", "Sleeper berth", "卧铺"),
        ("flight", "First", "头等舱"),
    ],
)
def test_the_trip_page_says_the_class_in_english_and_chinese(
    client: FlaskClient,
    log_in_as: Callable[..., None],
    trips: dict[str, int],
    trip: str,
    english: str,
    chinese: str,
) -> None:
    log_in_as(client, trips["me"])
    lead = _lead(client.get(f"/trips/{trips[trip]}").get_data(as_text=True))
    assert f"· {english} " in f"{lead} "
    lead_zh = _lead(client.get(f"/trips/{trips[trip]}?lang=zh-CN").get_data(as_text=True))
    assert chinese in lead_zh and english not in lead_zh


def test_an_import_problem_with_a_trains_class_is_said_in_chinese(app: object) -> None:
    from flask import Flask

    from connectors.fields import FieldError, rail_class
    from corp_carbon.web.admin.problem_words import problem_words

    assert isinstance(app, Flask)
    with pytest.raises(FieldError) as raised:
        rail_class("Großraum")
    with app.test_request_context("/?lang=zh-CN"):
        assert problem_words(str(raised.value)).text == "未知的火车座席（二等座、一等座或卧铺）"
