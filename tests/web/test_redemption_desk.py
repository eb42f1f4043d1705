"""HR's redemption desk: approve, reject with a refund, hand over; nobody else gets in."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask.testing import FlaskClient

from corp_carbon.db.models import AuditEvent, Employee
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.people import Actor
from corp_carbon.services.ledger import adjustments
from corp_carbon.services.ledger import postings as ledger
from corp_carbon.services.rewards import catalogue, redemptions
from tests.support import csrf_in

SYSTEM = Actor(label="test")


def _setup(uow: UnitOfWork) -> tuple[int, int, list[int]]:
    with uow:
        zoe = Employee(email="zoe.mueller@example.com", name="Zoë Müller", department="Finance")
        aoife = Employee(email="aoife.oconnor@example.com", name="Aoife O'Connor", department="HR")
        uow.session.add_all([zoe, aoife])
        uow.session.flush()
        ids = (zoe.id, aoife.id)
        uow.commit()
    adjustments.adjust(
        uow,
        SYSTEM,
        employee="zoe.mueller@example.com",
        points=5000,
        reason="welcome",
        request_key="w",
    )
    voucher = catalogue.add_reward(
        uow, SYSTEM, name="Rail voucher", kind="voucher", cost_points=1000
    )
    made = [
        redemptions.request_redemption(
            uow, SYSTEM, employee_id=ids[0], reward_id=voucher.id, request_key=f"k{i}"
        )
        for i in range(3)
    ]
    return ids[0], ids[1], [m.redemption.id for m in made]


def test_hr_works_through_the_desk(
    client: FlaskClient, uow: UnitOfWork, log_in_as: Callable[..., None]
) -> None:
    zoe, aoife, (first, second, third) = _setup(uow)
    log_in_as(client, aoife, "hr")
    page = client.get("/admin/redemptions").get_data(as_text=True)
    assert page.count('class="badge requested">Awaiting approval<') == 3
    assert ">requested<" not in page  # statuses in words, never codes
    assert "Zoë Müller" in page
    token = csrf_in(page)
    url = "/admin/redemptions/{}/{}"
    client.post(url.format(first, "approve"), data={"csrf_token": token})
    client.post(
        url.format(first, "fulfil"), data={"csrf_token": token, "voucher_code": "RAIL-7731"}
    )
    done = client.post(
        url.format(second, "reject"),
        data={"csrf_token": token, "reason": "budget"},
        follow_redirects=True,
    )
    assert "1,000 points refunded" in done.get_data(as_text=True)
    wrong = client.post(
        url.format(first, "approve"), data={"csrf_token": token}, follow_redirects=True
    )
    assert "fulfilled" in wrong.get_data(as_text=True)  # the refusal names the state it is in
    with uow:
        assert ledger.balance(uow.session, zoe) == 5000 - 2 * 1000  # one refunded, two held
        views = uow.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "redemptions.view_desk")
        ).all()
        assert len(views) >= 1
    final = client.get("/admin/redemptions").get_data(as_text=True)
    assert "<code>RAIL-7731</code>" in final
    assert str(third) in final


def test_only_hr_and_admins_reach_the_desk(
    client: FlaskClient, uow: UnitOfWork, log_in_as: Callable[..., None]
) -> None:
    zoe, _, (first, _, _) = _setup(uow)
    log_in_as(client, zoe, "sustainability")
    assert client.get("/admin/redemptions").status_code == 403
    assert 'href="/admin/redemptions"' not in client.get("/admin").get_data(as_text=True)
    assert client.post(f"/admin/redemptions/{first}/approve").status_code in (400, 403)
