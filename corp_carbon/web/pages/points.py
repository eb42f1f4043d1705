"""The employee's points page: balance and statement in words, newest first, by year."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from corp_carbon.services.ledger.statements import years
from corp_carbon.web.access import login_required
from corp_carbon.web.account_words import money
from corp_carbon.web.params import page_count, page_number
from corp_carbon.web.state import carbon
from corp_carbon.web.statement import PAGE_SIZE, my_statement, worded


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/points", view_func=points_page, endpoint="points")


@login_required
def points_page() -> str:
    """200: the balance and the statement; ``year`` keeps one year's postings, and a page
    past the end shows the last one (the count and the lines always agree)."""
    balance, lines = my_statement()
    offered = years(lines)
    raw = request.args.get("year", "").strip()
    year = int(raw) if raw.isascii() and raw.isdigit() and int(raw) in offered else None
    if year is not None:
        lines = [line for line in lines if line.posted_on.year == year]
    pages = page_count(len(lines), PAGE_SIZE)
    page = min(page_number(), pages)
    chunk = lines[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    rewards = carbon().settings.rewards
    return render_template(
        "carbon/pages/points.html",
        balance=balance,
        worth=money(balance * rewards.point_value, rewards.point_currency),
        lines=[worded(line) for line in chunk],
        total=len(lines),
        first=(page - 1) * PAGE_SIZE + 1,
        page=page,
        pages=pages,
        years=offered,
        year=year,
        pager_args={"year": year} if year is not None else {},
    )
