"""An employee's points: the statement page and GET /api/v1/me/ledger, their own only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from flask.testing import FlaskClient

from corp_carbon.db.models import Activity, Employee
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.people import Actor
from corp_carbon.domain.vocabulary import ActivityKind, Mode, Verification
from corp_carbon.services.ledger import adjustments
from corp_carbon.services.ledger import postings as ledger
from tests.support import csrf_token


def _people(uow: UnitOfWork) -> tuple[int, int, int]:
    with uow:
        zoe = Employee(email="zoe.mueller@example.com", name="Zoë Müller")
        wei = Employee(email="zhang.wei@example.com", name="张伟")
        uow.session.add_all([zoe, wei])
        uow.session.flush()
        trip = Activity(
            employee_id=zoe.id,
            kind=ActivityKind.COMMUTE,
            mode=Mode.BIKE,
            travel_date=date(2025, 3, 3),
            distance_km=Decimal("7.5"),
            verification=Verification.SELF_REPORTED,
        )
        uow.session.add(trip)
        uow.session.flush()
        ledger.earn(
            uow.session, employee_id=zoe.id, activity_id=trip.id, points=1252, methodology_version=1
        )
        uow.commit()
        return zoe.id, wei.id, trip.id


def test_statement_page_shows_balance_running_total_and_the_trip(
    client: FlaskClient, uow: UnitOfWork, log_in_as: Callable[..., None]
) -> None:
    zoe, _, trip = _people(uow)
    adjustments.adjust(
        uow,
        Actor(label="hr"),
        employee="zoe.mueller@example.com",
        points=-200,
        reason="duplicate survey answer",
        request_key="k",
    )
    log_in_as(client, zoe)
    page = client.get("/points").get_data(as_text=True)
    assert '<div class="value" id="balance">1,052 <span' in page
    assert "Worth about €1.05." in page  # 1,052 points at EUR 0.001
    assert f'<a href="/trips/{trip}">Trip: Bicycle</a>' in page
    assert "03 Mar 2025" in page  # dated by the trip, with the posting day beside it
    assert "Adjustment by HR: duplicate survey answer" in page
    assert "-200" in page
    assert "activity_assessed" not in page and "manual_adjustment" not in page


def test_ledger_api_is_the_callers_own(
    client: FlaskClient, uow: UnitOfWork, log_in_as: Callable[..., None]
) -> None:
    zoe, wei, trip = _people(uow)
    log_in_as(client, zoe)
    body = client.get("/api/v1/me/ledger").get_json()
    assert body["balance"] == 1252
    assert body["next"] is None
    [entry] = body["entries"]
    assert entry["amount"] == 1252
    assert entry["running_balance"] == 1252
    assert entry["kind"] == "earn"
    assert entry["activity_url"] == f"/trips/{trip}"
    log_in_as(client, wei)
    assert client.get("/api/v1/me/ledger").get_json() == {"balance": 0, "entries": [], "next": None}
    assert client.get(f"/trips/{trip}").status_code == 404  # someone else's trip


def test_anonymous_json_gets_401(client: FlaskClient) -> None:
    response = client.get("/api/v1/me/ledger", headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_hr_adjusts_points_through_the_api_once_per_key(
    client: FlaskClient, uow: UnitOfWork, log_in_as: Callable[..., None]
) -> None:
    zoe, wei, _ = _people(uow)
    body = {"employee": "ZOE.MUELLER@example.com", "points": 500, "reason": "volunteering day"}
    log_in_as(client, wei)
    assert client.post(
        "/api/v1/ledger/adjustments", json=body, headers={"X-CSRFToken": "x"}
    ).status_code in (400, 403)
    log_in_as(client, wei, "hr")
    token = csrf_token(client, "/points")
    headers = {"Idempotency-Key": "adj-1", "X-CSRFToken": token}
    first = client.post("/api/v1/ledger/adjustments", json=body, headers=headers)
    assert first.status_code == 201
    again = client.post("/api/v1/ledger/adjustments", json=body, headers=headers)
    assert again.status_code == 200
    assert again.get_json()["transaction_id"] == first.get_json()["transaction_id"]
    too_much = client.post(
        "/api/v1/ledger/adjustments",
        headers={"X-CSRFToken": token},
        json={**body, "points": -10_000},
    )
    assert too_much.status_code == 409
    assert too_much.get_json()["error"]["code"] == "insufficient_balance"
    no_reason = client.post(
        "/api/v1/ledger/adjustments", headers={"X-CSRFToken": token}, json={**body, "reason": ""}
    )
    assert no_reason.status_code == 400
    assert "reason" in no_reason.get_json()["error"]["message"]
    log_in_as(client, zoe)
    assert client.get("/api/v1/me/ledger").get_json()["balance"] == 1252 + 500


def test_a_redemption_shows_on_the_statement_with_its_reward(
    client: FlaskClient, uow: UnitOfWork, log_in_as: Callable[..., None]
) -> None:
    from corp_carbon.services.rewards import catalogue, redemptions

    zoe, _, _ = _people(uow)
    hr = Actor(label="hr")
    reward = catalogue.add_reward(uow, hr, name="Bike service", kind="perk", cost_points=1000)
    redemptions.request_redemption(uow, hr, employee_id=zoe, reward_id=reward.id, request_key="r-1")
    log_in_as(client, zoe)
    body = client.get("/api/v1/me/ledger").get_json()
    hold = body["entries"][0]
    assert (hold["amount"], hold["reward"], hold["running_balance"]) == (-1000, "Bike service", 252)
    assert hold["redemption_url"] == f"/api/v1/redemptions/{hold['redemption_id']}"
    assert "Bike service" in client.get("/points").get_data(as_text=True)


# --- the statement in words, each kind of entry --------------------------------------------


def _every_kind(uow: UnitOfWork) -> dict[str, int]:
    """Zoë's account with one line of each kind: a trip earned and one reversed, a redemption
    held, one refunded after HR rejected it and one she cancelled, an adjustment, an expiry."""
    from corp_carbon.services.ledger import expiry
    from corp_carbon.services.rewards import catalogue, redemptions

    zoe, _, bike = _people(uow)
    hr = Actor(label="hr")
    with uow:
        train = Activity(
            employee_id=zoe,
            kind=ActivityKind.BUSINESS_TRAVEL,
            mode=Mode.RAIL,
            origin="London",
            destination="Paris",
            travel_date=date(2025, 4, 7),
            distance_km=Decimal("460"),
            verification=Verification.SELF_REPORTED,
        )
        uow.session.add(train)
        uow.session.flush()
        earned = ledger.earn(
            uow.session, employee_id=zoe, activity_id=train.id, points=60_000, methodology_version=1
        )
        ledger.reverse(uow.session, earned.transaction_id, reason_code="activity_cancelled")
        uow.commit()
        train_id = train.id
    voucher = catalogue.add_reward(uow, hr, name="Rail voucher", kind="voucher", cost_points=300)
    perk = catalogue.add_reward(uow, hr, name="Bike service", kind="perk", cost_points=100)
    kept = redemptions.request_redemption(
        uow, hr, employee_id=zoe, reward_id=voucher.id, request_key="r-kept"
    ).redemption
    refused = redemptions.request_redemption(
        uow, hr, employee_id=zoe, reward_id=perk.id, request_key="r-refused"
    ).redemption
    redemptions.reject(uow, hr, refused.id, reason="the workshop closed")
    withdrawn = redemptions.request_redemption(
        uow, hr, employee_id=zoe, reward_id=perk.id, request_key="r-withdrawn"
    ).redemption
    redemptions.cancel(uow, hr, withdrawn.id, employee_id=zoe)
    adjustments.adjust(
        uow, hr, employee="zoe.mueller@example.com", points=48, reason="volunteering day",
        request_key="adj",
    )  # fmt: skip
    expiry.expire_points(uow, as_of=date.today().replace(year=date.today().year + 3), months=12)
    return {"zoe": zoe, "bike": bike, "train": train_id, "kept": kept.id}


def test_every_kind_of_entry_reads_as_words_with_its_dates(
    client: FlaskClient, uow: UnitOfWork, log_in_as: Callable[..., None]
) -> None:
    made = _every_kind(uow)
    log_in_as(client, made["zoe"])
    body = client.get("/api/v1/me/ledger").get_json()
    words = [entry["words"] for entry in body["entries"]]
    assert words == [
        "Points expired",
        "Adjustment by HR: volunteering day",
        "Refund: you cancelled the request",
        "Redeemed: Bike service",
        "Refund: rejected by HR",
        "Redeemed: Bike service",
        "Redeemed: Rail voucher",
        "Trip cancelled, points given back: Rail London → Paris",
        "Trip: Rail London → Paris",
        "Trip: Bicycle",
    ]
    by_words = {entry["words"]: entry for entry in body["entries"]}
    trip = by_words["Trip: Rail London → Paris"]
    assert trip["dated"] == "2025-04-07"  # the trip's day
    assert trip["posted_on"] == date.today().isoformat()  # the ledger's day, beside it
    assert trip["reason"] == "activity_assessed"  # the existing fields stay
    rejected = by_words["Refund: rejected by HR"]
    assert rejected["detail"] == "Bike service. HR's reason: the workshop closed"
    assert by_words["Redeemed: Rail voucher"]["dated"] == date.today().isoformat()
    assert body["balance"] == 0  # everything left expired

    page = client.get("/points").get_data(as_text=True)
    for line in words:
        assert line.replace("'", "&#39;") in page
    assert f'href="/trips/{made["train"]}">Trip cancelled' in page
    assert f'href="/rewards#redemption-{made["kept"]}">Redeemed: Rail voucher' in page
    assert "07 Apr 2025" in page
    for code in ("reward_redeemed", "fifo_expiry", "redemption_rejected", "activity_cancelled"):
        assert code not in page


def test_the_statement_in_chinese(
    client: FlaskClient, uow: UnitOfWork, log_in_as: Callable[..., None]
) -> None:
    made = _every_kind(uow)
    log_in_as(client, made["zoe"])
    page = client.get("/points?lang=zh-CN").get_data(as_text=True)
    assert "积分到期" in page and "人力资源" in page and "兑换" in page
    for english in ("Points expired", "Refund:", "Redeemed:", "Trip:", "Adjustment by HR"):
        assert english not in page
    body = client.get("/api/v1/me/ledger", headers={"Accept-Language": "zh-CN"}).get_json()
    assert body["entries"][0]["words"] == "积分到期"


def test_year_filter_and_truthful_pages(
    client: FlaskClient, uow: UnitOfWork, log_in_as: Callable[..., None]
) -> None:
    zoe, _, _ = _people(uow)
    log_in_as(client, zoe)
    this_year = date.today().year
    page = client.get(f"/points?year={this_year}").get_data(as_text=True)
    assert f'<option value="{this_year}" selected>' in page
    assert "Trip: Bicycle" in page
    assert "1 line" in page
    past = client.get("/points?page=97").get_data(as_text=True)  # past the end: the last page
    assert "Trip: Bicycle" in past and "No points yet" not in past
    unknown = client.get("/points?year=1999").get_data(as_text=True)  # not offered: all years
    assert "Trip: Bicycle" in unknown


def test_nobody_adjusts_their_own_balance_or_decides_their_own_redemption(
    client: FlaskClient, uow: UnitOfWork, log_in_as: Callable[..., None]
) -> None:
    """Separation of duties (issue 15): an HR administrator credited their own account and
    approved their own reward; both are refused, for another person both work."""
    from corp_carbon.services.rewards import catalogue, redemptions

    zoe, wei, _ = _people(uow)
    log_in_as(client, zoe, "hr")
    token = csrf_token(client, "/points")
    own = {"employee": "zoe.mueller@example.com", "points": 300_000, "reason": "for me"}
    refused = client.post("/api/v1/ledger/adjustments", json=own, headers={"X-CSRFToken": token})
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "own_account"
    assert "nobody adjusts their own balance" in refused.get_json()["error"]["message"]
    other = {**own, "employee": "zhang.wei@example.com", "reason": "volunteering"}
    assert (
        client.post("/api/v1/ledger/adjustments", json=other, headers={"X-CSRFToken": token})
    ).status_code == 202  # for another person: waits for a second HR administrator
    reward = catalogue.add_reward(
        uow, Actor(label="hr"), name="Bike service", kind="perk", cost_points=1000
    )
    mine = redemptions.request_redemption(
        uow, Actor(label="zoe", employee_id=zoe), employee_id=zoe, reward_id=reward.id,
        request_key="own-1",
    )  # fmt: skip
    approve = client.post(
        f"/api/v1/redemptions/{mine.redemption.id}/approve", headers={"X-CSRFToken": token}
    )
    assert approve.status_code == 403
    assert approve.get_json()["error"]["code"] == "own_account"
    log_in_as(client, wei, "hr")
    token = csrf_token(client, "/points")
    approved = client.post(
        f"/api/v1/redemptions/{mine.redemption.id}/approve", headers={"X-CSRFToken": token}
    )
    assert approved.status_code == 200
    with uow:
        assert ledger.balance(uow.session, zoe) == 1252 - 1000  # no 300,000 of her own


def test_a_bogus_bearer_header_never_borrows_the_session_cookie(
    client: FlaskClient, uow: UnitOfWork, log_in_as: Callable[..., None]
) -> None:
    """The CSRF check is skipped for bearer requests because they never act with the session
    cookie: a signed-in HR browser tricked into sending a bogus bearer header gets 401, and
    nothing is posted."""
    zoe, wei, _ = _people(uow)
    log_in_as(client, wei, "hr")
    body = {"employee": "zoe.mueller@example.com", "points": 500, "reason": "forged"}
    forged = client.post(
        "/api/v1/ledger/adjustments", json=body, headers={"Authorization": "Bearer bogus"}
    )
    assert forged.status_code == 401
    with uow:
        assert ledger.balance(uow.session, zoe) == 1252
