"""Dates: reading the values people write, choosing weeks, and writing dates for people."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, tzinfo, UTC

from newsletter.models import Event, Week
from newsletter.i18n import _, is_english, locale
from newsletter.i18n import clock as clock_setting

WEEKDAYS = {"monday": 0, "sunday": 6}
_ISO_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")  # --today


class BadDate(ValueError):
    """A value that is not a date, a date-time or a time; the message says why."""


def parse_when(value: str, tz: tzinfo, ref_year: int | None = None) -> tuple[datetime, bool]:
    """Return (aware datetime, is_date) for '2018-01-15', '2018-01-27 12:00', '2018-01-27 7pm' or an offset form.

    A date alone means the whole day; a date-time without an offset is local
    to `tz`. The date must be year-month-day; anything else is refused with
    that form of it (using `ref_year` when the value has no year).
    """
    text = " ".join(value.split())
    found = _DATE_AND_TIME.match(text)
    if found is None:
        raise BadDate(_how_to_write(text, ref_year))
    day = _parse_date(found["date"])
    if found["time"] is None:
        return datetime.combine(day, time(0), tzinfo=tz), True
    try:
        moment = datetime.fromisoformat(f"{found['date']}T{found['time']}")  # 19:00, or 19:00-08:00
    except ValueError:
        moment = datetime.combine(day, parse_clock(found["time"]))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
        _must_exist(moment)
    return moment, False


_DATE_AND_TIME = re.compile(r"^(?P<date>\d{4}-\d{2}-\d{2})(?:[ T](?P<time>.+))?$")
_CLOCK_WORDS = {"noon": "12:00 pm", "midday": "12:00 pm", "midnight": "12:00 am"}
_TWENTY_FOUR_HOURS = re.compile(r"^(\d{1,2}):(\d{2})$")
_CLOCK_SHAPE = re.compile(r"^\d{1,2}(:\d{2}){0,2} ?([ap]\.?m\.?)?$", re.IGNORECASE)


def parse_clock(value: str) -> time:
    """A time of day as people write it: '19:00', '7:00', '7pm', '7:30 pm', '12pm', 'noon'.

    dateutil's parser reads it; only a time alone is given to it, and a bare
    number is refused, since '7' could be morning or evening. The 24-hour
    form most files use is read without loading dateutil.
    """
    text = _CLOCK_WORDS.get(value.strip().lower(), value.strip())
    if not _CLOCK_SHAPE.match(text) or not (":" in text or text[-1:].lower() in "m."):
        raise BadDate(f"{value!r} is not a time of day (write 19:00 or 7:00 pm)")
    if (plain := _TWENTY_FOUR_HOURS.match(text)) and int(plain[1]) < 24 and int(plain[2]) < 60:
        return time(int(plain[1]), int(plain[2]))
    from dateutil import parser

    try:
        return parser.parse(text, default=datetime(2000, 1, 1)).time()
    except (ValueError, OverflowError):
        raise BadDate(f"{value!r} is not a time of day (write 19:00 or 7:00 pm)") from None


def _how_to_write(text: str, ref_year: int | None) -> str:
    """'27/01/2018' is not a date newsletter reads: write 2018-01-27 — the closest valid form, where one is clear."""
    from dateutil import parser

    head, _, rest = text.partition(" ")
    written = None
    for candidate, tail in ((text, ""), (head, rest)):
        numbers = [int(n) for n in re.findall(r"\d+", candidate)]
        dayfirst = bool(numbers) and numbers[0] > 12
        try:
            found = parser.parse(candidate, dayfirst=dayfirst, default=datetime(ref_year or date.today().year, 1, 1))
        except (ValueError, OverflowError):
            continue
        if numbers and numbers[0] <= 12 and len(numbers) > 1 and numbers[1] <= 12 and "/" in candidate:
            other = date(found.year, found.day, found.month)
            return (f"{text!r} could be {found:%B} {found.day} or {other:%B} {other.day}: write the date as "
                    f"year-month-day, {found:%Y-%m-%d} or {other:%Y-%m-%d}")
        clock = f" {found:%H:%M}" if found.time() != time(0) else (f" {tail}" if tail else "")
        written = f"{found:%Y-%m-%d}{clock}"
        break
    if written:
        return f"{text!r} is not a date newsletter reads: write {written} (year-month-day)"
    return f"{text!r} is not a date or date-time (write 2018-01-27 or 2018-01-27 19:00)"


def clock_change(moment: datetime) -> str | None:
    """"skipped" for a local time the clocks jump over (2:30 am on a spring-forward night), "repeated" for one
    they pass twice (1:30 am on a fall-back night), None for an ordinary one."""

    if moment.replace(fold=0).utcoffset() == moment.replace(fold=1).utcoffset():
        return None
    back = moment.astimezone(UTC).astimezone(moment.tzinfo)
    return "repeated" if back.replace(tzinfo=None) == moment.replace(tzinfo=None) else "skipped"


def around_gap(moment: datetime) -> tuple[datetime, datetime]:
    """For a skipped local time, the times that do exist as far before and after it as the clocks jump."""
    jump = (moment.replace(fold=1).utcoffset() or timedelta(0)) - (moment.replace(fold=0).utcoffset() or timedelta(0))
    return moment - abs(jump), moment + abs(jump)


def _must_exist(moment: datetime) -> None:
    """Refuse a local time skipped when the clocks go forward (2:30 am on a spring-forward day), naming the two near it."""
    if clock_change(moment) == "skipped":
        before, after = around_gap(moment)
        raise BadDate(f"{moment:%Y-%m-%d %H:%M} does not exist in {moment.tzinfo}: the clocks go forward then, "
                      f"so write {before:%H:%M} or {after:%H:%M}")


def parse_end(value: str, start: datetime, tz: tzinfo) -> tuple[datetime, bool]:
    """Like parse_when, but a time alone ('14:00', '9:30 pm') means that time on the start's day."""
    text = " ".join(value.split())
    if not _DATE_AND_TIME.match(text) and (re.match(r"^\d", text) or text.lower() in _CLOCK_WORDS):
        if not re.match(r"^\d{4}\b|^\d{1,2}[/.]\d", text):
            end = datetime.combine(start.date(), parse_clock(text), tzinfo=start.tzinfo)
            _must_exist(end)
            return end, False
    return parse_when(text, tz, ref_year=start.year)


YEARS = (1900, 2200)  # the dates newsletter reads: far enough either way, and clear of datetime's edges


def _parse_date(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise BadDate(f"{text} is not a real date") from None
    if not YEARS[0] <= day.year <= YEARS[1]:
        raise BadDate(f"{text} is outside the years newsletter reads, {YEARS[0]} to {YEARS[1]}")
    return day


def parse_day(value: str) -> date:
    """A plain YYYY-MM-DD date, as given to --today."""
    if not _DATE_ONLY.match(value.strip()):
        raise BadDate(f"{value!r} is not a date (write YYYY-MM-DD)")
    return _parse_date(value.strip())


def week_containing(day: date, week_start: str, tz: tzinfo) -> Week:
    """The digest week that `day` falls in; named by the ISO week of its Monday."""
    back = (day.weekday() - WEEKDAYS[week_start]) % 7
    first = day - timedelta(days=back)
    monday = first if week_start == "monday" else first + timedelta(days=1)
    iso = monday.isocalendar()
    return Week(f"{iso.year}-W{iso.week:02d}", first, tz)


def parse_week(value: str, week_start: str, tz: tzinfo) -> Week:
    """A week from '2018-W04' or from any date inside it."""
    text = value.strip()
    found = _ISO_WEEK.match(text)
    if found:
        year, number = int(found[1]), int(found[2])
        try:
            monday = date.fromisocalendar(year, number, 1)
        except ValueError:
            raise BadDate(f"{year} has no ISO week {number}") from None
        return week_containing(monday, week_start, tz)
    try:
        return week_containing(parse_day(text), week_start, tz)
    except BadDate:
        raise BadDate(f"{value!r} is not a week (write 2018-W04 or a date such as 2018-01-24)") from None


def coming_week(today: date, week_start: str, tz: tzinfo) -> Week:
    """The week that starts on the next week-start day, or today if today is one."""
    ahead = (WEEKDAYS[week_start] - today.weekday()) % 7
    return week_containing(today + timedelta(days=ahead), week_start, tz)


def next_week(week: Week, week_start: str) -> Week:
    return week_containing(week.first_day + timedelta(days=7), week_start, week.tz)


# Writing dates the way people read them -------------------------------------------
# English keeps newsletter's house style ("Saturday, January 27 · 12:00–2:00 pm");
# another language is written by Babel from CLDR, in the language being rendered.


def format_day(day: date, ref_year: int | None = None) -> str:
    """'Saturday, January 27', with the year when it is not `ref_year`; 'sábado, 27 de enero'."""
    with_year = ref_year is not None and day.year != ref_year
    if not is_english():
        return _babel_date(day, _full_pattern(with_year))
    text = f"{day:%A}, {day:%B} {day.day}"
    return f"{text}, {day.year}" if with_year else text


def format_weekday(day: date) -> str:
    """'Sat', 'sáb': the abbreviated weekday, for the preheader."""
    return f"{day:%a}" if is_english() else _babel_date(day, "EEE")


def format_short_day(day: date) -> str:
    """'Sat Jan 27', for one-line listings."""
    return f"{day:%a} {day:%b} {day.day:>2}"


def format_badge_day(day: date) -> str:
    """'Sat 1/27': weekday and month/day, for the digest's agenda and the line above each entry."""
    if not is_english():
        return _babel_skeleton(day, "MEd")
    return f"{day:%a} {day.month}/{day.day}"


def format_glance(event: Event, home: tzinfo) -> str:
    """When, in a few characters: 'Sat 1/27 · 12:00 pm', 'Thu 1/25 · all day', 'Mon 1/15 – Sat 2/10'."""
    day = format_badge_day(event.start.date())
    if event.multi_day:
        return f"{day} – {format_badge_day(event.last_day)}"
    if event.all_day:
        return f"{day} · {_('all day')}"
    return f"{day} · {format_time(event.start.time())}{_zone_note(event, home)}"


def format_through_short(event: Event) -> str:
    """'Through Sat 2/10', for an event already under way when the week starts."""
    return _("Through {day}").format(day=format_badge_day(event.last_day))


def format_numeric_day(day: date) -> str:
    """'1/27': month/day without leading zeros, as announcement subjects write it ('27/1' in Spanish)."""
    if not is_english():
        return _babel_skeleton(day, "Md")
    return f"{day.month}/{day.day}"


def relative_day(day: date, today: date) -> str | None:
    """'Today', 'Tomorrow' or 'This Saturday' for a day in the coming week; None otherwise."""
    ahead = (day - today).days
    if ahead == 0:
        return _("Today")
    if ahead == 1:
        return _("Tomorrow")
    if 1 < ahead < 7:
        weekday = f"{day:%A}" if is_english() else _babel_date(day, "EEEE")
        return _("This {weekday}").format(weekday=weekday)
    return None


def format_time(clock: time, meridiem: bool = True) -> str:
    """'7:00 pm' ('19:00' on a 24-hour clock); in another language, as its locale or the clock setting says."""
    if not is_english():
        from babel.dates import format_skeleton

        return format_skeleton(_clock_skeleton(), datetime.combine(date(2000, 1, 1), clock), locale=locale())
    if clock_setting() == "24h":
        return f"{clock.hour:02d}:{clock.minute:02d}"
    hour = clock.hour % 12 or 12
    text = f"{hour}:{clock.minute:02d}"
    return f"{text} {'am' if clock.hour < 12 else 'pm'}" if meridiem else text


def format_time_range(start: time, end: time) -> str:
    """'12:00–2:00 pm', or '11:00 am–1:00 pm' when the halves of the day differ; '12:00–14:00'."""
    if not is_english():
        from babel.dates import format_interval

        day = date(2000, 1, 1)
        return format_interval(datetime.combine(day, start), datetime.combine(day, end), _clock_skeleton(),
                               locale=locale())
    if clock_setting() == "24h":
        return f"{format_time(start)}–{format_time(end)}"
    same_half = (start.hour < 12) == (end.hour < 12)
    return f"{format_time(start, meridiem=not same_half)}–{format_time(end)}"


def _clock_skeleton() -> str:
    """'Hm' or 'hm': the clock setting's, else the one the language's own short time uses."""
    hours = clock_setting() or ("24h" if "H" in locale().time_formats["short"].pattern else "12h")
    return "Hm" if hours == "24h" else "hm"


def _zone_note(event: Event, home: tzinfo) -> str:
    """' PST' when the event's clock is not the newsletter's at that moment."""
    if event.all_day or event.start.utcoffset() == event.start.astimezone(home).utcoffset():
        return ""
    return f" {event.start.tzname()}"


def format_when(event: Event, home: tzinfo, ref_year: int | None = None) -> str:
    """The event's day and time for people: 'Saturday, January 27 · 12:00–2:00 pm'."""
    start, end = event.start, event.end
    day = format_day(start.date(), ref_year)
    zone = _zone_note(event, home)
    if event.all_day:
        if event.multi_day:
            return f"{day} – {format_day(event.last_day, ref_year)}"
        return f"{day} · {_('all day')}"
    if end is None:
        return f"{day} · {format_time(start.time())}{zone}"
    if event.end_is_date:
        through = _("through {day}").format(day=format_day(event.last_day, ref_year))
        return f"{day} · {format_time(start.time())}{zone} {through}"
    if end.date() == start.date():
        return f"{day} · {format_time_range(start.time(), end.time())}{zone}"
    return (
        f"{day}, {format_time(start.time())} – "
        f"{format_day(end.date(), ref_year)}, {format_time(end.time())}{zone}"
    )


def format_clock(event: Event) -> str:
    """The time of day alone: '7:00–9:00 pm', 'all day'; for a series' page, where the rule gives the days."""
    if event.all_day or event.end_is_date:
        return _("all day")
    if event.end is not None and event.end.date() == event.start.date():
        return format_time_range(event.start.time(), event.end.time())
    return format_time(event.start.time())


def format_through(event: Event, ref_year: int | None = None) -> str:
    """'through Saturday, February 10', for an event already under way."""
    return _("through {day}").format(day=format_day(event.last_day, ref_year))


def format_moment(moment: datetime, is_date: bool, ref_year: int | None = None) -> str:
    """A single start, as in 'Thursday, January 4, 7:00 pm'."""
    day = format_day(moment.date(), ref_year)
    return day if is_date else f"{day}, {format_time(moment.time())}"


def week_label(week: Week) -> str:
    """'January 22–28, 2018', 'January 29 – February 4, 2018' or across a new year; '22–28 de enero de 2018'."""
    a, b = week.first_day, week.last_day
    if not is_english():
        from babel.dates import format_interval

        return format_interval(a, b, "yMMMMd", locale=locale())
    if a.year != b.year:
        return f"{a:%B} {a.day}, {a.year} – {b:%B} {b.day}, {b.year}"
    if a.month != b.month:
        return f"{a:%B} {a.day} – {b:%B} {b.day}, {b.year}"
    return f"{a:%B} {a.day}–{b.day}, {b.year}"


def _full_pattern(with_year: bool) -> str:
    """The language's full date pattern ("EEEE, d 'de' MMMM 'de' y"), without its year unless asked."""
    pattern = locale().date_formats["full"].pattern
    if with_year:
        return pattern
    pattern = re.sub(r"y+年", "", pattern)
    return re.sub(r"[,،]?\s*(?:'[^']*'\s*)?y+", "", pattern).strip(" ,،")


def _babel_date(day: date, pattern: str) -> str:
    from babel.dates import format_date

    return format_date(day, pattern, locale=locale())


def _babel_skeleton(day: date, skeleton: str) -> str:
    from babel.dates import format_skeleton

    return format_skeleton(skeleton, day, locale=locale())
