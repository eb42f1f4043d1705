"""The ``[section]`` tables of the config file: every key declared once, with its default.

Each section is a frozen, strict pydantic model that forbids unknown keys; the ``#:`` comment
above a key is what config.example.toml says about it.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class AppSection(Section):
    #: production requires a secret key; development and demo generate one per process.
    mode: Literal["production", "development", "demo"] = "production"
    secret_key: str = ""
    #: where corp-carbon's pages and API are mounted; "" = at the root.
    url_prefix: str = ""
    #: folder for the default SQLite database and other local files; relative to the CWD.
    instance_path: str = "instance"
    company_name: str = "Example Corp"


class DatabaseSection(Section):
    #: SQLAlchemy URL; empty = SQLite file ``corp-carbon.sqlite`` in the instance folder.
    url: str = ""
    echo: bool = False
    pool_size: int = Field(default=5, ge=1, le=200)
    #: seconds to wait for the database at start before giving up.
    connect_timeout: int = Field(default=5, ge=1, le=120)
    #: a read replica for reports (the ESG workbook, CSV/JSON, the summary API, the overview
    #: page); "" = ``url``. Nothing is ever written there.
    report_url: str = ""
    #: PostgreSQL reached directly, not through a pooler, for what needs a session of its
    #: own: the scheduler's leadership lock; "" = ``url``.
    direct_url: str = ""
    #: psycopg prepares a statement run 5 times on a connection; false turns that off, as
    #: PgBouncer in transaction mode (before 1.21) requires.
    prepared_statements: bool = True


class SessionSection(Section):
    cookie_secure: bool = True
    lifetime_minutes: int = Field(default=480, ge=5, le=60 * 24 * 30)


class DevLoginSection(Section):
    #: a page to pick any employee and role without SSO; never enable in production.
    enabled: bool = False


class LoggingSection(Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    #: json = one JSON object per line (for log shippers); text = human-readable.
    format: Literal["json", "text"] = "json"


class PrivacySection(Section):
    #: aggregates over fewer people than this are shown as suppressed (k-anonymity).
    min_group_size: int = Field(default=5, ge=1, le=1000)
    #: key of the pseudonymous employee ids in report detail rows (an HMAC of the public id);
    #: production requires it; development and demo use a fixed development value.
    pseudonym_secret: str = ""
    # SCIM provisioning
    #: a user deleted through SCIM is deactivated at once and its personal data is due for
    #: erasure this many days later (0 = at the next erasure run); an erasure request HR
    #: records on a profile is due the same number of days after it is recorded.
    erase_after_days: int = Field(default=30, ge=0, le=3650)
    #: an import run's raw data (the values its row problems quote, the records waiting for
    #: their traveller, a file kept in a watched folder's processed/) is deleted this many
    #: days after the run; its counts and problems stay. 0 = kept forever.
    keep_raw_days: int = Field(default=90, ge=0, le=3650)
    #: HR's profile page lists the person's latest trips with their routes; off, HR sees the
    #: balance, redemptions and commute profile only (where someone travels is not HR's
    #: business unless the company decides it is).
    hr_sees_routes: bool = False


class TravelRule(Section):
    """One rule of the travel policy: these grades may take ``cabin`` by ``mode``."""

    #: grades the rule covers (an employee's grade from SSO, SCIM or the HR file); [] = all.
    grades: list[str] = Field(default_factory=list)
    mode: Literal["air", "rail"] = "air"
    #: air: premium_economy, business or first; rail: first or sleeper.
    cabin: Literal["premium_economy", "business", "first", "sleeper"] = "business"
    #: hauls the rule covers; unset (with min_km unset): business_class_hauls and
    #: business_class_min_km below, for flights, and any train.
    hauls: list[str] | None = None
    #: trips at least this long (great circle, km).
    min_km: int | None = Field(default=None, ge=0)


class MethodologySection(Section):
    """Defaults of the scoring policy; a change here becomes a new stored methodology version
    (once: a version saved on the methodology page stays current until these change again)."""

    #: a factor-set id (desnz-2024, desnz-2025, epa-2025, ...) or "by-year": the set of the
    #: activity's year in ``family``, falling back to the family's newest.
    factor_set: str = "by-year"
    family: str = "desnz"
    #: DESNZ recommends reporting flights with radiative forcing.
    radiative_forcing: bool = True
    include_well_to_tank: bool = False
    #: a points policy (rates per behaviour and caps): "balanced-2026", or one added in
    #: extra_data_dir; or "avoided_grams" (1 point per gram CO2e avoided); or a city rate
    #: card: wuhan-2024, wuhan-2023, shenzhen-2022.
    points_rule: str = "balanced-2026"
    #: "reference": credit against the company's reference baselines; "personal": against
    #: the employee's declared usual commute (who always cycled earns nothing new for it).
    additionality: Literal["reference", "personal"] = "reference"
    #: rail/coach journeys between places this far apart (km) are compared with a flight.
    rail_vs_flight_band_km: list[int] = Field(default_factory=lambda: [150, 1500])
    #: hauls where policy allows business class: economy there is credited against business.
    business_class_hauls: list[str] = Field(default_factory=lambda: ["long_haul"])
    #: ...and on any flight at least this many km (great circle); 0 = by haul only.
    business_class_min_km: int = Field(default=3700, ge=0)
    #: fuel of the reference solo car for commutes: "unknown" = the average car.
    reference_car_fuel: Literal["unknown", "petrol", "diesel"] = "unknown"
    #: great-circle distance x factor = estimated ground distance when none is given.
    detour_rail: float = 1.2
    detour_road: float = 1.25
    detour_ferry: float = 1.1
    #: who may take which cabin or rail class: cabin and class credit only against these.
    travel_policy: list[TravelRule] = Field(
        default_factory=lambda: [
            TravelRule(grades=["executive", "director"], mode="air", cabin="business"),
            TravelRule(grades=["executive", "director"], mode="rail", cabin="first"),
        ]
    )
    #: rail or coach counts against a flight only where both ends have an airport this close
    #: (great circle, km); 0 = not required.
    airport_max_km: int = Field(default=100, ge=0)
    #: personal additionality: a new usual commute counts as a change for this many months
    #: after the profile changes, then becomes the baseline; 0 = for ever.
    new_commute_months: int = Field(default=12, ge=0, le=120)
    #: seat-space allocation of a train's emissions by class, relative to standard class.
    rail_first_class_space: float = Field(default=1.5, ge=1, le=5)
    rail_sleeper_space: float = Field(default=2.0, ge=1, le=5)
    commute_trips_per_day: int = Field(default=2, ge=0, le=10)
    self_reported_per_month: int = Field(default=60, ge=0, le=1000)
    #: a folder of extra factor-set and rate-card TOML files (besides the packaged ones).
    extra_data_dir: str = ""


class RewardsSection(Section):
    #: redemptions cheaper than this many points are approved automatically (besides rewards
    #: flagged auto_approve); 0 = only flagged rewards skip HR approval.
    auto_approve_below_points: int = Field(default=0, ge=0)
    #: what one point is worth, for the outstanding balance as a liability in reports: the
    #: default 1 point per gram avoided makes a tonne avoided worth 1000 points = 1 EUR.
    point_value: Decimal = Field(default=Decimal("0.01"), ge=0, strict=False)
    #: ISO 4217 currency of point_value.
    point_currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")
    #: folder of the pictures HR uploads for rewards; relative to the instance folder;
    #: "" = ``reward-images`` in the instance folder.
    image_folder: str = ""
    #: largest picture HR can upload (PNG, JPEG or WebP); it is re-encoded and scaled down.
    max_image_mb: int = Field(default=2, ge=1, le=50)


class CommuteSection(Section):
    """Commutes employees log on their page, and the evidence photos behind them."""

    #: folder of the evidence photos; relative to the instance folder; "" =
    #: ``commute-evidence`` in the instance folder.
    evidence_folder: str = ""
    #: largest evidence photo an employee can upload (JPEG, PNG or HEIC).
    max_photo_mb: int = Field(default=8, ge=1, le=50)
    #: a month's commutes can be logged and corrected until this many days after it ends.
    correction_window_days: int = Field(default=7, ge=0, le=60)


class LedgerSection(Section):
    #: points expire this many months after they were credited, oldest first; 0 = never.
    expiry_months: int = Field(default=0, ge=0, le=240)
    #: an adjustment of more points than this (either way) waits for a second HR
    #: administrator to approve it; 0 = every adjustment does.
    second_person_above: int = Field(default=10_000, ge=0, le=2_147_483_647)


class ImportsSection(Section):
    """How booking exports are read and stored."""

    #: records per transaction: a crash leaves whole batches only; a re-run completes the rest.
    batch_size: int = Field(default=5000, ge=1, le=100_000)
    #: largest file the upload and push API accept.
    max_upload_mb: int = Field(default=200, ge=1, le=10_000)
    #: XLSX guard: refuse workbooks that expand beyond this, or compress better than the ratio.
    xlsx_max_uncompressed_mb: int = Field(default=500, ge=1, le=20_000)
    xlsx_max_ratio: int = Field(default=100, ge=2, le=10_000)
    #: XLSX guard: distinct texts a workbook may hold (openpyxl keeps each in memory).
    xlsx_max_shared_strings: int = Field(default=1_000_000, ge=1000, le=100_000_000)
    #: applied (and flagged on the trip) when a flight's cabin class is missing.
    default_cabin: Literal["economy", "premium_economy", "business", "first"] = "economy"
    #: a survey answer yields expected commute trips for this many months from its month.
    commute_months: int = Field(default=12, ge=1, le=36)
    #: spend-based factors for expense lines without a distance (GHG Protocol spend method).
    spend_factor_set: str = "useeio-v1.2-2021usd"
    #: an operator's dated currency-rate table (TOML); "" = the ECB reference rates.
    currency_rates_file: str = ""


class SchedulerSection(Section):
    """The ``corp-carbon scheduler`` process: leadership, retries, missed runs."""

    #: `corp-carbon demo` runs the scheduler inside the demo process.
    enabled_in_demo: bool = False
    #: a scheduler that is not the leader tries to become it this often (seconds).
    leader_retry_seconds: int = Field(default=15, ge=1, le=3600)
    #: a failed job is tried this many times in all (1 = no retry).
    retry_attempts: int = Field(default=3, ge=1, le=20)
    #: wait before the first retry; doubled for each further one (seconds).
    retry_backoff_seconds: int = Field(default=60, ge=0, le=86400)
    #: a run missed (scheduler down) by at most this much still runs, once (seconds).
    misfire_grace_seconds: int = Field(default=900, ge=1, le=7 * 86400)


class ReportsSection(Section):
    """The company overview's figures, computed ahead by the scheduler."""

    #: the scheduler refreshes the overview's preset periods this often (minutes); figures
    #: older than this are shown as being refreshed.
    overview_refresh_minutes: int = Field(default=60, ge=1, le=7 * 24 * 60)
    #: a period with at most this many activities is computed while the page is asked for
    #: (a few seconds); a larger one without current figures is computed in the background.
    overview_inline_limit: int = Field(default=50_000, ge=0, le=100_000_000)


#: an origin a page may be framed by: scheme://host[:port], the host's first label may be "*"
#: (any subdomain), or the keyword 'self' (corp-carbon's own origin).
_ORIGIN = re.compile(
    r"^https?://(?P<wild>\*\.)?"
    r"(?P<domain>[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*)"
    r"(?::(?P<port>\d{1,5}))?$"
)


class WebSection(Section):
    #: origins of the company portal allowed to show /widget in an iframe, as
    #: scheme://host[:port] ("https://portal.example.com", "https://*.example.com" for any
    #: subdomain, "'self'"); every other page can never be framed.
    widget_allowed_origins: list[str] = Field(default_factory=list)

    @field_validator("widget_allowed_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        """Each origin as the Content-Security-Policy frame-ancestors directive takes it, so a
        typo stops the service at start rather than letting any site frame the widget."""
        checked: list[str] = []
        for raw in value:
            origin = raw.strip().lower()
            if origin in ("'self'", "self"):
                origin = "'self'"
            elif (
                not (found := _ORIGIN.match(origin))
                or int(found["port"] or 1) > 65535
                or (found["wild"] and "." not in found["domain"])  # not *.com
            ):
                raise ValueError(
                    f"{raw!r} is not an origin: write scheme://host[:port] with http or https, "
                    "no path or query, no wildcard but a leading '*.' for subdomains of a domain "
                    "(e.g. https://portal.example.com), or 'self'"
                )
            if origin not in checked:
                checked.append(origin)
        return checked
