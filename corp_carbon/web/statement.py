"""The signed-in employee's statement, shared by the points page and ``GET /api/v1/me/ledger``.

The service hands over values; this module words each line in the reader's language
("Trip: Rail London → Paris", "Redeemed: Rail voucher", "Refund: rejected by HR"), so the
page and the API say the same thing and no reason code reaches a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from corp_carbon.domain.vocabulary import TransactionKind, label
from corp_carbon.services.ledger import statements
from corp_carbon.services.ledger.statements import StatementLine
from corp_carbon.web.access import current_employee
from corp_carbon.web.i18n import gettext
from corp_carbon.web.state import carbon

#: statement lines a page, on the page and in the API.
PAGE_SIZE = 100


@dataclass(frozen=True)
class WordedLine:
    """A statement line as a person reads it."""

    line: StatementLine
    #: what happened: "Trip: Rail London → Paris".
    words: str
    #: more about it, or None: HR's reason for a rejection, the reward a refund gives back.
    detail: str | None

    @property
    def dated(self) -> date:
        return self.line.dated

    @property
    def posted_on(self) -> date:
        return self.line.posted_on


def my_statement() -> tuple[int, list[StatementLine]]:
    """The signed-in employee's balance and statement lines, newest first."""
    employee = current_employee()
    assert employee is not None
    with carbon().uow() as uow:
        lines = statements.statement(uow.session, employee.id)
    balance = lines[-1].running_balance if lines else 0
    return balance, list(reversed(lines))


def worded(line: StatementLine) -> WordedLine:
    """The line's words and detail in the page's language."""
    trip = trip_words(line)
    reward = line.reward or gettext("a reward")
    reason = line.reason_code
    detail: str | None = None
    if line.kind is TransactionKind.EARN:
        words = gettext("Trip: %(trip)s", trip=trip)
    elif line.kind is TransactionKind.REVERSAL:
        template = {
            "activity_cancelled": gettext("Trip cancelled, points given back: %(trip)s"),
            "ticket_exchanged": gettext("Ticket exchanged, old trip's points given back: %(trip)s"),
            "duplicate_of_another_source": gettext(
                "Same trip reported twice, points given back: %(trip)s"
            ),
        }.get(reason, gettext("Points of a trip given back: %(trip)s"))
        words = template % {"trip": trip}
    elif line.kind is TransactionKind.REDEEM:
        words = gettext("Redeemed: %(reward)s", reward=reward)
    elif line.kind is TransactionKind.REFUND:
        if reason == "redemption_rejected":
            words = gettext("Refund: rejected by HR")
            detail = gettext("%(reward)s. HR's reason: %(reason)s", reward=reward, reason=line.memo)
        elif reason == "redemption_cancelled":
            words = gettext("Refund: you cancelled the request")
            detail = reward
        else:
            words = gettext("Refund")
            detail = reward
    elif line.kind is TransactionKind.EXPIRE:
        words = gettext("Points expired")
        detail = gettext("The oldest points expire first, after the period the company set.")
    elif line.kind is TransactionKind.ADJUST:
        words = gettext("Adjustment by HR: %(reason)s", reason=line.memo)
    else:  # a kind added later still reads as words
        words = gettext(label(line.kind))
    return WordedLine(line, words, detail)


def trip_words(line: StatementLine) -> str:
    """The trip behind a line: "Rail London → Paris", "Flight to Dublin", "Bicycle"."""
    if line.mode is None:
        return gettext("a trip")
    mode = gettext(label(line.mode))
    if line.origin and line.destination:
        return gettext(
            "%(mode)s %(origin)s → %(destination)s",
            mode=mode, origin=line.origin, destination=line.destination,
        )  # fmt: skip
    if line.destination:
        return gettext("%(mode)s to %(destination)s", mode=mode, destination=line.destination)
    return mode
