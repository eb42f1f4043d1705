"""/trips and /trips/<id> as an employee reads them: filters that filter, a truthful pager,
routes and statuses in words, and the trail in plain words (codes only under Technical
details), in English and in Chinese."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from corp_carbon.config import Settings
from corp_carbon.db.models import Activity
from corp_carbon.db.models import Assessment as AssessmentRow
from corp_carbon.db.queries import activities_for
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.people import EmployeeProfile
from corp_carbon.domain.vocabulary import (
    ActivityKind,
    ActivityStatus,
    Cabin,
    DistanceSource,
    Mode,
    Verification,
)
from corp_carbon.services.scoring import trails
from corp_carbon.services.scoring.assessments import assess_activities

TRIP_LINK = re.compile(r'href="/trips/(\d+)"')
#: an internal key: dotted lower-case words such as air.long_haul.economy.rf or hotel.IE
INTERNAL_KEY = re.compile(r"\b[a-z_]+\.[a-z_]+\.[a-z_.]+\b|\bhotel\.[A-Z]{2}\b")


def _activity(employee_id: int, day: date, **fields: object) -> Activity:
    values: dict[str, object] = {
        "kind": ActivityKind.COMMUTE,
        "mode": Mode.BIKE,
        "origin": "Home",
        "destination": "Office",
        "distance_km": Decimal("6.000"),
        "distance_source": DistanceSource.DECLARED,
        "verification": Verification.SELF_REPORTED,
    }
    values.update(fields)
    return Activity(employee_id=employee_id, travel_date=day, **values)


@pytest.fixture
def trips(
    uow: UnitOfWork, settings: Settings, create_employee: Callable[..., EmployeeProfile]
) -> dict[str, int]:
    """One employee: 30 bike commutes in March 2025, two bus commutes this month, a long-haul
    economy flight (compared with business class), a flight reported twice, a rail trip with
    only its arrival known; and a colleague with a trip of their own."""
    me, other = create_employee(), create_employee()
    ids: dict[str, int] = {"me": me.id, "other": other.id}
    with uow:
        s = uow.session
        for n in range(30):
            s.add(_activity(me.id, date(2025, 3, 1) + timedelta(days=n)))
        today = date.today()
        for _ in range(2):
            s.add(_activity(me.id, today.replace(day=1), mode=Mode.BUS))
        flight = _activity(
            me.id, date(2025, 6, 2), kind=ActivityKind.BUSINESS_TRAVEL, mode=Mode.AIR,
            cabin=Cabin.ECONOMY, origin="LHR", destination="JFK", distance_km=None,
            distance_source=None, verification=Verification.SELF_REPORTED,
        )  # fmt: skip
        s.add(flight)
        s.flush()
        s.add(
            _activity(
                me.id, date(2025, 6, 2), kind=ActivityKind.BUSINESS_TRAVEL, mode=Mode.AIR,
                cabin=Cabin.ECONOMY, origin="LHR", destination="JFK", distance_km=None,
                distance_source=None, status=ActivityStatus.DUPLICATE,
                duplicate_of_id=flight.id, verification=Verification.SELF_REPORTED,
            )
        )  # fmt: skip
        s.add(
            _activity(
                me.id, date(2025, 7, 1), kind=ActivityKind.BUSINESS_TRAVEL, mode=Mode.RAIL,
                origin=None, destination="Dublin", distance_km=Decimal("150.000"),
                distance_source=DistanceSource.GIVEN, verification=Verification.SELF_REPORTED,
            )
        )  # fmt: skip
        s.add(_activity(other.id, date(2025, 3, 3), origin="Elsewhere"))
        uow.commit()
        ids["flight"] = flight.id
    assess_activities(uow, settings)
    return ids


def _ids(page: str) -> list[int]:
    return [int(i) for i in TRIP_LINK.findall(page)]


def _text(page: str) -> str:
    """What a person reads: the tags and the technical-details disclosure removed."""
    main = page[page.index("<main") :]
    main = re.sub(r'<details class="technical">.*?</details>', " ", main, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main)))


def test_each_filter_filters_and_the_count_matches_the_list(
    client: FlaskClient, log_in_as: Callable[..., None], trips: dict[str, int]
) -> None:
    log_in_as(client, trips["me"])
    cases = {
        "": 35,
        "?mode=bike": 30,
        "?mode=bus": 2,
        "?mode=air": 2,
        "?kind=business_travel": 3,
        "?kind=commute": 32,
        "?period=custom&from=2025-03-10&to=2025-03-14": 5,
        "?from=2025-03-29": 7,  # dates alone: between two dates (29-30 March, June, July, now)
        "?period=this-month": 2,
        "?period=this-month&mode=bike": 0,
        "?kind=business_travel&mode=air&period=custom&to=2025-06-30": 2,
    }
    for query, expected in cases.items():
        page = client.get(f"/trips{query}").get_data(as_text=True)
        heading = re.search(r'<h2 id="trips-title">([^<]*)</h2>', page)
        assert heading is not None, query
        assert re.search(rf"\b{expected} trips?\b", heading.group(1)), (query, heading.group(1))
        assert len(set(_ids(page))) == min(expected, 25), query
        if expected == 0:
            assert "No trips match these filters" in page
            assert "No trips recorded for you yet" not in page


def test_filters_stay_in_the_pager_links_and_hold_on_every_page(
    client: FlaskClient, log_in_as: Callable[..., None], trips: dict[str, int]
) -> None:
    log_in_as(client, trips["me"])
    first = client.get("/trips?mode=bike&kind=commute").get_data(as_text=True)
    assert "30 trips" in first and "Page 1 of 2" in first
    link = re.search(r'<a href="(/trips\?[^"]*page=2[^"]*)"', first)
    assert link is not None
    href = html.unescape(link.group(1))
    assert "mode=bike" in href and "kind=commute" in href
    second = client.get(href).get_data(as_text=True)
    assert len(set(_ids(second))) == 5
    assert not set(_ids(first)) & set(_ids(second))


def test_a_page_past_the_end_says_so_and_links_to_the_last_page(
    client: FlaskClient, log_in_as: Callable[..., None], trips: dict[str, int]
) -> None:
    log_in_as(client, trips["me"])
    page = client.get("/trips?mode=bike&page=9").get_data(as_text=True)
    assert "There is no page 9" in page
    assert "No trips recorded for you yet" not in page
    assert _ids(page) == []
    last = re.search(r'<a href="(/trips\?[^"]*)">Go to the last page \(2\)</a>', page)
    assert last is not None
    assert "mode=bike" in html.unescape(last.group(1))


def test_a_value_the_form_cannot_send_is_named_and_the_rest_still_filters(
    client: FlaskClient, log_in_as: Callable[..., None], trips: dict[str, int]
) -> None:
    log_in_as(client, trips["me"])
    page = client.get("/trips?mode=plane&kind=commute&period=custom&from=2025-02-31")
    text = _text(page.get_data(as_text=True))
    assert page.status_code == 200
    assert "Mode: “plane” is not one of the choices." in text
    assert "From: “2025-02-31” is not a date" in text
    assert "32 trips" in text


def test_routes_and_statuses_in_words_and_only_my_own_trips(
    client: FlaskClient, log_in_as: Callable[..., None], trips: dict[str, int]
) -> None:
    log_in_as(client, trips["me"])
    text = _text(client.get("/trips?kind=business_travel").get_data(as_text=True))
    assert "Rail to Dublin (arrival only)" in text
    assert "?" not in text.replace("Why", "")
    assert "Reported twice: counted once" in text
    assert "duplicate" not in text.lower()
    assert "Flight: London Heathrow (LHR) → John F Kennedy (JFK)" in text and "Economy" in text
    assert "Business class" in text  # what the flight was compared with
    everything = client.get("/trips").get_data(as_text=True)
    assert "Elsewhere" not in everything


def test_the_trail_is_in_words_and_codes_stay_in_technical_details(
    client: FlaskClient, log_in_as: Callable[..., None], trips: dict[str, int]
) -> None:
    log_in_as(client, trips["me"])
    page = client.get(f"/trips/{trips['flight']}").get_data(as_text=True)
    text = _text(page)
    assert not INTERNAL_KEY.search(text), INTERNAL_KEY.search(text)
    assert re.search(r"\(ID \d+_\d+_\d+_\d+_\d+\)", text)  # the publisher's factor ID
    assert "DESNZ" in text and "Department for Energy Security and Net Zero" in text
    assert "Greenhouse gas reporting: conversion factors" in text  # the set's title
    assert "Compared with business class" in text
    assert (
        "secondary copy" not in text and "flat file" not in text and "licence" not in text.lower()
    )
    details = re.search(r'<details class="technical">(.*?)</details>', page, flags=re.S)
    assert details is not None and "Technical details" in details.group(1)
    assert re.search(
        r"<code>air\.long_haul\.economy(\.rf)?</code></dt><dd>Flights", details.group(1)
    )


def test_someone_elses_trip_is_404(
    client: FlaskClient, log_in_as: Callable[..., None], trips: dict[str, int]
) -> None:
    log_in_as(client, trips["other"])
    assert client.get(f"/trips/{trips['flight']}").status_code == 404


def test_the_chinese_trip_page_has_no_english_sentence_of_the_trail(
    app: object,
    client: FlaskClient,
    uow: UnitOfWork,
    settings: Settings,
    log_in_as: Callable[..., None],
    trips: dict[str, int],
) -> None:
    log_in_as(client, trips["me"])
    page = client.get(f"/trips/{trips['flight']}?lang=zh-CN").get_data(as_text=True)
    text = _text(page)
    assert '<html lang="zh-CN">' in page
    with uow:
        found = activities_for(uow.session, trips["me"], limit=1, activity_id=trips["flight"])
        (trip,) = trails.complete(uow.session, settings, found)
    english = [str(step["text"]) for step in trip.explanation]
    assert len(english) >= 6
    for sentence in english:
        assert sentence not in text, sentence
    for words in ("Compared with", "Distance", "points", "Haul", "Avoided", "Factor", "policy"):
        assert words not in text, words
    assert "公务舱" in text and re.search(r"DESNZ 20\d\d", text)
    listing = _text(client.get("/trips?kind=business_travel&lang=zh-CN").get_data(as_text=True))
    for words in ("Compared with", "less than", "points", "arrival only", "Reported twice"):
        assert words not in listing, words


def test_the_list_stays_one_query_per_page_worth(
    client: FlaskClient, uow: UnitOfWork, log_in_as: Callable[..., None], trips: dict[str, int]
) -> None:
    """The count and the list ask the database the same question."""
    log_in_as(client, trips["me"])
    with uow:
        stored = uow.session.scalar(
            sa.select(sa.func.count())
            .select_from(Activity)
            .where(Activity.employee_id == trips["me"], Activity.mode == Mode.BIKE)
        )
    page = client.get("/trips?mode=bike").get_data(as_text=True)
    assert f"{stored} trips" in page


def test_a_trail_stored_before_phrases_is_rebuilt_and_translated(
    client: FlaskClient, uow: UnitOfWork, log_in_as: Callable[..., None], trips: dict[str, int]
) -> None:
    _change(
        uow,
        sa.update(AssessmentRow)
        .where(AssessmentRow.activity_id == trips["flight"])
        .values(explanation=[{"step": "summary", "text": "OLD ENGLISH SUMMARY"}]),
    )
    log_in_as(client, trips["me"])
    page = _text(client.get(f"/trips/{trips['flight']}?lang=zh-CN").get_data(as_text=True))
    assert "OLD ENGLISH SUMMARY" not in page
    assert "与差旅政策允许的公务舱相比" in page


def test_what_the_product_guessed_is_said_once_with_how_to_fix_it(
    client: FlaskClient, uow: UnitOfWork, log_in_as: Callable[..., None], trips: dict[str, int]
) -> None:
    _change(
        uow,
        sa.update(Activity)
        .where(Activity.id == trips["flight"])
        .values(
            distance_source=DistanceSource.ESTIMATED,
            note="cabin class missing: economy assumed; some connector remark",
        ),
    )
    log_in_as(client, trips["me"])
    page = client.get(f"/trips/{trips['flight']}").get_data(as_text=True)
    text = _text(page)
    assert text.count("What we assumed") == 1
    assert "we estimated it from the places on the ticket" in text
    assert "did not say the cabin class, so we assumed economy" in text
    assert text.count("ask your travel team to correct the booking") == 2
    assert "cabin class missing" not in text and "some connector remark" not in text
    assert "some connector remark" in page  # kept, under Technical details
    chinese = _text(client.get(f"/trips/{trips['flight']}?lang=zh-CN").get_data(as_text=True))
    assert "我们做了哪些假设" in chinese and "经济舱" in chinese


def test_a_place_the_booking_named_but_no_list_knows_is_a_guess_to_check(
    client: FlaskClient, uow: UnitOfWork, log_in_as: Callable[..., None], trips: dict[str, int]
) -> None:
    _change(
        uow,
        sa.update(Activity)
        .where(Activity.id == trips["flight"])
        .values(note='place "O\'Hare Lakeside" not found'),
    )
    log_in_as(client, trips["me"])
    text = _text(client.get(f"/trips/{trips['flight']}").get_data(as_text=True))
    assert "We could not find “O'Hare Lakeside”, the place named on the booking" in text
    assert "ask your travel team to correct the booking" in text
    assert "not found" not in text  # said once, in words, not as the import wrote it
    chinese = _text(client.get(f"/trips/{trips['flight']}?lang=zh-CN").get_data(as_text=True))
    assert "O'Hare Lakeside" in chinese and "We could not find" not in chinese


def _change(uow: UnitOfWork, statement: sa.Executable) -> None:
    """Changes what is stored, as an import or an older version could have written it."""
    with uow:
        uow.session.execute(statement)
        uow.commit()


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_a_list_of_trips_stored_without_trails_reads_as_with_them(
    client: FlaskClient,
    uow: UnitOfWork,
    log_in_as: Callable[..., None],
    trips: dict[str, int],
    lang: str,
) -> None:
    """Bulk imports store no trail: the list rebuilds only the summary and the baseline it
    shows, and reads word for word as it does from the whole stored trails."""
    log_in_as(client, trips["me"])
    pages = ("/trips", "/trips?page=2", "/trips?kind=business_travel", "/")
    stored = [client.get(f"{p}{'&' if '?' in p else '?'}lang={lang}").get_data() for p in pages]
    _change(uow, sa.update(AssessmentRow).values(explanation=[]))
    rebuilt = [client.get(f"{p}{'&' if '?' in p else '?'}lang={lang}").get_data() for p in pages]
    assert [_without_csrf(page) for page in rebuilt] == [_without_csrf(page) for page in stored]
    assert b"Compared with" in stored[0] or lang != "en"


def _without_csrf(page: bytes) -> bytes:
    return re.sub(rb'name="csrf_token" value="[^"]*"', b"", page)
