"""The methodology page: only sustainability officers and administrators; the current version
in words, its history, and a change previewed over the last 12 months, then saved as a new
version with a reason; wrong fields named with the typed values kept and nothing stored."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from corp_carbon import create_app
from corp_carbon.catalogue import methodology_from_settings
from corp_carbon.config import Settings
from corp_carbon.db.models import (
    Activity,
    Assessment,
    AuditEvent,
    LedgerTransaction,
    MethodologyVersion,
)
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.methodology_form import form_values
from corp_carbon.domain.people import EmployeeProfile
from corp_carbon.domain.vocabulary import ActivityKind, Cabin, Mode, Verification
from corp_carbon.web.state import EXTENSION_KEY
from tests.conftest import make_settings
from tests.support import csrf_token

PAGE = "/admin/methodology"
CHANGE = "/admin/methodology/change"


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    """Every mode shown in the preview (groups of one traveller are not merged here)."""
    return make_settings(db_url, tmp_path, privacy={"min_group_size": 1})


@pytest.fixture
def people(create_employee: Callable[..., EmployeeProfile]) -> dict[str, int]:
    return {
        "officer": create_employee(
            email="olga@example.com", name="Olga Officer", roles=("sustainability",)
        ).id,
        "hr": create_employee(email="hana@example.com", name="Hana HR", roles=("hr",)).id,
        "employee": create_employee(email="eli@example.com", name="Eli Employee").id,
    }


@pytest.fixture
def officer(
    client: FlaskClient, people: dict[str, int], log_in_as: Callable[..., None]
) -> FlaskClient:
    log_in_as(client, people["officer"], "sustainability")
    return client


@pytest.fixture
def trips(uow: UnitOfWork, people: dict[str, int]) -> None:
    """A long-haul flight and a rail trip a month ago, within the preview's twelve months."""
    day = datetime.now(UTC).date() - timedelta(days=30)
    with uow:
        for mode, origin, destination, extra in (
            (Mode.AIR, "LHR", "JFK", {"cabin": Cabin.ECONOMY}),
            (Mode.RAIL, "London St Pancras", "Paris Gare du Nord", {}),
        ):
            uow.session.add(
                Activity(
                    employee_id=people["employee"], kind=ActivityKind.BUSINESS_TRAVEL,
                    mode=mode, origin=origin, destination=destination, travel_date=day,
                    verification=Verification.SELF_REPORTED, **extra,
                )
            )  # fmt: skip
        uow.commit()


def _form(settings: Settings, client: FlaskClient, **changed: str | list[str]) -> dict:
    values: dict = form_values(methodology_from_settings(settings))
    values.update(based_on="1", csrf_token=csrf_token(client, PAGE), action="preview")
    values.update(changed)
    if not values["radiative_forcing"]:
        del values["radiative_forcing"]  # an unticked box is not sent
    return values


def _text(page: str) -> str:
    """What a person reads: the page without its tags."""
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _versions(uow: UnitOfWork) -> list[tuple[int, str]]:
    with uow:
        rows = uow.session.scalars(sa.select(MethodologyVersion).order_by(MethodologyVersion.id))
        return [(r.version, r.origin) for r in rows]


def _counts(uow: UnitOfWork) -> tuple[int, ...]:
    with uow:
        return tuple(
            uow.session.scalar(sa.select(sa.func.count()).select_from(t)) or 0
            for t in (Activity, Assessment, MethodologyVersion, AuditEvent, LedgerTransaction)
        )


# --- who may use it ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["employee", "hr"])
def test_employees_and_hr_are_refused(
    client: FlaskClient,
    uow: UnitOfWork,
    people: dict[str, int],
    log_in_as: Callable[..., None],
    who: str,
) -> None:
    log_in_as(client, people[who], *(("hr",) if who == "hr" else ()))
    assert client.get(PAGE).status_code == 403
    token = csrf_token(client)
    refused = client.post(CHANGE, data={"csrf_token": token, "action": "save", "reason": "x"})
    assert refused.status_code == 403
    assert "Methodology" not in _text(client.get("/").get_data(as_text=True))
    assert all(origin == "configuration" for _, origin in _versions(uow))


@pytest.mark.parametrize("role", ["sustainability", "admin"])
def test_sustainability_and_admin_see_the_page_from_the_menu(
    client: FlaskClient, people: dict[str, int], log_in_as: Callable[..., None], role: str
) -> None:
    log_in_as(client, people["officer"], role)
    admin = client.get("/admin").get_data(as_text=True)  # the Admin link's page
    assert f'href="{PAGE}"' in admin
    assert client.get(PAGE).status_code == 200


def test_the_current_version_reads_in_words(officer: FlaskClient) -> None:
    text = _text(officer.get(PAGE).get_data(as_text=True))
    assert "Current version: 1" in text
    assert "taken from the configuration file" in text
    # the factor sets by title, publisher and year, never by id alone
    assert (
        "Greenhouse gas reporting: conversion factors 2024 (UK Department for Energy Security "
        "and Net Zero (DESNZ), 2024)"
    ) in text
    assert "Each trip is scored with the UK Department for Energy Security" in text
    assert "Radiative forcing (flights) On. Flights count their non-CO₂ effects" in text
    assert "between places 150 to 1,500 km apart (great circle)" in text
    assert "every traveller: business class, on long-haul flights and flights of 3,700 km" in text
    assert "driving an average car of unknown fuel" in text
    assert "Reference. A low-carbon commute" in text
    assert "1 point per gram of CO₂e avoided against the baseline" in text
    assert "At most 2 commute trips per employee and day earn points" in text
    assert "at most 60 self-reported trips per employee and month" in text
    # what a new version does to stored figures, stated on the page
    assert "Points already issued never change" in text
    assert "Trips imported from now on are scored" in text
    for code in ("by-year", "avoided_grams", "long_haul", "desnz-2024"):
        assert code not in text


# --- previewing and saving --------------------------------------------------------------------


def test_a_change_is_previewed_then_saved_as_the_next_version_with_its_reason(
    officer: FlaskClient,
    settings: Settings,
    uow: UnitOfWork,
    people: dict[str, int],
    trips: None,
) -> None:
    officer.get(PAGE)
    before = _counts(uow)
    shown = officer.post(CHANGE, data=_form(settings, officer, radiative_forcing=""))
    assert shown.status_code == 200
    assert _counts(uow) == before  # previewing writes nothing
    page = shown.get_data(as_text=True)
    text = _text(page)
    assert "Radiative forcing (flights): on → off" in text
    assert "Both columns score the same 2 confirmed trips again" in text
    flight = re.search(r"Emissions .*? Flight ([\d,.]+) ([\d,.]+) (-[\d,.]+)", text)
    assert flight is not None
    now, then, change = (Decimal(x.replace(",", "")) for x in flight.groups())
    # tonnes shown to the kg: without RF the flight is 0.06926 / 0.11704 of what it was
    # (DESNZ 2025, the newest set, long-haul economy, kg CO2e per passenger-km)
    assert abs(then - now * Decimal("0.06926") / Decimal("0.11704")) <= Decimal("0.001")
    assert abs(then - now - change) <= Decimal("0.001")
    assert "Save as version 2" in text
    previewed = re.search(r'name="previewed" value="([0-9a-f]+)"', page)
    assert previewed is not None

    saved = officer.post(
        CHANGE,
        data=_form(
            settings, officer, radiative_forcing="", action="save",
            previewed=previewed.group(1), reason="DESNZ guidance for our 2025 report",
        ),
    )  # fmt: skip
    assert saved.status_code == 302
    assert _versions(uow) == [(1, "configuration"), (2, "page")]
    text = _text(officer.get(PAGE).get_data(as_text=True))
    assert "Version 2 saved" in text
    assert "Current version: 2" in text
    assert "saved on this page by Olga Officer" in text
    assert "Reason: DESNZ guidance for our 2025 report" in text
    assert "Radiative forcing (flights) Off." in text
    history = text[text.index("History") :]
    assert "Version 2 current" in history
    assert "Radiative forcing (flights): on → off" in history
    assert "Version 1" in history and "The first version." in history
    with uow:
        event = uow.session.scalars(
            sa.select(AuditEvent).where(
                AuditEvent.action == "methodology.version", AuditEvent.target_id == "2"
            )
        ).one()
        assert (event.actor_id, event.actor_label) == (people["officer"], "olga@example.com")
        assert event.detail["reason"] == "DESNZ guidance for our 2025 report"
        # no points were touched: the flight and the rail trip have earned nothing here
        assert uow.session.scalar(sa.select(sa.func.count()).select_from(LedgerTransaction)) == 0


def test_saving_without_a_preview_of_these_values_previews_them_instead(
    officer: FlaskClient, settings: Settings, uow: UnitOfWork
) -> None:
    officer.get(PAGE)
    response = officer.post(
        CHANGE,
        data=_form(settings, officer, radiative_forcing="", action="save", previewed="0" * 32,
                   reason="no preview"),
    )  # fmt: skip
    assert response.status_code == 200
    text = _text(response.get_data(as_text=True))
    assert "The form changed after its preview: check this preview, then save." in text
    assert "Save as version 2" in text
    assert _versions(uow) == [(1, "configuration")]


def test_a_form_opened_before_another_version_was_saved_is_previewed_again(
    officer: FlaskClient, settings: Settings, uow: UnitOfWork
) -> None:
    officer.get(PAGE)
    first = officer.post(CHANGE, data=_form(settings, officer, radiative_forcing=""))
    previewed = re.search(r'name="previewed" value="([0-9a-f]+)"', first.get_data(as_text=True))
    assert previewed is not None
    data = _form(settings, officer, radiative_forcing="", action="save",
                 previewed=previewed.group(1), reason="first")  # fmt: skip
    assert officer.post(CHANGE, data=data).status_code == 302
    # the same form, still based on version 1, sent again with other values
    stale = officer.post(CHANGE, data={**data, "commute_trips_per_day": "4", "reason": "stale"})
    assert stale.status_code == 200
    text = _text(stale.get_data(as_text=True))
    assert "Version 2 became current after you opened this form" in text
    assert _versions(uow) == [(1, "configuration"), (2, "page")]


def test_a_reason_is_required_to_save(
    officer: FlaskClient, settings: Settings, uow: UnitOfWork
) -> None:
    officer.get(PAGE)
    first = officer.post(CHANGE, data=_form(settings, officer, radiative_forcing=""))
    previewed = re.search(r'name="previewed" value="([0-9a-f]+)"', first.get_data(as_text=True))
    assert previewed is not None
    response = officer.post(
        CHANGE,
        data=_form(settings, officer, radiative_forcing="", action="save",
                   previewed=previewed.group(1), reason="   "),
    )  # fmt: skip
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Reason: say why the methodology changes" in _text(page)
    assert 'id="field-radiative_forcing" type="checkbox" name="radiative_forcing" value="on">' in (
        page
    )  # still unticked, as sent
    assert _versions(uow) == [(1, "configuration")]


def test_wrong_fields_are_named_with_the_typed_values_kept_and_nothing_stored(
    officer: FlaskClient, settings: Settings, uow: UnitOfWork
) -> None:
    officer.get(PAGE)
    before = _counts(uow)
    response = officer.post(
        CHANGE,
        data=_form(
            settings, officer, factor_set="desnz-1999", band_low="1500", band_high="150",
            commute_trips_per_day="-1", action="save", reason="typo",
        ),
    )  # fmt: skip
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    text = _text(page)
    assert "Nothing was saved. Please correct:" in text
    assert "Factor set: 'desnz-1999' is not a published factor set" in text
    assert "Rail-vs-flight band: the upper end (150 km) must be above the lower end" in text
    assert "Commute trips per day: '-1' is not a whole number from 0 to 10" in text
    assert 'name="band_low" value="1500"' in page
    assert 'name="commute_trips_per_day" value="-1"' in page
    assert '<option value="desnz-1999" selected>' in page
    assert 'aria-invalid="true" aria-describedby="error-commute_trips_per_day"' in page
    assert "Preview:" not in text
    assert _counts(uow) == before


def test_a_change_needs_the_csrf_token(
    officer: FlaskClient, settings: Settings, uow: UnitOfWork
) -> None:
    officer.get(PAGE)
    data = _form(settings, officer, radiative_forcing="", action="save", reason="forged")
    del data["csrf_token"]
    assert officer.post(CHANGE, data=data).status_code == 400
    assert _versions(uow) == [(1, "configuration")]


# --- the configuration and the page ----------------------------------------------------------


def test_the_configuration_does_not_overwrite_a_page_version_but_a_changed_one_wins_once(
    officer: FlaskClient, settings: Settings, uow: UnitOfWork, db_url: str, tmp_path: Path
) -> None:
    officer.get(PAGE)
    first = officer.post(CHANGE, data=_form(settings, officer, radiative_forcing=""))
    previewed = re.search(r'name="previewed" value="([0-9a-f]+)"', first.get_data(as_text=True))
    assert previewed is not None
    officer.post(
        CHANGE,
        data=_form(settings, officer, radiative_forcing="", action="save",
                   previewed=previewed.group(1), reason="RF off"),
    )  # fmt: skip
    with officer.session_transaction() as session:
        signed_in = dict(session)

    def page_of(configured: Settings) -> str:
        """The page after a restart of the service with this configuration."""
        app = create_app(configured)
        try:
            client = app.test_client()
            with client.session_transaction() as session:
                session.update(signed_in)
            return _text(client.get(PAGE).get_data(as_text=True))
        finally:
            app.extensions[EXTENSION_KEY].engine.dispose()

    # a restart with the same configuration: the page's version stays
    text = page_of(settings)
    assert "Current version: 2" in text and "Radiative forcing (flights) Off." in text
    # the operator edits [methodology]: that change wins, once
    changed = make_settings(
        db_url, tmp_path, privacy={"min_group_size": 1}, methodology={"points_rule": "wuhan-2024"}
    )
    text = page_of(changed)
    assert "Current version: 3" in text
    assert "In force since" in text and "taken from the configuration file" in text
    assert "Rate card: Wuhan" in text
    assert "The configuration file changed." in text
    assert "Current version: 3" in page_of(changed)
    assert _versions(uow) == [(1, "configuration"), (2, "page"), (3, "configuration")]


def test_the_preview_period_is_the_last_twelve_months(
    officer: FlaskClient, settings: Settings
) -> None:
    officer.get(PAGE)
    text = _text(officer.post(CHANGE, data=_form(settings, officer)).get_data(as_text=True))
    today = datetime.now(UTC).date()
    start = date(today.year - 1, today.month, today.day) + timedelta(days=1)
    assert f"Preview: {start:%d %b %Y} to {today:%d %b %Y}" in text
    assert "These values are the policy of version 1: nothing would change." in text
    assert "Save as version" not in text
