"""The commute page: the commute profile with its history, logging a day or a week, evidence
photos, and corrections of this month's entries.

Every action is a plain form post that redirects back with what happened (no script
needed); the rules are shown before submitting and a refusal names the rule in words.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from babel.dates import get_day_names
from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from werkzeug.wrappers import Response

from corp_carbon.domain.commute_log import (
    COMMUTE_MODES,
    VEHICLE_MODES,
    CommuteInputError,
    CommuteRefused,
    CommuteRequest,
    checked_profile,
    office_weekdays,
    parse_day,
    parse_km,
    parse_legs,
    parse_mode,
    week_of,
    window_start,
)
from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.people import EmployeeProfile
from corp_carbon.domain.vocabulary import Fuel, label
from corp_carbon.services.commutes import entries, evidence, profiles
from corp_carbon.services.scoring import methodology as methodology_service
from corp_carbon.web.access import current_actor, current_employee, login_required
from corp_carbon.web.i18n import gettext, ngettext, number
from corp_carbon.web.pages import commute_words as words
from corp_carbon.web.state import carbon

YEAR = 365 * 24 * 3600


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/commute", view_func=commute_page, endpoint="commute")
    bp.add_url_rule(
        "/commute/profile", view_func=save_profile, endpoint="commute_profile", methods=["POST"]
    )
    bp.add_url_rule("/commute/log", view_func=log, endpoint="commute_log", methods=["POST"])
    bp.add_url_rule(
        "/commute/trips/<id:activity_id>/delete",
        view_func=delete,
        endpoint="commute_delete",
        methods=["POST"],
    )
    bp.add_url_rule(
        "/commute/trips/<id:activity_id>/replace",
        view_func=replace,
        endpoint="commute_replace",
        methods=["POST"],
    )
    bp.add_url_rule(
        "/commute/photos/<filename>", view_func=photo, endpoint="commute_evidence_photo"
    )


@login_required
def commute_page() -> str:
    """200: the profile, the forms to log commutes, the rules, and this month's entries."""
    me = _me()
    settings = carbon().settings
    today = entries.today()
    first = window_start(today, settings.commute.correction_window_days)
    with carbon().uow() as uow:
        current = profiles.current(uow.session, me.id, today)
        history = profiles.history(uow.session, me.id)
        logged = entries.trips(uow.session, me.id, period=(first, today))
        methodology = methodology_service.current(uow.session, settings)
    monday = week_of(today)
    logged_days = {t.travel_date for t in logged if t.status.value == "confirmed"}
    office = office_weekdays(current.office_days_per_week if current else 5)
    names = get_day_names("abbreviated", locale=get_locale() or "en")
    week = [
        {
            "value": n,
            "name": names[n],
            "day": monday + timedelta(days=n),
            "checked": n in office
            and monday + timedelta(days=n) <= today
            and monday + timedelta(days=n) not in logged_days,
        }
        for n in range(7)
    ]
    return render_template(
        "carbon/pages/commute.html",
        profile=current,
        history=history,
        trips=logged,
        days=_by_day(logged),
        today=today,
        first_day=first,
        monday=monday,
        week=week,
        mode_choices=[(m, gettext(label(m))) for m in COMMUTE_MODES],
        vehicle_modes=VEHICLE_MODES,
        fuels=[f for f in Fuel if f is not Fuel.UNKNOWN],
        per_day_cap=methodology.commute_trips_per_day,
        per_month_cap=methodology.self_reported_per_month,
        max_photo_mb=settings.commute.max_photo_mb,
        window_days=settings.commute.correction_window_days,
        photo_types=", ".join(evidence.ACCEPTED_NAMES),
        baseline_words=words.baseline,
        request_key=uuid.uuid4().hex,
        errors=_errors(),
    )


@login_required
def save_profile() -> Response:
    """302 back to the page; the new version, in force from today."""
    me = _me()
    form = request.form
    try:
        given = checked_profile(
            usual_mode=form.get("usual_mode", ""),
            one_way_km=form.get("one_way_km", ""),
            office_days_per_week=form.get("office_days_per_week", ""),
            car_fuel=form.get("car_fuel"),
            car_occupants=form.get("car_occupants"),
            baseline_mode=form.get("baseline_mode"),
        )
        profiles.save_profile(carbon().uow(), current_actor(), me.id, given, entries.today())
    except CommuteInputError as exc:
        return _back_with_error(exc, "#profile")
    flash(gettext("Your commute profile is saved; it counts from today."))
    return redirect(url_for("carbon.commute") + "#profile")


@login_required
def log() -> Response:
    """302 back to the page: what was logged and its points, or the rule that refused it."""
    me = _me()
    form = request.form
    try:
        days = _days(form.get("form", "day"))
        wanted = CommuteRequest(
            days=days,
            mode=parse_mode("mode", form.get("mode", "")),
            distance_km=parse_km("distance_km", form.get("distance_km", "")),
            legs=parse_legs(form.get("legs")),
        )
        upload = request.files.get("photo")
        data = upload.read() if upload is not None and upload.filename else None
        done = entries.log_commutes(
            carbon().uow(), carbon().settings, current_actor(),
            employee_id=me.id, request=wanted, request_key=form.get("request_key", ""),
            today=entries.today(), photo=data,
        )  # fmt: skip
    except CommuteInputError as exc:
        return _back_with_error(exc, "#log")
    except CommuteRefused as exc:
        flash(gettext("Not logged. %(why)s", why=words.refusal(exc)), "error")
        return redirect(url_for("carbon.commute") + "#log")
    except DomainError as exc:
        flash(gettext("Not logged: %(why)s", why=exc.message), "error")
        return redirect(url_for("carbon.commute") + "#log")
    if not done.created:
        flash(gettext("You already sent this form; nothing more was logged."))
    else:
        flash(
            ngettext(
                "Logged %(num)s trip: %(points)s points.",
                "Logged %(num)s trips: %(points)s points.",
                len(done.trips),
                points=number(done.points),
            )
        )
    return redirect(url_for("carbon.commute") + "#trips")


@login_required
def delete(activity_id: int) -> Response:
    """302 back to the page; the trip is deleted and its points given back."""
    me = _me()
    try:
        gone = entries.delete_commute(
            carbon().uow(), carbon().settings, current_actor(),
            employee_id=me.id, activity_id=activity_id, today=entries.today(),
        )  # fmt: skip
    except CommuteRefused as exc:
        flash(gettext("Not deleted. %(why)s", why=words.refusal(exc)), "error")
    else:
        flash(
            gettext(
                "Deleted your trip of %(day)s; the points it earned were given back.",
                day=words.day_text(gone.travel_date),
            )
        )  # fmt: skip
    return redirect(url_for("carbon.commute") + "#trips")


@login_required
def replace(activity_id: int) -> Response:
    """302 back to the page; the trip is replaced by the one given, the points follow."""
    me = _me()
    form = request.form
    try:
        wanted = CommuteRequest(
            days=(),
            mode=parse_mode("mode", form.get("mode", "")),
            distance_km=parse_km("distance_km", form.get("distance_km", "")),
            legs=1,
        )
        done = entries.replace_commute(
            carbon().uow(), carbon().settings, current_actor(),
            employee_id=me.id, activity_id=activity_id, request=wanted,
            request_key=form.get("request_key", ""), today=entries.today(),
        )  # fmt: skip
    except CommuteInputError as exc:
        return _back_with_error(exc, "#trips")
    except CommuteRefused as exc:
        flash(gettext("Not replaced. %(why)s", why=words.refusal(exc)), "error")
        return redirect(url_for("carbon.commute") + "#trips")
    flash(gettext("Replaced: the trip now earns %(points)s points.", points=number(done.points)))
    return redirect(url_for("carbon.commute") + "#trips")


@login_required
def photo(filename: str) -> Response:
    """200: one of the employee's own evidence photos; 404 for any other name."""
    me = _me()
    with carbon().uow() as uow:
        mine = evidence.owns(uow.session, me.id, filename)
    path = evidence.photo_path(carbon().settings.commute_evidence_dir, filename) if mine else None
    if path is None:
        abort(404, description=gettext("There is no such photo."))
    response = send_file(path, mimetype="image/jpeg", max_age=YEAR, conditional=True)
    response.cache_control.public = False
    response.cache_control.private = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    return response


# --- helpers --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoggedDay:
    """A day's logged trips as one line: there and back read as one commute."""

    day: date
    trips: list[entries.LoggedTrip]

    @property
    def live(self) -> list[entries.LoggedTrip]:
        return [t for t in self.trips if t.status.value == "confirmed"]

    def total(self, name: str) -> Decimal | None:
        values = [getattr(t, name) for t in self.live if getattr(t, name) is not None]
        return sum(values, Decimal(0)) if values else None

    @property
    def points(self) -> int:
        return sum(t.points for t in self.live)


def _by_day(trips: list[entries.LoggedTrip]) -> list[LoggedDay]:
    grouped: dict[date, list[entries.LoggedTrip]] = {}
    for trip in trips:
        grouped.setdefault(trip.travel_date, []).append(trip)
    return [LoggedDay(day, sorted(ts, key=lambda t: (t.leg, t.id))) for day, ts in grouped.items()]


def _me() -> EmployeeProfile:
    employee = current_employee()
    assert employee is not None  # login_required
    return employee


def _days(which: str) -> tuple[date, ...]:
    """The day of the day form, or the ticked days of the week form's week."""
    if which == "week":
        monday = week_of(parse_day("week", request.form.get("week", "")))
        ticked = sorted({int(v) for v in request.form.getlist("weekday") if v in "0123456"})
        if not ticked:
            raise CommuteInputError("days", "no_days", "tick at least one day")
        return tuple(monday + timedelta(days=n) for n in ticked)
    return (parse_day("date", request.form.get("date", "")),)


def _back_with_error(exc: CommuteInputError, anchor: str) -> Response:
    flash(words.input_error(exc), "error")
    return redirect(url_for("carbon.commute", error=exc.field) + anchor)


def _errors() -> set[str]:
    """The field named by the last refusal, to mark it on the form (aria-invalid)."""
    return {request.args.get("error", "")} - {""}
