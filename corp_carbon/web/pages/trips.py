"""The employee's own trips: a filtered, paged list, and each trip with its whole calculation."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request

from corp_carbon.db.queries import activities_for, count_activities, credited_for
from corp_carbon.domain.activities import ActivityView
from corp_carbon.domain.vocabulary import ActivityKind, Mode
from corp_carbon.services.scoring import trails
from corp_carbon.web import params
from corp_carbon.web.access import current_employee, login_required
from corp_carbon.web.i18n import gettext
from corp_carbon.web.pages import trip_words
from corp_carbon.web.pages.credit_words import credit_words
from corp_carbon.web.pages.trip_filters import PERIODS, read_filters
from corp_carbon.web.state import carbon

PAGE_SIZE = 25


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/trips", view_func=trips, endpoint="trips")
    bp.add_url_rule("/trips/<id:activity_id>", view_func=trip_detail, endpoint="trip_detail")


@login_required
def trips() -> str:
    """200: the employee's own trips, newest first, filtered by period, mode and kind.

    The count and the list come from the same filters; a page past the end says so and
    links to the last page rather than showing an empty list under a non-zero count.
    """
    employee = current_employee()
    assert employee is not None
    chosen = read_filters(request.args)
    page = params.page_number()
    with carbon().uow() as uow:
        total = count_activities(uow.session, employee.id, **chosen.query())
        pages = params.page_count(total, PAGE_SIZE)
        found = []
        if page <= pages:
            found = activities_for(
                uow.session,
                employee.id,
                limit=PAGE_SIZE,
                offset=(page - 1) * PAGE_SIZE,
                **chosen.query(),
            )
            # a row says only the trail's summary and baseline (``_row``)
            found = trails.complete(uow.session, carbon().settings, found, brief=True)
    return render_template(
        "carbon/pages/trips.html",
        trips=[_row(t) for t in found],
        total=total,
        page=page,
        pages=pages,
        past_end=total > 0 and page > pages,
        filters=chosen,
        periods=[(value, gettext(words)) for value, words in PERIODS],
        modes=[(m.value, trip_words.translated_label(m)) for m in Mode],
        kinds=[(k.value, trip_words.translated_label(k)) for k in ActivityKind],
    )


def _row(t: ActivityView) -> dict[str, Any]:
    """What one line of the list shows, in the page's language."""
    return {
        "trip": t,
        "route": trip_words.route(t),
        "status": trip_words.status_words(t),
        "baseline": trip_words.baseline_words(t) if t.kg_co2e is not None else "—",
        "why": trip_words.why(t),
    }


@login_required
def trip_detail(activity_id: int) -> str:
    """200: one of the employee's own trips with its whole calculation; 404 for anyone else's."""
    employee = current_employee()
    assert employee is not None
    with carbon().uow() as uow:
        found = activities_for(uow.session, employee.id, limit=1, activity_id=activity_id)
        found = trails.complete(uow.session, carbon().settings, found)
        credited = credited_for(uow.session, activity_id) if found else None
    if not found:
        abort(404)
    trip = found[0]
    rewards = carbon().settings.rewards
    return render_template(
        "carbon/pages/trip_detail.html",
        trip=trip,
        row=_row(trip),
        trail=trip_words.trail(trip),
        credit=credit_words(trip, credited, rewards.point_value, rewards.point_currency),
    )
