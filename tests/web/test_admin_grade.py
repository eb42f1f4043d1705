"""HR sees and sets an employee's travel-policy grade on the profile page: shown in words
when not set, saved with CSRF, audit-logged with old and new value, a too-long grade refused
with the field named."""

from __future__ import annotations

import sqlalchemy as sa
from flask.testing import FlaskClient

from corp_carbon.db.models import AuditEvent
from corp_carbon.db.session import UnitOfWork
from corp_carbon.services.people import grades
from tests.support import csrf_in
from tests.web import test_admin_employees as base
from tests.web.test_admin_employees import LIST, _stored, main_text

hr, people = base.hr, base.people


def _grade_changes(uow: UnitOfWork) -> list[dict[str, object]]:
    with uow:
        return list(
            uow.session.scalars(
                sa.select(AuditEvent.detail)
                .where(AuditEvent.action == grades.ACTION)
                .order_by(AuditEvent.id)
            )
        )


def test_hr_sees_and_sets_the_grade(
    hr: FlaskClient, people: dict[str, int], uow: UnitOfWork
) -> None:
    zoe = people["Zoë Müller"]
    url = f"{LIST}/{zoe}"
    page = hr.get(url).get_data(as_text=True)
    assert "Travel-policy grade Not set" in main_text(page)

    forged = hr.post(f"{url}/grade", data={"grade": "director"})  # no CSRF token
    assert forged.status_code == 400 and _stored(uow, zoe).grade is None

    done = hr.post(
        f"{url}/grade",
        data={"grade": " director ", "csrf_token": csrf_in(page)},
        follow_redirects=True,
    )
    text = main_text(done.get_data(as_text=True))
    assert done.request.path == url
    assert "Travel-policy grade set to director." in text
    assert "Travel-policy grade director" in text
    assert _stored(uow, zoe).grade == "director"

    same = hr.post(f"{url}/grade", data={"grade": "director", "csrf_token": csrf_in(page)})
    assert same.status_code == 302
    cleared = hr.post(
        f"{url}/grade", data={"grade": "", "csrf_token": csrf_in(page)}, follow_redirects=True
    )
    assert "Travel-policy grade cleared." in main_text(cleared.get_data(as_text=True))
    assert _grade_changes(uow) == [
        {"old": None, "new": "director", "source": "profile"},
        {"old": "director", "new": None, "source": "profile"},
    ]


def test_a_grade_over_64_characters_is_refused_naming_the_field(
    hr: FlaskClient, people: dict[str, int], uow: UnitOfWork
) -> None:
    zoe = people["Zoë Müller"]
    page = hr.get(f"{LIST}/{zoe}").get_data(as_text=True)
    refused = hr.post(f"{LIST}/{zoe}/grade", data={"grade": "x" * 65, "csrf_token": csrf_in(page)})
    assert refused.status_code == 400
    answer = refused.get_data(as_text=True)
    assert "Travel-policy grade: at most 64 characters; this one has 65." in main_text(answer)
    assert 'aria-invalid="true"' in answer
    assert _stored(uow, zoe).grade is None and _grade_changes(uow) == []
    assert hr.post(f"{LIST}/999999/grade", data={"csrf_token": csrf_in(page)}).status_code == 404


def test_the_grade_in_chinese(hr: FlaskClient, people: dict[str, int]) -> None:
    text = main_text(hr.get(f"{LIST}/{people['张伟']}?lang=zh-CN").get_data(as_text=True))
    assert "差旅等级 未设置" in text
