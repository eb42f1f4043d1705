"""What happens to booked trips afterwards: some are called off, some return tickets are
exchanged, and a few flights arrive a second time through the other agency."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from corp_carbon.db.models import Activity
from corp_carbon.demo.sources import Feeds
from corp_carbon.demo.trip_records import Trip, clone, match_key
from corp_carbon.domain.vocabulary import ActivityStatus, Mode

if TYPE_CHECKING:
    from corp_carbon.demo.trip_builder import TripBuilder

TARGET_CANCELLED = 15
TARGET_EXCHANGES = 10
TARGET_DUPLICATES = 3


def cancel_some(rng: random.Random, trips: list[Trip]) -> None:
    """Whole trips called off: transport and hotel cancelled, no taxis or hire cars taken."""
    candidates = [t for t in trips if not t.scripted]
    rng.shuffle(candidates)
    cancelled = 0
    for trip in candidates:
        if cancelled >= TARGET_CANCELLED:
            break
        reason = rng.choice(
            (
                "meeting postponed",
                "customer cancelled",
                "travel freeze",
                "illness",
                "moved to video call",
            )
        )
        for activity in trip.core():
            activity.status = ActivityStatus.CANCELLED
            activity.note = f"Cancelled: {reason}"
            cancelled += 1
        trip.extras = []


def exchange_some(
    rng: random.Random, builder: TripBuilder, trips: list[Trip]
) -> list[tuple[Activity, Activity]]:
    """Return tickets rebooked one or two days later: old leg replaced, new leg confirmed."""
    pairs: list[tuple[Activity, Activity]] = []
    candidates = [
        t
        for t in trips
        if not t.scripted
        and len(t.inbound) == 1
        and t.inbound[0].status is ActivityStatus.CONFIRMED
    ]
    rng.shuffle(candidates)
    for trip in candidates:
        if len(pairs) >= TARGET_EXCHANGES:
            break
        shift = rng.choice((1, 1, 2))
        new_day = trip.back + timedelta(days=shift)
        last = min(builder.end, trip.person.leaves) if trip.person.leaves else builder.end
        if new_day > last:
            continue
        old = trip.inbound[0]
        journey = old.journey
        assert journey is not None
        assert old.source_record_key is not None
        ticket = builder.ticket(old.carrier or "") if old.mode is Mode.AIR else None
        new = clone(
            old,
            travel_date=new_day,
            ticket_number=ticket,
            note=f"Exchanged ticket; originally {trip.back.isoformat()}",
            journey=journey,
            spend_amount=builder.money(60, trip.person.office.currency)
            + (old.spend_amount or Decimal(0)),
        )
        trip.feed.stamp(new, f"{old.source_record_key}-X1")
        new.match_key = match_key(trip.person, new)
        old.status, old.note = ActivityStatus.REPLACED, f"Ticket exchanged to {new_day.isoformat()}"
        journey.start_date = journey.end_date = new_day
        if trip.hotel is not None and trip.hotel.nights is not None:
            trip.hotel.nights += shift
        for taxi in trip.extras:
            if taxi.travel_date == trip.back and taxi.destination == "Home":
                taxi.travel_date = new_day
        trip.back = new_day
        pairs.append((old, new))
    return pairs


def duplicate_some(
    rng: random.Random, builder: TripBuilder, trips: list[Trip], feeds: Feeds
) -> list[tuple[Activity, Activity]]:
    """Flights Concur already sent that Navan sends again (booked there, ticketed here)."""
    candidates = [
        t.outbound[0]
        for t in trips
        if t.feed is feeds.concur
        and not t.scripted
        and t.outbound[0].mode is Mode.AIR
        and all(a.status is ActivityStatus.CONFIRMED for a in t.core())
    ]
    pairs = []
    for original in rng.sample(candidates, min(TARGET_DUPLICATES, len(candidates))):
        dup = clone(
            original,
            status=ActivityStatus.DUPLICATE,
            leg_index=None,
            note="Same flight as the Concur record; not counted twice",
        )
        feeds.navan.stamp(dup, builder.uuid())
        pairs.append((dup, original))
    return pairs
