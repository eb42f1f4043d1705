"""The language of the pages: English or Simplified Chinese, chosen by the person.

The choice is, in order: a ``?lang=`` link (kept in a cookie for the next pages), the
cookie, then the browser's preferred languages. corp-carbon's words come from its own
catalogue domain, so a host application mounting it keeps its own translations; when the
host runs Flask-Babel, its locale selector decides the language.
"""

from __future__ import annotations

import os
import threading
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from urllib.parse import urlencode

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time
from babel.numbers import NumberPattern, format_decimal, parse_pattern
from babel.support import NullTranslations
from flask import Blueprint, g, request
from flask.blueprints import BlueprintSetupState
from flask_babel import Babel, Domain, get_locale
from werkzeug.wrappers import Response

from corp_carbon.resources import translations_dir

DOMAIN_NAME = "corp_carbon"
#: locale id -> the language tag pages declare in <html lang> and links use in ?lang=.
LANGUAGES = {"en": "en", "zh_Hans_CN": "zh-CN"}
#: what each language is called in the switcher, in its own words.
LANGUAGE_NAMES = {"en": "English", "zh_Hans_CN": "中文"}
COOKIE = "corp_carbon_lang"
COOKIE_MAX_AGE = 365 * 86400
#: set to 1 (tests only) to note every msgid a non-English page looked up without a translation.
RECORD_ENV = "CORP_CARBON_RECORD_UNTRANSLATED"

domain = Domain(translation_directories=[str(translations_dir())], domain=DOMAIN_NAME)


class UntranslatedRecorder:
    """Notes the msgids looked up under a non-English locale that the catalogue has no
    translation for, so a browser test can fail naming them. Installed only when
    ``CORP_CARBON_RECORD_UNTRANSLATED=1`` when the app starts: in production the catalogue is
    read directly and this costs nothing."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: set[str] = set()

    def note(self, catalogue: NullTranslations, key: str | tuple[str, int], msgid: str) -> None:
        if not msgid or str(get_locale() or "en") == "en":
            return
        entries: dict[object, str] = getattr(catalogue, "_catalog", {})
        if not entries.get(key):
            with self._lock:
                self._seen.add(msgid)

    def take(self) -> list[str]:
        """The msgids noted since the last call, sorted; forgets them."""
        with self._lock:
            seen, self._seen = self._seen, set()
        return sorted(seen)


#: the recorder when switched on (see ``RECORD_ENV``), else None.
recorder: UntranslatedRecorder | None = None


#: where a request keeps its catalogue (see ``_catalogue``).
_CATALOGUE_KEY = "_corp_carbon_catalogue"


def _catalogue() -> NullTranslations:
    """The page's catalogue, found once per request.

    flask-babel finds it again on every look-up (the request's context three times, the
    locale, its name, a cache): 12 µs, more than the translation itself, on pages that say
    several hundred things. The request keeps what it found beside the locale it was found
    for, and finds it again when flask-babel's locale of the request changes
    (``refresh``, ``force_locale``) or cannot be seen."""
    found: NullTranslations
    try:
        kept = g.get(_CATALOGUE_KEY)
    except RuntimeError:  # outside an application context: flask-babel's untranslated default
        found = domain.get_translations()
        return found
    if kept is not None:
        state, locale, found = kept
        if locale is not None and getattr(state, "babel_locale", None) is locale:
            return found
    found = domain.get_translations()
    state = g.get("_flask_babel")
    setattr(g, _CATALOGUE_KEY, (state, getattr(state, "babel_locale", None), found))
    return found


def _ugettext(text: str) -> str:
    catalogue = _catalogue()
    if recorder is not None:
        recorder.note(catalogue, text, text)
    return str(catalogue.ugettext(text))


def _upgettext(context: str, text: str) -> str:
    catalogue = _catalogue()
    if recorder is not None:
        recorder.note(catalogue, f"{context}\x04{text}", text)
    return str(catalogue.upgettext(context, text))


def _ungettext(singular: str, plural: str, n: int) -> str:
    catalogue = _catalogue()
    if recorder is not None:
        recorder.note(catalogue, (singular, 0), singular)
    return str(catalogue.ungettext(singular, plural, n))


def register(bp: Blueprint) -> None:
    bp.record_once(_install)
    bp.after_request(_remember_choice)
    bp.add_app_template_filter(local_date, "local_date")
    bp.add_app_template_filter(local_moment, "local_moment")
    bp.add_app_template_filter(number, "number")
    bp.add_app_template_filter(kg, "kg")
    bp.app_context_processor(
        lambda: {"page_language": page_language, "other_languages": other_languages}
    )


def gettext(text: str, **variables: object) -> str:
    """``text`` in the page's language (for flash messages and other words made in views)."""
    translated = _ugettext(text)
    return translated % variables if variables else translated


def pgettext(context: str, text: str, **variables: object) -> str:
    """``text`` in the page's language where one English word has two meanings: "Name" of
    a person (姓名) or of a thing (名称), told apart by ``context``."""
    translated = _upgettext(context, text)
    return translated % variables if variables else translated


def ngettext(singular: str, plural: str, n: int, **variables: object) -> str:
    translated = _ungettext(singular, plural, n)
    return translated % {"num": n, **variables}


def local_date(day: date, english: str, style: str = "long") -> str:
    """A day as the page's language writes it: ``english`` (a strftime format) on English
    pages, as they always read, else the locale's ``style`` ("long": 2026年3月4日)."""
    locale = get_locale()
    if locale is None or str(locale) == "en":
        return day.strftime(english)
    return format_date(day, format=style, locale=locale)


def local_moment(moment: datetime) -> str:
    """A time (UTC, as the service keeps them) as the page's language writes it, to the
    minute and saying UTC: "3 Dec 2026, 14:05 UTC", "2026年12月3日 14:05 UTC"."""
    moment = moment.astimezone(UTC)
    locale = get_locale()
    if locale is None or str(locale) == "en":
        return f"{moment.day} {moment.strftime('%b %Y, %H:%M')} UTC"
    day = format_date(moment, format="long", locale=locale)
    return f"{day} {format_time(moment, format='short', tzinfo=UTC, locale=locale)} UTC"


def number(value: int | float | Decimal | None, digits: int = 0) -> str:
    """A figure as the page's language writes it, with exactly ``digits`` decimals
    (1,234.5 in English; grouping and signs per locale); "—" for no figure.

    A page writes a hundred or more figures. Where the locale writes them as Python's own
    ``format`` does (Latin digits, "," grouping by threes, "." decimals, "-" minus: English
    and Chinese), ``format`` writes them, in under a microsecond against babel's ten; babel
    writes the rest (other locales, infinities). A test holds both to the same text."""
    if value is None:
        return "—"
    locale = get_locale()
    if _plain_locale(str(locale) if locale is not None else "en"):
        exact = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
        if exact.is_finite():
            return format(exact, f",.{digits}f")
    return format_decimal(value, format=_number_pattern(digits), locale=locale or "en")


@cache
def _plain_locale(locale: str) -> bool:
    """Whether ``locale`` writes figures exactly as Python's ``format`` does."""
    parsed = Locale.parse(locale)
    symbols = parsed.number_symbols.get(parsed.default_numbering_system, {})
    return parsed.default_numbering_system == "latn" and (
        symbols.get("decimal"),
        symbols.get("group"),
        symbols.get("minusSign"),
    ) == (".", ",", "-")


@cache
def _number_pattern(digits: int) -> NumberPattern:
    """The pattern of figures with ``digits`` decimals, parsed once (babel parses the text of
    a pattern again on every call, a third of the cost of a figure)."""
    return parse_pattern("#,##0" + ("." + "0" * digits if digits else ""))


def kg(value: int | float | Decimal | None, digits: int = 1) -> str:
    """A mass of CO2e with its unit: "12.3 kg CO2e"; tonnes from 10 t up ("12.4 t CO2e")."""
    if value is None:
        return "—"
    amount = Decimal(str(value))
    if abs(amount) >= 10_000:
        return gettext("%(amount)s t CO2e", amount=number(amount / 1000, 1))
    return gettext("%(amount)s kg CO2e", amount=number(value, digits))


def month_names(key: str, english: str) -> tuple[str, str, str]:
    """A month ("2026-03") as (whole name, month alone, year alone) in the page's language:
    ("2026年3月", "3", "2026年") in Chinese; in English ``english`` ("Mar 2026") split at its
    space. A key that is no month comes back as it is."""
    locale = get_locale()
    year, _, month = key.partition("-")
    if locale is None or str(locale) == "en" or not (year.isdigit() and month.isdigit()):
        short, _, rest = english.partition(" ")
        return english, short, rest
    first = date(int(year), int(month), 1)
    return (
        format_skeleton("yMMM", first, locale=locale),
        # the month's number alone: "10月11月12月" under narrow columns would run together
        format_date(first, "L", locale=locale),
        format_skeleton("y", first, locale=locale),
    )


def page_language() -> str:
    """The ``lang`` attribute of the page: "en" or "zh-CN"."""
    return LANGUAGES.get(str(get_locale()), "en")


def other_languages() -> list[tuple[str, str, str]]:
    """(name in its own words, tag, link to this page in it) of each language not shown."""
    shown = str(get_locale())
    found = []
    for locale, tag in LANGUAGES.items():
        if locale != shown:
            args = request.args.to_dict(flat=False)
            args["lang"] = [tag]
            query = urlencode(args, doseq=True)
            found.append((LANGUAGE_NAMES[locale], tag, f"{request.path}?{query}"))
    return found


def select_locale() -> str:
    chosen = _known(request.args.get("lang")) or _known(request.cookies.get(COOKIE))
    if chosen:
        return chosen
    for tag, _quality in request.accept_languages:
        found = _known(tag)
        if found:
            return found
    return "en"


def _known(tag: str | None) -> str | None:
    """A browser or link language tag as one of ours: any Chinese is zh_Hans_CN for now."""
    if not tag:
        return None
    primary = tag.replace("_", "-").split("-")[0].lower()
    if primary == "zh":
        return "zh_Hans_CN"
    if primary == "en":
        return "en"
    return None


def _install(setup: BlueprintSetupState) -> None:
    global recorder
    app = setup.app
    if os.environ.get(RECORD_ENV) == "1" and recorder is None:
        recorder = UntranslatedRecorder()
    if "babel" not in app.extensions:
        Babel(app, locale_selector=select_locale, configure_jinja=False)
    env = app.jinja_env
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(  # type: ignore[attr-defined]
        _ugettext, _ungettext, newstyle=True, pgettext=_upgettext
    )


def _remember_choice(response: Response) -> Response:
    chosen = _known(request.args.get("lang"))
    if chosen and request.cookies.get(COOKIE) != chosen:
        response.set_cookie(
            COOKIE, chosen, max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True,
            secure=request.is_secure,
        )  # fmt: skip
    return response
