"""The plain data that flows through newsletter: settings, events, weeks, digests."""

from collections.abc import Iterator, Mapping
from datetime import date, datetime, time, timedelta, tzinfo
from pathlib import Path

from msgspec import Struct

from newsletter.i18n import N_
from newsletter.providers import NONE, Provider

STATUSES = ("scheduled", "rescheduled", "postponed", "cancelled")


class Kind(Struct, frozen=True):
    """A kind of event: the digest section it goes in (`heading`) and what one is called (`label`)."""

    id: str
    heading: str
    color: str
    label: str
    # The group's own words for it in its other languages: (language, heading, label), either may be None.
    translations: tuple[tuple[str, str | None, str | None], ...] = ()

    def words(self, language: str) -> tuple[str | None, str | None]:
        """(heading, label) in `language` (or its base language, es for es-MX), as the group wrote them."""
        for code in (language, language.split("-")[0]):
            for own, heading, label in self.translations:
                if own.lower() == code.lower():
                    return heading, label
        return None, None


def default_label(kind_id: str) -> str:
    """'phone-bank' -> 'Phone Bank': a singular name for a group's own kind."""
    return " ".join(word.capitalize() for word in kind_id.split("-"))


class Image(Struct, frozen=True):
    """An image as the email links it: an https:// address, with its size in pixels when known."""

    src: str
    alt: str
    width: int | None = None
    height: int | None = None
    file: str | None = None  # the project's own file, relative to newsletter.toml; the archive publishes it
    bytes: int | None = None  # the file's size on disk, when it is the project's own

    def shown(self, column: int) -> tuple[int, int | None]:
        """The width and height to show it at in a column `column` pixels wide, never wider than the image."""
        width = min(self.width, column) if self.width else column
        if not (self.width and self.height):
            return width, None
        return width, round(self.height * width / self.width)


class Theme(Struct, frozen=True):
    accent: str = "#1d5fb4"
    background: str = "#ffffff"
    text: str = "#1f2328"
    logo: Image | None = None


DEFAULT_KINDS = (  # N_ marks the words for the catalogs; they are translated where they are shown
    Kind("rally", N_("Rallies & actions"), "#c0392b", N_("Rally")),
    Kind("meeting", N_("Meetings"), "#1d5fb4", N_("Meeting")),
    Kind("panel", N_("Panels & talks"), "#7b3fa0", N_("Panel")),
    Kind("study-group", N_("Study groups"), "#1e7b4f", N_("Study Group")),
    Kind("fund-drive", N_("Fund drives"), "#b35900", N_("Fund Drive")),
    Kind("other", N_("Also this week"), "#57606a", N_("Event")),
)


LAYOUTS = ("auto", "full", "compact")


class DigestOptions(Struct, frozen=True):
    """The [digest] table: how much of each description the digest shows."""

    layout: str = "auto"  # "full", "compact", or "auto": full until the HTML passes max_html_kb
    max_html_kb: float = 80


class ShareOptions(Struct, frozen=True):
    """The [share] table: what the chat messages, posts and share images carry besides the event."""

    hashtags: tuple[str, ...] = ()  # added to every post, without the '#'
    images: bool = True  # write card.png, square.png and flyer.pdf (they need the fonts named in the docs)
    paper: str | None = None  # the flyer's: "a4" or "letter"; None: the group's region decides


class KindRule(Struct, frozen=True):
    """One [[import.kinds]] table: an imported event whose title or categories match `pattern` gets `kind`."""

    pattern: str  # a regular expression, matched without regard to case
    kind: str


class ImportOptions(Struct, frozen=True):
    """The [import] table: how `newsletter import` chooses kinds, and which form column holds which field."""

    kinds: tuple[KindRule, ...] = ()
    form: tuple[tuple[str, str], ...] = ()  # (event field, the form's column heading), in the order written


class SmtpSettings(Struct, frozen=True):
    """Where `newsletter send` hands messages over; the password comes from the environment."""

    host: str
    port: int
    security: str = "starttls"  # "starttls", "ssl" or "none"
    username: str | None = None
    timeout: float = 30.0  # the whole conversation with the server, not each answer
    ca_file: str | None = None  # a private certificate authority, relative to newsletter.toml

    @property
    def password_in_clear(self) -> bool:
        """A login would send the password unencrypted over a network (loopback is this computer alone)."""
        return bool(self.username) and self.security == "none" and not is_loopback(self.host)


def is_loopback(host: str) -> bool:
    """`host` names this computer: localhost, 127.0.0.0/8 or ::1."""
    import ipaddress

    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Lines(Mapping[str, int]):
    """Where each setting is written in newsletter.toml (its key, dotted, to a line number), for messages.

    Not part of what the settings are: any two compare equal and hash alike, so
    that settings that differ only in where their lines are are the same settings.
    """

    __slots__ = ("_lines",)

    def __init__(self, lines: Mapping[str, int] | None = None):
        self._lines = dict(lines or {})

    def __getitem__(self, key: str) -> int:
        return self._lines[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._lines)

    def __len__(self) -> int:
        return len(self._lines)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Lines)

    def __hash__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return f"Lines({self._lines!r})"


class Settings(Struct, frozen=True):
    """Everything `newsletter.toml` says, with defaults filled in."""

    name: str
    timezone: tzinfo
    timezone_name: str = "UTC"
    organization: str | None = None
    language: str = "en"  # the language of this edition; with `languages`, the first of them unless an edition's
    languages: tuple[str, ...] = ()  # a bilingual group's languages, the primary first
    bilingual: str = "separate"  # "separate": one email per language; "together": both in one
    clock: str | None = None  # "12h" or "24h"; by default the language's own
    week_start: str = "monday"
    sender: str = "newsletter@example.org"
    reply_to: str | None = None
    to: str | None = None
    list_id: str | None = None  # List-Id: a name and <id>; by default from `to`
    subject: str = "{{ name }}: {{ week.label }}"
    announce_subject: str = "{{ event.short_date }} {{ event.headline }}"
    preheader: str | None = None  # the inbox teaser, a Jinja template; by default from the week's events
    intro: str | None = None  # Markdown under the digest's header: `intro`, or intro.md next to the settings
    coming_up_weeks: int = 2
    archive_url: str | None = None
    unsubscribe: str | None = None
    address: str | None = None
    kinds: tuple[Kind, ...] = DEFAULT_KINDS
    theme: Theme = Theme()
    digest: DigestOptions = DigestOptions()
    share: ShareOptions = ShareOptions()
    importing: ImportOptions = ImportOptions()
    provider: Provider = NONE
    smtp: SmtpSettings | None = None
    root: Path = Path(".")
    path: str = "newsletter.toml"
    lines: Lines = Lines()  # where each setting is written, for messages

    @property
    def recipient(self) -> str:
        """The To: address: the list address, or the sender when the list goes in Bcc."""
        return self.to or self.sender

    @property
    def view_online(self) -> str | None:
        """The "view in browser" link: the mailing service's tag, when it has one."""
        return self.provider.view_online

    @property
    def direction(self) -> str:
        return direction_of(self.language)

    @property
    def primary(self) -> str:
        """The language the event files are written in."""
        return self.languages[0] if self.languages else self.language

    @property
    def editions(self) -> tuple[str, ...]:
        """The languages written as emails of their own: each of `languages` when separate, else one."""
        if len(self.languages) > 1 and self.bilingual == "separate":
            return self.languages
        return (self.primary,)

    @property
    def together(self) -> tuple[str, ...]:
        """The other languages each event shows beside the primary one, in one email."""
        if len(self.languages) > 1 and self.bilingual == "together":
            return self.languages[1:]
        return ()

    def kind(self, kind_id: str) -> Kind | None:
        return next((k for k in self.kinds if k.id == kind_id), None)


RTL_LANGUAGES = {"ar", "dv", "fa", "he", "ku", "ps", "sd", "ug", "ur", "yi"}


def direction_of(language: str) -> str:
    """"rtl" for a language written right to left, else "ltr"."""
    return "rtl" if language.split("-")[0].lower() in RTL_LANGUAGES else "ltr"


class Location(Struct, frozen=True):
    name: str | None = None
    address: str | None = None
    url: str | None = None
    notes: str | None = None

    @property
    def tbd(self) -> bool:
        return self.name is not None and self.name.strip().upper() == "TBD" and not self.address


class Speaker(Struct, frozen=True):
    name: str
    bio: str | None = None


class Link(Struct, frozen=True):
    label: str
    url: str


class Source(Struct, frozen=True):
    """Where an imported event came from: the calendar (its address or file) or form, and the event's UID there
    (a date's, for a date of a series written on its own: the UID and the date)."""

    calendar: str
    uid: str


class Recurrence(Struct, frozen=True):
    """An event file's `repeat`: the rule its occurrences follow, in the event's own zone."""

    every: str  # "day", "week" or "month"
    interval: int = 1
    weekdays: tuple[int, ...] = ()  # Monday is 0: a weekly series' days, or the weekday of "first thursday"
    position: int | None = None  # monthly by weekday: 1 to 5, or -1 for "last"
    month_day: int | None = None  # monthly by date: 1 to 31
    until: date | None = None  # the last day an occurrence may fall on
    count: int | None = None  # how many occurrences the rule makes, skipped dates included
    exceptions: tuple[date, ...] = ()  # occurrences that do not take place


class Translation(Struct, frozen=True):
    """An event's words in another language, from the file beside it: events/<id>.<language>.md.

    Only words: the times, places and addresses stay the event file's own. A
    field left out (None, or an empty body) is shown in the primary language.
    """

    language: str
    path: str
    title: str | None = None
    short_title: str | None = None
    summary: str | None = None
    location_notes: str | None = None
    accessibility: str | None = None
    status_note: str | None = None
    bios: tuple[str | None, ...] = ()  # by the speakers' order in the event file
    link_labels: tuple[str | None, ...] = ()  # by the links' order in the event file
    body: str = ""
    changes: tuple = ()  # a series' changed dates: (date, Translation) with the words of that date's change


class Event(Struct, frozen=True):
    """One event file, validated. Times are aware datetimes in the event's own zone."""

    id: str
    path: str
    title: str
    kind: str
    start: datetime
    tz: tzinfo
    all_day: bool = False
    end: datetime | None = None
    end_is_date: bool = False
    location: Location | None = None
    online: str | None = None
    hosts: tuple[str, ...] = ()
    speakers: tuple[Speaker, ...] = ()
    links: tuple[Link, ...] = ()
    rsvp: str | None = None
    donate: str | None = None
    accessibility: str | None = None
    image: Image | None = None
    summary: str | None = None
    short_title: str | None = None  # for buttons: "Donate to CERSC"
    draft: bool = False
    status: str = "scheduled"
    rescheduled_from: datetime | None = None
    rescheduled_from_is_date: bool = False
    status_note: str | None = None
    source: Source | None = None  # an imported event's calendar and UID (newsletter import)
    body: str = ""
    repeat: Recurrence | None = None  # a series' rule; its occurrences keep it, to say how often they happen
    changes: tuple[tuple[date, "Event"], ...] = ()  # a series' changed occurrences, by their date in the rule
    series: str | None = None  # an occurrence: the id of its series
    occurrence: date | None = None  # an occurrence: its date in the rule, changed or not
    slot: datetime | None = None  # an occurrence: where the rule puts it before any change (its RECURRENCE-ID)
    translations: tuple[Translation, ...] = ()  # its words in the group's other languages
    # In another language's edition: the fields still in the language of the event file, and that language.
    untranslated: frozenset[str] = frozenset()
    text_language: str | None = None

    def translation(self, language: str) -> Translation | None:
        return next((t for t in self.translations if t.language == language), None)

    @property
    def is_series(self) -> bool:
        """The event file of a recurring event, not one occurrence of it."""
        return self.repeat is not None and self.series is None

    @property
    def rule(self) -> Recurrence:
        """The rule of a series or of one of its dates; asked only of those (ValueError for a one-off event)."""
        if self.repeat is None:
            raise ValueError(f"{self.id} does not repeat")
        return self.repeat

    @property
    def ends_at(self) -> datetime:
        """The instant the event is over (exclusive), for overlap tests."""
        if self.end is None:
            if self.all_day:
                return next_midnight(self.start)
            return self.start
        if self.end_is_date:
            return next_midnight(self.end)
        return self.end

    @property
    def last_day(self) -> date:
        """The last calendar day the event runs on, in its own zone."""
        if self.end is None:
            return self.start.date()
        if not self.end_is_date and self.end.time() == time(0) and self.end.date() > self.start.date():
            return self.end.date() - timedelta(days=1)
        return self.end.date()

    @property
    def multi_day(self) -> bool:
        return self.last_day > self.start.date()

    @property
    def is_off(self) -> bool:
        """Cancelled or postponed: shown, but not happening at the listed time."""
        return self.status in ("cancelled", "postponed")

    @property
    def changed(self) -> bool:
        """Moved, postponed or cancelled: people who heard of it need a change notice."""
        return self.status != "scheduled"

    @property
    def change(self) -> str:
        """The change a notice announces, as the send log knows it: "change notice <id> (cancelled 2018-01-11 18:00)".

        A second change of the same event (moved, then called off) is another
        notice; the same change sent again is not.
        """
        return f"change notice {self.id} ({self.status} {self.start:%Y-%m-%d %H:%M})"

    @property
    def sequence(self) -> int:
        """The iCalendar SEQUENCE: each change of status outranks the one it usually follows.

        A calendar keeps the version with the highest SEQUENCE for the same UID
        (RFC 5546), so a reschedule replaces the original, and a cancellation
        replaces either; ties are broken by DTSTAMP, the time of the build.
        """
        return {"scheduled": 0, "postponed": 1, "rescheduled": 2, "cancelled": 3}[self.status]


def next_midnight(moment: datetime) -> datetime:
    """Midnight at the start of the day after `moment`, in the same zone."""
    day = moment.date() + timedelta(days=1)
    return datetime.combine(day, time(0), tzinfo=moment.tzinfo)


class Week(Struct, frozen=True):
    """One digest week: seven days in the newsletter's zone, named by ISO week."""

    id: str
    first_day: date
    tz: tzinfo

    @property
    def last_day(self) -> date:
        return self.first_day + timedelta(days=6)

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.first_day, time(0), tzinfo=self.tz)

    @property
    def ends_at(self) -> datetime:
        return datetime.combine(self.last_day + timedelta(days=1), time(0), tzinfo=self.tz)


class Section(Struct, frozen=True):
    id: str
    heading: str
    color: str
    events: tuple[Event, ...]


class Digest(Struct, frozen=True):
    """One week's events, grouped the way the email shows them."""

    week: Week
    sections: tuple[Section, ...]
    ongoing: tuple[Event, ...] = ()
    coming_up: tuple[Event, ...] = ()

    @property
    def events(self) -> tuple[Event, ...]:
        """Every event the digest describes in full, in the order shown."""
        own = tuple(e for s in self.sections for e in s.events)
        return own + self.ongoing

    @property
    def all_sections(self) -> tuple[Section, ...]:
        """The week's sections, then Ongoing when anything is."""
        if not self.ongoing:
            return self.sections
        ongoing = Section("ongoing", "Ongoing", "#57606a", self.ongoing)
        return self.sections + (ongoing,)


class Finding(Struct, frozen=True):
    """Something to look at before sending, with what to do about it."""

    severity: str  # "error" or "warning"
    message: str
    fix: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.message} (fix: {self.fix})"


class RenderedEmail(Struct, frozen=True):
    subject: str
    preheader: str
    html: str
    text: str
