"""Team: my department's totals this month and this year, and the leaderboard of colleagues
who joined it; groups too small to stay anonymous are not shown."""

from __future__ import annotations

from flask import Blueprint, render_template

from corp_carbon.services.my_data.team import team_view
from corp_carbon.web.access import current_employee, login_required
from corp_carbon.web.state import carbon


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/team", view_func=team, endpoint="team")


@login_required
def team() -> str:
    """200: the department's figures and leaderboard, each only for a large enough group."""
    employee = current_employee()
    assert employee is not None  # login_required
    view = team_view(
        carbon().uow(), employee.id, min_group_size=carbon().settings.privacy.min_group_size
    )
    return render_template("carbon/pages/team.html", team=view)
