"""The rewards catalogue pages (HR): who gets in, adding, editing, retiring, pictures, and the
redemption desk's filters and pages, through the test client on SQLite and PostgreSQL."""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import TestResponse, encode_multipart

from corp_carbon.config import Settings
from corp_carbon.db.models import AuditEvent, Redemption
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.people import Actor, EmployeeProfile
from corp_carbon.services.ledger import adjustments
from corp_carbon.services.ledger import postings as ledger
from corp_carbon.services.rewards import catalogue, queries, redemptions
from corp_carbon.web.admin import redemptions as desk_page
from tests.conftest import make_settings
from tests.integration.test_reward_images import jpeg_with_exif, picture
from tests.support import OPERATOR, csrf_token

GOOD = {
    "name": "Rail voucher",
    "kind": "voucher",
    "description": "Any national operator",
    "cost_points": "1,000",
    "stock": "20",
    "per_person_limit": "2",
    "limit_period": "quarter",
    "auto_approve": "yes",
    "active_from": "",
    "active_until": "2031-03-31",
    "image_url": "",
}


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    """Pictures of at most 1 MB, so the limit is quick to cross."""
    return make_settings(db_url, tmp_path, rewards={"max_image_mb": 1})


@pytest.fixture
def hr(
    client: FlaskClient,
    create_employee: Callable[..., EmployeeProfile],
    log_in_as: Callable[..., None],
) -> FlaskClient:
    """The test client signed in as Hana, of HR."""
    profile = create_employee(email="hana@example.com", name="Hana Hr", roles=("hr",))
    log_in_as(client, profile.id, "hr")
    return client


def text(response: TestResponse) -> str:
    return html.unescape(response.get_data(as_text=True))


def post_form(client: FlaskClient, url: str, **fields: Any) -> TestResponse:
    """Sends the form as a browser does (multipart, as it may carry a picture). The body is
    encoded in memory: the test client would spool a large one to a temporary file that it
    leaves open when the app refuses the body unread."""
    values = {"csrf_token": csrf_token(client, "/admin/rewards/new"), **fields}
    files = {k: FileStorage(*v) if isinstance(v, tuple) else v for k, v in values.items()}
    boundary, body = encode_multipart(files)
    mimetype = f"multipart/form-data; boundary={boundary}"
    return read(client.post(url, data=body, content_type=mimetype))


def read(response: TestResponse) -> TestResponse:
    """The response with its body read and its files (the upload, a picture) closed."""
    response.get_data()
    response.close()
    return response


def actions(uow: UnitOfWork, action: str) -> list[AuditEvent]:
    with uow:
        found = list(
            uow.session.scalars(
                sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        )
        uow.session.expunge_all()
    return found


def person(uow: UnitOfWork, create: Callable[..., EmployeeProfile], **fields: Any) -> int:
    profile = create(**fields)
    adjustments.adjust(
        uow,
        OPERATOR,
        employee=profile.email,
        points=50_000,
        reason="welcome",
        request_key=profile.email,
    )
    return profile.id


def redeem(uow: UnitOfWork, employee_id: int, reward_id: int, key: str) -> int:
    return redemptions.request_redemption(
        uow,
        Actor(label="e", employee_id=employee_id),
        employee_id=employee_id,
        reward_id=reward_id,
        request_key=key,
    ).redemption.id


# --- who gets in -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("roles", "allowed"),
    [(("hr",), True), (("admin",), True), (("sustainability",), False), ((), False)],
)
def test_only_hr_and_admins_manage_the_catalogue(
    client: FlaskClient,
    uow: UnitOfWork,
    create_employee: Callable[..., EmployeeProfile],
    log_in_as: Callable[..., None],
    roles: tuple[str, ...],
    allowed: bool,
) -> None:
    reward = catalogue.add_reward(uow, OPERATOR, name="Rail voucher", cost_points=1000)
    someone = create_employee(email="sam@example.com", name="Sam", roles=roles)
    log_in_as(client, someone.id, *roles)
    token = csrf_token(client, "/")
    pages = [
        "/admin/rewards",
        "/admin/rewards/new",
        f"/admin/rewards/{reward.id}",
        "/admin/redemptions",
    ]
    for url in pages:
        assert client.get(url).status_code == (200 if allowed else 403), url
    for url in (
        "/admin/rewards/new",
        f"/admin/rewards/{reward.id}",
        f"/admin/rewards/{reward.id}/retire",
    ):
        answer = client.post(url, data={"csrf_token": token, **GOOD, "name": "Sneaky"})
        assert (answer.status_code == 403) is not allowed, url
    admin = client.get("/admin").get_data(as_text=True)  # the Admin link's page and its tabs
    assert ('href="/admin/rewards"' in admin) is allowed
    with uow:
        names = [item.reward.name for item in queries.catalogue_for_hr(uow.session)]
    assert ("Sneaky" in names) is allowed


# --- adding and editing ------------------------------------------------------------------------


def test_hr_adds_a_reward_and_a_donation(hr: FlaskClient, uow: UnitOfWork) -> None:
    added = post_form(hr, "/admin/rewards/new", **GOOD)
    assert added.status_code == 302
    page = text(hr.get(added.headers["Location"]))
    assert "Added 'Rail voucher' to the catalogue." in page
    donation = post_form(
        hr,
        "/admin/rewards/new",
        **{**GOOD, "name": "Peatland", "kind": "donation", "project_name": "Moorfutures"},
    )
    assert donation.status_code == 302
    with uow:
        listed = {i.reward.name: i.reward for i in queries.catalogue_for_hr(uow.session)}
    rail = listed["Rail voucher"]
    assert (rail.cost_points, rail.stock, rail.per_person_limit, rail.limit_period) == (
        1000,
        20,
        2,
        "quarter",
    )
    assert rail.auto_approve and rail.active_until is not None
    assert rail.active_until.isoformat() == "2031-04-01T00:00:00+00:00"  # after the last day
    assert listed["Peatland"].project_name == "Moorfutures"
    catalogue_page = text(hr.get("/admin/rewards"))
    assert "Donation: Moorfutures" in catalogue_page and "until 2031-03-31" in catalogue_page
    assert [e.detail["name"] for e in actions(uow, "reward.add")] == ["Rail voucher", "Peatland"]


def test_a_bad_form_names_each_field_and_keeps_what_was_typed(
    hr: FlaskClient, uow: UnitOfWork
) -> None:
    answer = post_form(
        hr,
        "/admin/rewards/new",
        **{
            **GOOD,
            "name": " ",
            "kind": "donation",
            "cost_points": "12abc",
            "stock": "-3",
            "active_from": "2031-04-02",
            "image_url": "http://intranet.example.com/rail.png",
            "description": "Keep me",
        },
    )
    assert answer.status_code == 400
    page = text(answer)
    for message in (
        "Name: must not be empty",
        "Climate project: a donation names the climate project it funds",
        "Cost in points: '12abc' is not a whole number",
        "Stock: must be a whole number, 0 or more, got -3",
        "Last day offered: is before the first day offered",
        "Picture address: must be an https:// address",
    ):
        assert message in page
    assert page.index("Name: must") < page.index("Cost in points:")  # in the form's order
    assert 'value="12abc"' in page and "Keep me</textarea>" in page
    assert 'value="2031-04-02"' in page and '<option value="donation" selected>' in page
    assert page.count('aria-invalid="true"') == 6
    with uow:
        assert queries.catalogue_for_hr(uow.session) == []


def test_hr_edits_a_reward(hr: FlaskClient, uow: UnitOfWork) -> None:
    reward = catalogue.add_reward(uow, OPERATOR, name="Rail voucher", cost_points=1000, stock=9)
    catalogue.add_reward(uow, OPERATOR, name="Bike service", cost_points=500)
    form = text(hr.get(f"/admin/rewards/{reward.id}"))
    assert 'value="Rail voucher"' in form and 'name="stock_seen" value="9"' in form
    url = f"/admin/rewards/{reward.id}"
    fields = {**GOOD, "cost_points": "1500", "stock": "9", "stock_seen": "9", "active_until": ""}
    saved = post_form(hr, url, **fields)
    assert saved.status_code == 302
    assert "Saved 'Rail voucher'" in text(hr.get(saved.headers["Location"]))
    bad = post_form(hr, url, **{**fields, "cost_points": "0"})
    assert bad.status_code == 400
    assert "Cost in points: must be a whole number above 0, got 0" in text(bad)
    taken = post_form(hr, url, **{**fields, "name": "bike SERVICE"})
    assert taken.status_code == 409
    assert "Name: an active reward is already called 'bike SERVICE'" in text(taken)
    with uow:
        stored = queries.get_reward(uow.session, reward.id)
    assert (stored.name, stored.cost_points, stored.auto_approve) == ("Rail voucher", 1500, True)
    [edit] = actions(uow, "reward.edit")
    assert edit.detail["changes"]["cost_points"] == [1000, 1500]
    assert post_form(hr, "/admin/rewards/987654", **fields).status_code == 404


def test_a_new_price_leaves_what_past_redemptions_cost(
    hr: FlaskClient, uow: UnitOfWork, create_employee: Callable[..., EmployeeProfile]
) -> None:
    reward = catalogue.add_reward(uow, OPERATOR, name="Rail voucher", cost_points=1000)
    zoe = person(uow, create_employee, email="zoe@example.com", name="Zoë", department="Finance")
    held = redeem(uow, zoe, reward.id, "before")
    fields = {**GOOD, "cost_points": "3000", "stock": "", "active_until": "", "stock_seen": ""}
    assert post_form(hr, f"/admin/rewards/{reward.id}", **fields).status_code == 302
    desk = text(hr.get("/admin/redemptions"))
    row = desk[desk.index(f'id="redemption-{held}"') :]
    assert ">1,000</td>" in row[: row.index("</tr>")]
    token = csrf_token(hr, "/admin/redemptions")
    hr.post(f"/admin/redemptions/{held}/reject", data={"csrf_token": token, "reason": "budget"})
    with uow:
        assert (
            uow.session.scalar(sa.select(Redemption.cost_points).where(Redemption.id == held))
            == 1000
        )
        assert ledger.balance(uow.session, zoe) == 50_000  # refunded what it cost then


def test_retiring_says_how_many_redemptions_are_still_open(
    hr: FlaskClient, uow: UnitOfWork, create_employee: Callable[..., EmployeeProfile]
) -> None:
    reward = catalogue.add_reward(uow, OPERATOR, name="Rail voucher", cost_points=1000)
    zoe = person(uow, create_employee, email="zoe@example.com", name="Zoë")
    for key in ("a", "b"):
        redeem(uow, zoe, reward.id, key)
    listed = text(hr.get("/admin/rewards"))
    assert "2 open" in listed
    token = csrf_token(hr, "/admin/rewards")
    retired = hr.post(
        f"/admin/rewards/{reward.id}/retire", data={"csrf_token": token}, follow_redirects=True
    )
    page = text(retired)
    assert (
        "Retired 'Rail voucher': employees no longer see it. 2 of its redemptions are still open"
        in page
    )
    assert "Offer again" in page
    back = hr.post(
        f"/admin/rewards/{reward.id}/unretire", data={"csrf_token": token}, follow_redirects=True
    )
    assert "'Rail voucher' is offered again" in text(back)
    assert [e.detail["open_redemptions"] for e in actions(uow, "reward.retire")] == [2]
    assert len(actions(uow, "reward.unretire")) == 1


def test_the_catalogue_filters_by_state(hr: FlaskClient, uow: UnitOfWork) -> None:
    catalogue.add_reward(uow, OPERATOR, name="Rail voucher", cost_points=1000)
    old = catalogue.add_reward(uow, OPERATOR, name="Old mug", cost_points=100)
    catalogue.retire_reward(uow, OPERATOR, old.id)
    retired = text(hr.get("/admin/rewards?show=retired"))
    assert "Old mug" in retired and "Rail voucher" not in retired
    wrong = hr.get("/admin/rewards?show=gone")
    assert wrong.status_code == 400 and "show 'gone'" in text(wrong)


# --- pictures --------------------------------------------------------------------------------


def test_an_uploaded_photo_is_served_without_its_metadata(
    hr: FlaskClient, uow: UnitOfWork, client: FlaskClient
) -> None:
    photo = (io.BytesIO(jpeg_with_exif()), "holiday.jpg", "image/jpeg")
    assert post_form(hr, "/admin/rewards/new", **GOOD, image=photo).status_code == 302
    with uow:
        [item] = queries.catalogue_for_hr(uow.session)
    name = item.reward.image_file
    assert name and item.reward.image_url is None
    src = f"/rewards/images/{name}"
    assert f'src="{src}"' in text(hr.get("/admin/rewards"))
    assert f'src="{src}"' in text(hr.get("/rewards"))  # the employees' catalogue shows it too
    served = read(hr.get(src))
    assert served.status_code == 200 and served.mimetype == "image/webp"
    assert "private" in served.headers["Cache-Control"]
    assert b"Canon" not in served.data and b"Exif" not in served.data
    with Image.open(io.BytesIO(served.data)) as shown:
        assert len(shown.getexif()) == 0 and shown.size == (200, 400)
    assert hr.get("/rewards/images/..%2Fcorp-carbon.sqlite").status_code == 404
    with hr.session_transaction() as session:
        session.clear()
    assert hr.get(src).status_code == 302  # signed-in employees only


@pytest.mark.parametrize(
    ("upload", "status", "says"),
    [
        (
            (picture("GIF"), "a.gif", "image/gif"),
            400,
            "Picture file: not a picture this page accepts",
        ),
        ((b"just text", "a.png", "image/png"), 400, "upload a PNG, JPEG or WebP file"),
        ((b"\xff" * (1024 * 1024 + 10), "big.jpg", "image/jpeg"), 400, "pictures of at most 1 MB"),
        ((b"\xff" * (2 * 1024 * 1024), "huge.jpg", "image/jpeg"), 413, "pictures of at most 1 MB"),
    ],
    ids=["gif", "text", "too-large", "over-the-request-limit"],
)
def test_a_refused_upload_names_the_field(
    hr: FlaskClient, uow: UnitOfWork, upload: tuple[bytes, str, str], status: int, says: str
) -> None:
    data, filename, mime = upload
    answer = post_form(hr, "/admin/rewards/new", **GOOD, image=(io.BytesIO(data), filename, mime))
    assert answer.status_code == status
    assert says in text(answer)
    with uow:
        assert queries.catalogue_for_hr(uow.session) == []


def test_an_upload_is_kept_while_other_fields_are_put_right(
    hr: FlaskClient, uow: UnitOfWork
) -> None:
    png = (io.BytesIO(picture("PNG")), "rail.png", "image/png")
    first = post_form(hr, "/admin/rewards/new", **{**GOOD, "cost_points": ""}, image=png)
    assert first.status_code == 400
    page = text(first)
    assert "Cost in points: required" in page and "Your picture was uploaded and is kept" in page
    kept = re.search(r'name="uploaded_image" value="([0-9a-f]{32}\.webp)"', page)
    assert kept
    again = post_form(hr, "/admin/rewards/new", **GOOD, uploaded_image=kept.group(1))
    assert again.status_code == 302
    with uow:
        [item] = queries.catalogue_for_hr(uow.session)
    assert item.reward.image_file == kept.group(1)
    url = f"/admin/rewards/{item.reward.id}"
    address = "https://intranet.example.com/rail.png"
    moved = post_form(hr, url, **{**GOOD, "image_url": address, "stock_seen": "20"})
    assert moved.status_code == 302  # an address replaces the uploaded picture
    with uow:
        stored = queries.get_reward(uow.session, item.reward.id)
    assert (stored.image_url, stored.image_file) == (address, None)
    jpeg = (io.BytesIO(picture("JPEG")), "rail.jpg", "image/jpeg")
    back = post_form(hr, url, **{**GOOD, "image_url": address, "stock_seen": "20"}, image=jpeg)
    assert back.status_code == 302  # a new upload replaces the address the form still shows
    with uow:
        stored = queries.get_reward(uow.session, item.reward.id)
    assert stored.image_url is None and stored.image_file not in (None, kept.group(1))
    both = post_form(
        hr,
        "/admin/rewards/new",
        **{**GOOD, "name": "Both", "image_url": address},
        image=(io.BytesIO(picture("PNG")), "b.png", "image/png"),
    )
    assert both.status_code == 400
    assert "Picture address: give an uploaded picture or an address, not both" in text(both)
    removed = post_form(hr, url, **{**GOOD, "stock_seen": "20", "remove_image": "yes"})
    assert removed.status_code == 302
    with uow:
        stored = queries.get_reward(uow.session, item.reward.id)
    assert (stored.image_url, stored.image_file) == (None, None)


# --- the redemption desk -------------------------------------------------------------------------


@pytest.fixture
def desk_data(uow: UnitOfWork, create_employee: Callable[..., EmployeeProfile]) -> dict[str, Any]:
    rail = catalogue.add_reward(uow, OPERATOR, name="Rail voucher", cost_points=1000)
    bike = catalogue.add_reward(uow, OPERATOR, name="Bike service", cost_points=700)
    zoe = person(uow, create_employee, email="zoe@example.com", name="Zoë", department="Finance")
    lars = person(uow, create_employee, email="lars@example.com", name="Lars", department="Legal")
    made = [redeem(uow, zoe, rail.id, f"z{i}") for i in range(3)]
    made += [redeem(uow, lars, bike.id, f"l{i}") for i in range(2)]
    redemptions.approve(uow, OPERATOR, made[1])
    return {"rail": rail.id, "bike": bike.id, "made": made}


def test_the_desk_pages_stay_truthful_and_keep_the_filter(
    hr: FlaskClient, desk_data: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(desk_page, "PAGE_SIZE", 2)
    second = text(hr.get("/admin/redemptions?page=2"))
    assert "Showing 3–4 of 5" in second and "Page 2 of 3" in second
    beyond = text(hr.get("/admin/redemptions?page=99"))
    assert "Showing 5–5 of 5" in beyond and "Page 3 of 3" in beyond
    legal = text(hr.get("/admin/redemptions?department=Legal"))
    assert "Showing 1–2 of 2" in legal and "Zoë" not in legal
    approved = text(hr.get("/admin/redemptions?status=approved"))
    assert "Showing 1–1 of 1" in approved and 'class="badge approved">Approved<' in approved
    assert ">approved<" not in approved and ">requested<" not in approved
    rail = text(hr.get(f"/admin/redemptions?reward={desk_data['rail']}&page=2"))
    assert "Showing 3–3 of 3" in rail
    previous = re.search(r'href="([^"]*)">← Previous', rail)
    assert previous and set(previous.group(1).split("?")[1].split("&")) == {
        "page=1",
        f"reward={desk_data['rail']}",
    }
    counts = re.findall(
        r'(Awaiting approval|Approved|Handed over) <span class="count">(\d+)', legal
    )
    assert counts == [("Awaiting approval", "2"), ("Approved", "0"), ("Handed over", "0")]
    wrong = hr.get("/admin/redemptions?status=pending")
    assert wrong.status_code == 400 and "status: unknown 'pending'" in text(wrong)
    token = csrf_token(hr, "/admin/redemptions")
    decided = hr.post(
        f"/admin/redemptions/{desk_data['made'][3]}/approve",
        data={"csrf_token": token, "department": "Legal", "page": "2"},
    )
    assert decided.status_code == 302
    assert decided.headers["Location"].endswith("/admin/redemptions?department=Legal&page=2")
