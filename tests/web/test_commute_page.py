"""The commute page: set the profile (history kept), log a day and a week with the profile's
prefill, see refusals named in words, correct an entry, evidence photos stripped of GPS."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from PIL import Image

from corp_carbon.config import Settings
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.commute_log import window_start
from corp_carbon.domain.people import EmployeeProfile
from corp_carbon.services.commutes.entries import today
from corp_carbon.services.ledger import postings as ledger
from tests.support import csrf_in

PROFILE = {"usual_mode": "bike", "one_way_km": "6.5", "office_days_per_week": "3"}


def _post(client: FlaskClient, url: str, data: dict[str, object]) -> str:
    page = client.get("/commute").get_data(as_text=True)
    form = {"csrf_token": csrf_in(page), **data}
    if "request_key" not in form:
        form["request_key"] = re.search(r'name="request_key" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    response = client.post(
        url, data=form, follow_redirects=True, content_type="multipart/form-data"
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def _me(client: FlaskClient) -> int:
    return int(client.get("/api/v1/me").get_json()["id"])


@pytest.fixture
def ana(employee: FlaskClient) -> FlaskClient:
    _post(employee, "/commute/profile", PROFILE)
    return employee


def test_the_profile_is_saved_with_history_and_prefills_the_forms(employee: FlaskClient) -> None:
    page = employee.get("/commute").get_data(as_text=True)
    assert "Set up my commute profile" in page
    page = _post(employee, "/commute/profile", {**PROFILE, "baseline_mode": "car"})
    assert "Your commute profile is saved" in page
    assert "Profile history" in page
    # the log forms are prefilled from the profile
    assert 'value="6.5"' in page
    assert '<option value="bike" selected>' in page
    # three office days a week: Monday to Wednesday are ticked where already past
    monday = today() - timedelta(days=today().weekday())
    ticked = re.findall(r'name="weekday" value="(\d)" checked', page)
    assert ticked == [str(n) for n in range(3) if monday + timedelta(days=n) <= today()]


def test_bad_profile_input_names_the_field_in_words(employee: FlaskClient) -> None:
    page = _post(employee, "/commute/profile", {**PROFILE, "one_way_km": "-3"})
    assert "One-way distance: give a distance above 0 and at most 300 km" in page
    assert 'aria-invalid="true"' in page


def test_log_a_day_shows_points_and_the_balance_follows(ana: FlaskClient, uow: UnitOfWork) -> None:
    page = _post(
        ana, "/commute/log",
        {"form": "day", "date": today().isoformat(), "mode": "bike", "distance_km": "6.5",
         "legs": "2"},
    )  # fmt: skip
    assert "Logged 2 trips" in page
    assert "driving alone in an average car" in page
    with uow:
        assert ledger.balance(uow.session, _me(ana)) > 0


def test_log_a_week_logs_each_ticked_day(ana: FlaskClient) -> None:
    now = today()
    monday = now - timedelta(days=now.weekday()) - timedelta(days=7)  # last week: all past
    page = _post(
        ana, "/commute/log",
        {"form": "week", "week": monday.isoformat(), "weekday": ["0", "2"], "mode": "bus",
         "distance_km": "4", "legs": "1"},
    )  # fmt: skip
    if monday < window_start(now, 7):  # early in a month: last week may be closed already
        assert "too long ago" in page
        return
    assert "Logged 2 trips" in page
    assert page.count("Bus, 4.0 km") == 2


def test_a_refused_entry_names_the_rule_and_stores_nothing(ana: FlaskClient) -> None:
    tomorrow = (today() + timedelta(days=1)).isoformat()
    page = _post(
        ana, "/commute/log",
        {"form": "day", "date": tomorrow, "mode": "bike", "distance_km": "6.5", "legs": "2"},
    )  # fmt: skip
    assert "Not logged." in page
    assert "commutes can be logged up to today" in page
    assert "Nothing logged yet this month" in page


def test_delete_gives_the_points_back(ana: FlaskClient, uow: UnitOfWork) -> None:
    _post(
        ana, "/commute/log",
        {"form": "day", "date": today().isoformat(), "mode": "bike", "distance_km": "6.5",
         "legs": "1"},
    )  # fmt: skip
    page = ana.get("/commute").get_data(as_text=True)
    trip = re.search(r"/commute/trips/(\d+)/delete", page).group(1)  # type: ignore[union-attr]
    page = _post(ana, f"/commute/trips/{trip}/delete", {})
    assert "the points it earned were given back" in page
    assert "Deleted" in page
    with uow:
        assert ledger.balance(uow.session, _me(ana)) == 0
    points = ana.get("/points").get_data(as_text=True)
    assert "Trip cancelled, points given back" in points


def test_replace_swaps_the_trip_and_its_points(ana: FlaskClient, uow: UnitOfWork) -> None:
    _post(
        ana, "/commute/log",
        {"form": "day", "date": today().isoformat(), "mode": "bike", "distance_km": "6.5",
         "legs": "2"},
    )  # fmt: skip
    page = ana.get("/commute").get_data(as_text=True)
    back = re.findall(r"/commute/trips/(\d+)/replace", page)[1]  # the trip back
    page = _post(ana, f"/commute/trips/{back}/replace", {"mode": "walk", "distance_km": "2"})
    assert "Replaced: the trip now earns" in page
    assert "Bicycle, 6.5 km there; Walk, 2.0 km back" in page


def test_a_photo_with_gps_is_stored_without_it_and_shown_only_to_its_owner(
    ana: FlaskClient,
    settings: Settings,
    create_employee: Callable[..., EmployeeProfile],
    log_in_as: Callable[..., None],
) -> None:
    page = _post(
        ana, "/commute/log",
        {"form": "day", "date": today().isoformat(), "mode": "bike", "distance_km": "6.5",
         "legs": "2", "photo": (io.BytesIO(_jpeg_with_gps()), "ticket.jpg")},
    )  # fmt: skip
    assert "Logged 2 trips" in page
    assert "Evidence attached" in page
    stored = list(Path(settings.commute_evidence_dir).glob("*.jpg"))
    assert len(stored) == 1
    with Image.open(stored[0]) as kept:
        assert not kept.getexif()
        assert "exif" not in kept.info
    link = re.search(r'href="(/commute/photos/[0-9a-f]+\.jpg)"', page).group(1)  # type: ignore[union-attr]
    response = ana.get(link)
    assert response.status_code == 200
    assert response.mimetype == "image/jpeg"
    response.close()
    log_in_as(ana, create_employee(email="ben@example.com", name="Ben").id)
    assert ana.get(link).status_code == 404


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"not an image at all", "this is not a photo we accept"),
        (b"\xff" * (9 * 1024 * 1024), "the photo is 9.0 MB; photos of at most 8 MB are accepted"),
    ],
)
def test_a_bad_photo_is_refused_naming_the_field(ana: FlaskClient, data: bytes, words: str) -> None:
    page = _post(
        ana, "/commute/log",
        {"form": "day", "date": today().isoformat(), "mode": "bike", "distance_km": "6.5",
         "legs": "2", "photo": (io.BytesIO(data), "x.jpg")},
    )  # fmt: skip
    assert f"Evidence photo: {words}" in page
    assert "Nothing logged yet this month" in page


def test_a_heic_photo_is_accepted(ana: FlaskClient) -> None:
    import pillow_heif

    pillow_heif.register_heif_opener()
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 160, 90)).save(out, format="HEIF")
    response = ana.post(
        "/api/v1/me/commute-evidence",
        data={"photo": (io.BytesIO(out.getvalue()), "IMG_0001.HEIC")},
        headers={"X-CSRFToken": csrf_in(ana.get("/commute").get_data(as_text=True))},
    )
    assert response.status_code == 201, response.get_data(as_text=True)


def test_the_page_speaks_chinese(ana: FlaskClient) -> None:
    page = ana.get("/commute?lang=zh-CN").get_data(as_text=True)
    assert "记录通勤" in page
    assert "通勤档案" in page
    assert "Log a commute" not in page


def _jpeg_with_gps() -> bytes:
    picture = Image.new("RGB", (120, 90), (200, 80, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (51.0, 30.0, 0.0)
    gps[3] = "W"
    gps[4] = (0.0, 7.0, 0.0)
    out = io.BytesIO()
    picture.save(out, format="JPEG", exif=exif)
    data = out.getvalue()
    with Image.open(io.BytesIO(data)) as check:
        assert check.getexif().get_ifd(0x8825)  # the fixture really carries a position
    return data
