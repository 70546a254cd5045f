"""The `newsletter` command: a thin layer of click commands over plain functions.

Rendering libraries are imported inside the commands that use them, so that
`newsletter --help` starts at once.
"""

from __future__ import annotations

import functools
import sys
from datetime import date
from pathlib import Path

import click

from newsletter import __version__
from newsletter.errors import NewsletterError


def _today(ctx, param, value: str | None) -> date | None:
    if value is None:
        return None
    from newsletter.schedule.dates import BadDate, parse_day

    try:
        return parse_day(value)
    except BadDate as exc:
        raise click.BadParameter(str(exc)) from None


def project_options(command):
    """--config and --events, shared by every command that reads the group's files."""
    command = click.option(
        "--events", "events_dir", type=click.Path(path_type=Path), default=None,
        help="Folder of event files.  [default: events/ next to the settings]",
    )(command)
    command = click.option(
        "--config", type=click.Path(path_type=Path), default=Path("newsletter.toml"),
        show_default=True, help="The newsletter's settings file.",
    )(command)
    return command


def cache_option(command):
    return click.option(
        "--no-cache", is_flag=True,
        help="Read every event file again, leaving .newsletter-cache/ (unchanged files' earlier reading) alone.",
    )(command)


def today_option(command):
    return click.option(
        "--today", callback=_today, metavar="YYYY-MM-DD",
        help="Act as if today were this date.  [default: the real date]",
    )(command)


def week_option(command):
    return click.option(
        "--week", metavar="WEEK",
        help="An ISO week such as 2018-W04, or any date in the week.  [default: the coming week]",
    )(command)


def reports_errors(command):
    """Turn the library's errors into a message on stderr and exit status 1, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except NewsletterError as exc:
            click.echo(str(exc), err=True)
            raise SystemExit(1) from None
        except BrokenPipeError:
            raise  # the reader of the output has gone: click ends quietly
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            click.echo(f"{where}{exc.strerror or exc}", err=True)
            raise SystemExit(1) from None

    return wrapper


def _count(number: int, noun: str) -> str:
    """'1 week', '3 weeks'."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _events_dir(config: Path, events_dir: Path | None) -> Path:
    return events_dir if events_dir is not None else config.parent / "events"


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="newsletter")
def main():
    """Turn a folder of event files into a weekly email digest and event announcements.

    Each event is a Markdown file with YAML front matter in events/; the
    settings are in newsletter.toml. `newsletter build` writes the week's
    digest as HTML, plain text, .eml and JSON into dist/<week>/;
    `newsletter announce` writes one event's announcement, change notice or
    reminder into dist/announce/<event id>/.

    \b
    Example:
        newsletter build --week 2018-W04
        newsletter announce 2018-01-11-united-front-study-group
    """


@main.command()
@week_option
@click.option("--out", type=click.Path(path_type=Path), help="Folder to write into.  [default: dist/<ISO week>/]")
@click.option("--drafts", is_flag=True, help="Include events marked draft: true.")
@click.option("--preheader", metavar="TEXT", help="The line inboxes show after the subject.  [default: the preheader "
              "setting, or the week's most important events]")
@today_option
@cache_option
@project_options
@reports_errors
def build(week, out, drafts, preheader, today, config, events_dir, no_cache):
    """Write the week's digest: digest.html, .txt, .eml, .json and events.ics.

    \b
    Example:
        newsletter build --week 2018-W04
        newsletter build --today 2018-01-20 --out preview/
    """
    from newsletter.outputs.build import build as build_digest
    from newsletter.schedule.dates import week_label
    from newsletter.rendering.render import GMAIL_CLIP_BYTES

    result = build_digest(config, _events_dir(config, events_dir), week=week, today=today, out=out, drafts=drafts,
                          preheader=preheader, cache=not no_cache)
    click.echo(f"Week {result.week.id} ({week_label(result.week)})")
    for edition in result.editions:
        if result.translations:
            click.echo(_edition_heading(edition))
        click.echo(f"Subject: {edition.email.subject}")
        for section in edition.digest.all_sections:
            click.echo(f"  {section.heading}: {_count(len(section.events), 'event')}")
        click.echo(f"HTML size: {edition.html_bytes / 1000:.1f} KB, {edition.sent_bytes / 1000:.1f} KB as sent "
                   f"(Gmail clips at {GMAIL_CLIP_BYTES // 1000} KB)")
        options = edition.settings.digest
        why = "as layout is compact" if options.layout == "compact" else f"to fit {options.max_html_kb:g} KB"
        if edition.squeeze == "brief":
            click.echo(f"Every entry shortened to its title, time and place {why}, each linking to its page")
        elif edition.squeeze == "agenda":
            click.echo(f"Only the agenda {why}, each line linking to its event's page")
        elif edition.shortened:
            click.echo(f"Shortened {why}, each linking to its page for the rest:")
            for shortened in edition.shortened:
                click.echo(f"  {shortened.title}")
        _echo_written(edition.written)
        for warning in edition.warnings:
            click.echo(str(warning), err=True)
    for path in result.removed:
        click.echo(f"Removed {path}, from a build with {'one edition' if result.translations else 'an edition per language'}")
    if any(edition.clipped for edition in result.editions):
        click.secho("DO NOT SEND: Gmail will clip this digest at 102 KB; see the warnings above", err=True,
                    fg="red", bold=True)
        raise SystemExit(1)
    if any(w.severity == "error" for edition in result.editions for w in edition.warnings):
        click.secho("DO NOT SEND: this week does not fit max_html_kb; see the error above", err=True, fg="red", bold=True)
        raise SystemExit(1)


def _edition_heading(edition) -> str:
    """"Español (es):" above what a bilingual build says of each language's edition."""
    from newsletter.i18n import language_name

    return f"{language_name(edition.language)} ({edition.language}):"


@main.command()
@click.argument("event")
@click.option("--reminder", is_flag=True, help="The short reminder for the day before or the day of.")
@click.option("--out", type=click.Path(path_type=Path),
              help="Folder to write into.  [default: dist/announce/<event id>/, and reminder/ in it]")
@today_option
@cache_option
@project_options
@reports_errors
def announce(event, reminder, out, today, config, events_dir, no_cache):
    """Write one event's own email: an announcement, a change notice or a reminder.

    EVENT is the event's file or its id, the file name without .md. An event
    that is rescheduled, postponed or cancelled gets a change notice, whose
    subject starts with RESCHEDULED:, POSTPONED: or CANCELLED:. Writes
    announcement.html, .txt, .eml and .json and the event's event.ics.

    \b
    Example:
        newsletter announce events/2018-01-27-justice-for-siham-and-naseem-rally.md
        newsletter announce 2018-01-27-justice-for-siham-and-naseem-rally --reminder --today 2018-01-26
    """
    from newsletter.outputs.announce import announce as announce_event
    from newsletter.rendering.render import GMAIL_CLIP_BYTES

    result = announce_event(config, _events_dir(config, events_dir), event, reminder=reminder, out=out, today=today,
                            cache=not no_cache)
    click.echo(f"{result.kind.capitalize()}: {result.event.title} ({result.event.id})")
    for edition in result.editions:
        if result.translations:
            click.echo(_edition_heading(edition))
        click.echo(f"Subject: {edition.email.subject}")
        click.echo(f"HTML size: {edition.html_bytes / 1000:.1f} KB, {edition.sent_bytes / 1000:.1f} KB as sent "
                   f"(Gmail clips at {GMAIL_CLIP_BYTES // 1000} KB)")
        _echo_written(edition.written)
        for warning in edition.warnings:
            click.echo(str(warning), err=True)


@main.command(name="list")
@week_option
@click.option("--drafts", is_flag=True, help="Include events marked draft: true.")
@today_option
@cache_option
@project_options
@reports_errors
def list_events(week, drafts, today, config, events_dir, no_cache):
    """Show the week's events by section, one line each.

    Then lists the rescheduled, postponed and cancelled events of the coming
    weeks, with the command that writes each one's change notice.

    \b
    Example:
        newsletter list --week 2018-01-24
    """
    from newsletter.outputs.listing import list_week
    from newsletter.sending.sendlog import log_path, read_log, sent_whats

    sent = frozenset(sent_whats(read_log(log_path(config.resolve().parent))))
    click.echo(list_week(config, _events_dir(config, events_dir), week, today, drafts, cache=not no_cache, sent=sent))


@main.command()
@week_option
@click.option("--event", metavar="EVENT", help="Check this event's announcement (its file or id) instead of the digest.")
@click.option("--reminder", is_flag=True, help="With --event: check its reminder.")
@click.option("--spam", is_flag=True, help="Also score the message with SpamAssassin, offline.")
@click.option("--strict", is_flag=True, help="Exit with status 1 on warnings too.")
@today_option
@cache_option
@project_options
def check(week, event, reminder, spam, strict, today, config, events_dir, no_cache):
    """Check every file, then lint the week's digest before it is sent.

    Reports every problem in the settings and event files as
    path:line: field: message, then renders the week's digest (or, with
    --event, that event's announcement) in memory and reports each finding
    as an error or a warning with a fix: size against Gmail's 102 KB, alt
    text, links, subject and preheader, unsubscribe link, postal address and
    colour contrast. Exit status 1 on any error, or on warnings with --strict.

    \b
    Example:
        newsletter check
        newsletter check --week 2018-W04 --spam --strict
        newsletter check --event 2018-01-27-justice-for-siham-and-naseem-rally --reminder
    """
    from newsletter.checks.check import check as check_project

    if reminder and not event:
        raise click.UsageError("--reminder goes with --event")
    try:
        report = check_project(config, _events_dir(config, events_dir), week=week, today=today, spam=spam,
                               event=event, reminder=reminder, cache=not no_cache)
    except NewsletterError as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(1) from None
    for problem in report.problems:
        click.echo(problem, err=True)
    for note in report.notes:
        click.echo(note)
    if report.html_bytes is not None:
        click.echo(f"{report.target}: {report.html_name} is {report.html_bytes / 1000:.1f} KB of Gmail's 102 KB")
    for finding in report.findings:
        click.echo(str(finding))
    if report.spam is not None:
        score = report.spam.score + 0.0  # never print "-0.0"
        click.echo(f"SpamAssassin (local tests only): score {score:.1f} of {report.spam.required:.1f}")
        for name, points, description in report.spam.rules:
            click.echo(f"  {points:5.1f} {name:<24} {description}")
    errors, warnings = report.errors, report.warnings
    tally = f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}"
    if not report.ok(strict):
        click.echo(f"Not ready: {tally}", err=True)
        raise SystemExit(1)
    files = f"{report.files} event file{'s' if report.files != 1 else ''}"
    if report.translations:
        files = f"settings, {files} and {report.translations} translation{'s' if report.translations != 1 else ''}"
    else:
        files = f"settings and {files}"
    click.echo(f"OK: {files} are valid; {tally}")


@main.command()
@week_option
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to serve on; 0 picks a free one.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to serve on. Anything but loopback shows the preview to your network.")
@click.option("--open", "open_browser", is_flag=True, help="Open the preview in your web browser.")
@click.option("--no-drafts", is_flag=True, help="Hide draft events, as build does.")
@today_option
@cache_option
@project_options
@reports_errors
def preview(week, port, host, open_browser, no_drafts, today, config, events_dir, no_cache):
    """Serve a live preview of the digest that reloads as you edit.

    Shows the email at desktop width, in a phone frame and in dark mode, the
    plain-text version, and the subject and preheader as an inbox shows them.
    Drafts are shown, marked, unless --no-drafts. Stop it with Ctrl-C.

    \b
    Example:
        newsletter preview --week 2018-W04 --open
    """
    from newsletter.serving.preview import first_url, start
    from newsletter.models import is_loopback

    server, site, stop = start(config, _events_dir(config, events_dir), host, port, today, drafts=not no_drafts,
                               cache=not no_cache)
    if not is_loopback(host):
        click.echo(f"warning: serving on {host}: anyone who can reach this machine can see the preview", err=True)
    url = first_url(site, week, server.url)
    click.echo(f"Preview at {url} (Ctrl-C to stop)")
    if open_browser:
        import webbrowser

        webbrowser.open(url)
    try:
        server.serve_forever(poll_interval=0.25)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.server_close()
        site.close()
    click.echo("Stopped.")


@main.command()
@week_option
@click.option("--event", metavar="EVENT", help="Send this event's announcement (its file or id) instead of the digest.")
@click.option("--reminder", is_flag=True, help="With --event: send its reminder.")
@click.option("--to", "recipients", multiple=True, metavar="ADDRESS",
              help="Who gets it; repeat for more than one.  [default: the `to` setting]")
@click.option("--proof", is_flag=True, help="A test send: the subject starts with [PROOF]; no confirmation asked.")
@click.option("--dry-run", is_flag=True, help="Show what would be sent, and send nothing.")
@click.option("--yes", is_flag=True, help="Send without asking for confirmation.")
@click.option("--again", is_flag=True, help="Send even though sent.log says these people already got this message.")
@click.option("--drafts", is_flag=True, help="Include events marked draft: true.")
@click.option("--preheader", metavar="TEXT", help="For the digest: the line inboxes show after the subject.")
@click.option("--language", metavar="CODE", help="Which language's edition to send, when the group writes one per "
              "language (bilingual = \"separate\").")
@today_option
@cache_option
@project_options
@reports_errors
def send(week, event, reminder, recipients, proof, dry_run, yes, again, drafts, preheader, language, today, config,
         events_dir, no_cache):
    """Build the week's digest, or one event's email, and send it through the [smtp] server.

    Without --to it goes to the `to` setting, the list. The password comes
    from the NEWSLETTER_SMTP_PASSWORD environment variable, never from a
    file. The message is written to dist/ first, so nothing is lost if
    sending fails. Each send is added to sent.log, and sending the same
    message to the same people again is refused unless --again.

    \b
    Example:
        newsletter send --week 2018-W04 --to me@example.org --proof
        newsletter send --week 2018-W04
        newsletter send --event 2018-01-27-justice-for-siham-and-naseem-rally --reminder
        newsletter send --week 2026-W10 --language en --to "English list <en@example.org>"
    """
    from contextlib import nullcontext

    from newsletter.sending.send import label, prepare, unfilled_merge_tags
    from newsletter.sending.sendlog import held

    if reminder and not event:
        raise click.UsageError("--reminder goes with --event")
    outgoing = prepare(config, _events_dir(config, events_dir), list(recipients), week=week, event=event,
                       reminder=reminder, proof=proof, today=today, drafts=drafts, preheader=preheader,
                       language=language, cache=not no_cache)
    for warning in outgoing.warnings:
        click.echo(str(warning), err=True)
    tags = unfilled_merge_tags(outgoing)
    if tags and not (proof or dry_run):
        html = outgoing.saved.with_suffix(".html") if outgoing.saved else "the HTML"
        raise NewsletterError(f"Not sent: {tags}. Paste {html} into "
                              f"{outgoing.settings.provider.label} and send it from there; or, to send from here, "
                              "set provider = \"list\" and an https: or mailto: unsubscribe in newsletter.toml "
                              "(a --proof to yourself is fine)")
    if tags:
        click.echo(f"warning: {tags}", err=True)
    lock = nullcontext() if proof or dry_run else held(
        outgoing.settings.root, f"{label(outgoing)} to {', '.join(outgoing.recipients)}")
    with lock:
        _send(outgoing, dry_run, yes, again)


def _send(outgoing, dry_run: bool, yes: bool, again: bool) -> None:
    """The checks against the send log, the question, and the send itself, all under the send log's lock."""
    import os

    from newsletter.sending.send import PASSWORD_VARIABLE, SendFailed, already_sent, deliver, describe

    repeat = already_sent(outgoing)
    if dry_run:
        click.echo("Dry run: nothing sent.")
        for line in describe(outgoing)[:-1]:
            click.echo(line)
        if repeat:
            click.echo(f"warning: {repeat.message}", err=True)
        return
    ask = not (outgoing.proof or yes)
    if repeat and not again and not (repeat.interrupted and ask):
        raise NewsletterError(f"Not sent: {repeat.message}")
    if ask:
        for line in describe(outgoing):
            click.echo(line)
        if repeat:
            click.echo(f"Note: {repeat.message}")
        if not click.confirm("Send it again anyway?" if repeat else "Send this to everyone above?"):
            click.echo("Not sent.")
            return
    try:
        delivery = deliver(outgoing, os.environ.get(PASSWORD_VARIABLE))
    except SendFailed as exc:
        click.echo(f"{'Partly sent' if exc.accepted else 'Not sent'}: {exc}", err=True)
        if exc.accepted:
            click.echo(f"  delivered to: {', '.join(exc.accepted)}", err=True)
        for address, reason in exc.refused.items():
            click.echo(f"  not delivered to {address}: {reason}", err=True)
        if outgoing.saved is not None:
            click.echo(f"The message is saved in {outgoing.saved}", err=True)
        raise SystemExit(1) from None
    click.echo(f"Sent \"{outgoing.message['Subject']}\" to {', '.join(delivery.accepted)}")
    if delivery.unlogged:
        click.echo(f"warning: {delivery.unlogged}; sending it again will ask first", err=True)


@main.command()
@week_option
@click.option("--event", metavar="EVENT", help="Post this event's announcement (its file or id) instead of the week.")
@click.option("--reminder", is_flag=True, help="With --event: post its reminder.")
@click.option("--to", "service", type=click.Choice(["mastodon", "bluesky", "telegram"]), required=True,
              help="Where to post; the account comes from environment variables (see the docs).")
@click.option("--yes", is_flag=True, help="Post without asking for confirmation.")
@click.option("--again", is_flag=True, help="Post even though posted.log says it went to this account already.")
@click.option("--language", metavar="CODE", help="Which language's edition to post, when the group writes one per "
              "language (bilingual = \"separate\").")
@today_option
@cache_option
@project_options
@reports_errors
def post(week, event, reminder, service, yes, again, language, today, config, events_dir, no_cache):
    """Post the week, or one event, to Mastodon, Bluesky or a Telegram chat, with its card and alt text.

    The words and the picture are those of the share folder, which is
    written first. Mastodon: NEWSLETTER_MASTODON_URL and
    NEWSLETTER_MASTODON_TOKEN; Bluesky: NEWSLETTER_BLUESKY_HANDLE and
    NEWSLETTER_BLUESKY_APP_PASSWORD; Telegram: NEWSLETTER_TELEGRAM_CHAT and
    NEWSLETTER_TELEGRAM_TOKEN. posted.log refuses to post the same thing to
    the same account twice unless --again.

    \b
    Example:
        newsletter post --event 2018-01-27-justice-for-siham-and-naseem-rally --to mastodon
        newsletter post --week 2018-W04 --to telegram --yes
    """
    from newsletter.sending.post import describe, earlier_post, log_path, publish, read_log, to_post

    if reminder and not event:
        raise click.UsageError("--reminder goes with --event")
    outgoing = to_post(config, _events_dir(config, events_dir), service, week=week, event=event, reminder=reminder,
                       today=today, language=language, cache=not no_cache)
    root = config.resolve().parent
    repeat = earlier_post(read_log(log_path(root)), outgoing)
    for line in describe(outgoing):
        click.echo(line)
    if repeat is not None and not again:
        raise NewsletterError(f"Not posted: {outgoing.what} went to {service} ({outgoing.account}) on {repeat.time} "
                              "(posted.log); add --again to post it once more")
    if not yes and not click.confirm(f"Post this to {service}?", default=False):
        click.echo("Not posted.")
        return
    click.echo(f"Posted: {publish(outgoing, root)}")


@main.command()
@project_options
@reports_errors
def sent(config, events_dir):
    """List what was sent, from sent.log next to newsletter.toml, oldest first.

    \b
    Example:
        newsletter sent
    """
    from newsletter.sending.sendlog import INTERRUPTED, log_path, read_log, sends

    entries = sends(read_log(log_path(config.resolve().parent)))
    if not entries:
        click.echo("Nothing sent yet.")
    for entry in entries:
        what = f"{entry.what} ({entry.language})" if entry.language else entry.what
        result = "cut off, may have gone out" if entry.result == INTERRUPTED else entry.result
        click.echo(f"{entry.time}  {what}  {result}: {entry.subject}")
        click.echo(f"    to {', '.join(entry.recipients) or 'no one'}  {entry.message_id}")
        for address, reason in entry.refused.items():
            click.echo(f"    not delivered to {address}: {reason}")


@main.command()
@click.option("--out", type=click.Path(path_type=Path), default=Path("site"), show_default=True,
              help="Folder to write the website into.")
@click.option("--jobs", type=click.IntRange(1, 64), default=None, metavar="N",
              help="Render in N processes.  [default: one per core, when there are hundreds of pages to render]")
@today_option
@cache_option
@project_options
@reports_errors
def archive(out, jobs, today, config, events_dir, no_cache):
    """Build a static website of every digest, with an Atom feed and calendars.

    Writes an index of all digests, a page per week and per event, one .ics
    per event, calendar.ics and feed.xml, linked under archive_url. Only
    the pages whose events, settings or templates changed since the last run
    are rendered again (--no-cache renders them all); files that have not
    changed are left as they are, and files of events since deleted are removed.

    \b
    Example:
        newsletter archive --out site/
    """
    import os

    from newsletter.outputs.archive import site_plan, write_site
    from newsletter.outputs.project import load_project, today_in
    from newsletter.outputs.manifest import manifest_path

    project = load_project(config, _events_dir(config, events_dir), cache=not no_cache)
    plan = site_plan(project, today or today_in(project.settings), out)
    report = write_site(plan, out, _progress("Building the archive"), manifest=manifest_path(config, out),
                        reuse=not no_cache, workers=jobs or os.cpu_count() or 1)
    if project.compiled is not None:
        project.compiled.save()  # the pages' compiled templates, kept for the next run
    removed = f", removed {len(report.removed)}" if report.removed else ""
    click.echo(f"{_count(report.weeks, 'week')}, {_count(report.events, 'event')}: wrote {len(report.written)} files, "
               f"{report.unchanged + report.skipped} unchanged{removed}, in {out}")
    click.echo(f"Publish {out}/ at {project.settings.archive_url}")


def _echo_written(paths) -> None:
    """Each email file on its line; the share folder's on one."""
    shared = [path for path in paths if path.parent.name == "share"]
    for path in paths:
        if path not in shared:
            click.echo(f"Wrote {path}")
    if shared:
        click.echo(f"Wrote {shared[0].parent}/: {', '.join(path.name for path in shared)}")


def _progress(label: str, every: float = 5.0):
    """A progress bar on a terminal; elsewhere (a CI log), a line with the count every few seconds and at the end."""
    def show(items, total: int):
        if total == 0:
            return
        if sys.stderr.isatty():
            with click.progressbar(items, length=total, label=label, file=sys.stderr, show_pos=True) as bar:
                yield from bar
            return
        import time

        done, last = 0, time.monotonic()
        for item in items:
            yield item
            done += 1
            if time.monotonic() - last >= every or done == total:
                last = time.monotonic()
                click.echo(f"{label}: {done} of {total} files ({done * 100 // total}%)", err=True)

    return show


@main.command()
@click.argument("folder", type=click.Path(path_type=Path), default=Path("."), required=False)
@click.option("--name", help="The newsletter's name.")
@click.option("--timezone", help="Your events' time zone, such as America/New_York.  [default: this computer's]")
@click.option("--from", "sender", metavar="ADDRESS", help="Who the email is from: \"Name <news@your-group.org>\".")
@click.option("--provider", help="The mailing service: mailchimp, listmonk, sendgrid, mailgun, buttondown or list.")
@click.option("--address", help="The postal address for the footer.")
@click.option("--yes", is_flag=True, help="Ask nothing: take the options given and the defaults.")
@today_option
@reports_errors
def init(folder, name, timezone, sender, provider, address, yes, today):
    """Start a newsletter for your group in FOLDER (default: here).

    Asks for the handful of facts every group needs (or takes them as
    options) and writes newsletter.toml, with every other setting listed
    and explained, an events/ folder with one example event next week, and
    a .gitignore. An existing file is never overwritten.

    \b
    Example:
        newsletter init tenants-news
        newsletter init tenants-news --name "Tenants Weekly" --from "Tenants <news@tenants.example>" --yes
    """
    from newsletter.outputs.newgroup import NewGroup, create, guess_timezone
    from newsletter.providers import NAMES

    guess = guess_timezone()
    if yes:
        if not name or not sender:
            raise click.UsageError("with --yes, give at least --name and --from")
        if not timezone:
            click.echo(f"Time zone: {guess} (from this computer; --timezone to change it)")
    else:
        name = name or click.prompt("Newsletter name")
        timezone = timezone or click.prompt("Time zone of your events (this computer's, or another)", default=guess)
        sender = sender or click.prompt("Who it is from, as Name <news@your-group.org>")
        provider = provider or click.prompt("Mailing service", default="none",
                                            type=click.Choice(["none", *(n for n in NAMES if n != "custom")]), show_choices=True)
        address = address or click.prompt("Postal address for the footer (Enter to skip)", default="",
                                          show_default=False)
    group = NewGroup(name, timezone or guess, sender, None if provider in (None, "none") else provider, address or None)
    created = create(folder, group, today or date.today())
    for path in created.written:
        click.echo(f"Wrote {_shown(path)}")
    for path in created.kept:
        click.echo(f"Kept {_shown(path)}: it exists, so it was not changed")
    click.echo("Next: edit the example event in events/, then `newsletter preview` to see the digest "
               "and `newsletter check` before sending." if folder == Path(".") else
               f"Next: cd {folder}, edit the example event in events/, then `newsletter preview` to see the "
               "digest and `newsletter check` before sending.")


def _shown(path: Path) -> str:
    from newsletter.sources.events import display_path

    return display_path(path)


@main.command("import")
@click.argument("source")
@click.option("--kind", help="The kind of every event no [[import.kinds]] rule in newsletter.toml gives a kind. "
              "[default: other]")
@click.option("--from", "since", metavar="YYYY-MM-DD", callback=_today, help="Import events from this day on.  "
              "[default: today]")
@click.option("--until", metavar="YYYY-MM-DD", callback=_today, help="Import events before this day.  "
              "[default: six months after --from]")
@click.option("--dry-run", is_flag=True, help="Say what would change, and write nothing.")
@click.option("--theirs", is_flag=True, help="Where a field was edited both in the file and in the calendar, "
              "take the calendar's.")
@project_options
@reports_errors
def import_events(source, kind, since, until, dry_run, theirs, config, events_dir):
    """Write event files from a calendar or a form's responses, and keep them in step.

    SOURCE is an .ics file, an https:// or webcal:// address of one (Google
    Calendar's public or secret address, Nextcloud, Outlook), mobilize:ORG_ID
    for an organization's public events on Mobilize, or a form's responses
    downloaded as CSV (the columns named in [import.form]).
    Importing again updates the files it wrote: a moved event becomes
    rescheduled, one gone from the calendar cancelled, and your own edits
    are kept.

    \b
    Example:
        newsletter import https://calendar.google.com/calendar/ical/…/basic.ics
        newsletter import responses.csv --dry-run
    """
    from newsletter.importing.run import import_source

    result = import_source(config, _events_dir(config, events_dir), source, kind=kind, since=since, until=until,
                           dry_run=dry_run, theirs=theirs)
    for line in result.notes + result.plan.said:
        click.echo(line)
    for line in result.problems:
        click.echo(line, err=True)
    found = result.plan
    counts = (f"{found.added} added, {found.updated} updated, {found.cancelled} cancelled, "
              f"{found.conflicts} conflict{'s' if found.conflicts != 1 else ''}")
    if dry_run:
        click.echo(f"Would import from {result.source}: {counts} (--dry-run: nothing written)")
    else:
        click.echo(f"Imported from {result.source}: {counts}")
    if result.problems:
        sys.exit(1)


@main.command()
@click.argument("kind")
@click.argument("title")
@click.option("--start", required=True, help="2018-01-27 12:00, or a date for an all-day event.")
@click.option("--end", help="14:00 (same day), a date-time, or a date.")
@click.option("--location", help="Where it happens, or TBD.")
@project_options
@reports_errors
def new(kind, title, start, end, location, config, events_dir):
    """Create an event file from a template that lists every field.

    Writes events/<date>-<slug>.md and never overwrites an existing file.

    \b
    Example:
        newsletter new rally "Rent Strike Rally" --start "2018-02-03 12:00" --end 14:00 --location "City Hall Plaza"
    """
    from newsletter.sources.config import load_settings
    from newsletter.sources.events import display_path
    from newsletter.outputs.scaffold import new_event

    settings = load_settings(config)
    path = new_event(_events_dir(config, events_dir), settings, kind, title, start, end, location)
    click.echo(f"Created {display_path(path)}")


def run() -> None:
    """main(), then the usual way out (what the installed command runs, after newsletter/launch.py).

    The interpreter ends as it always does, so atexit hooks, coverage and
    profilers see the whole run. A reader that went away before the output
    was written (`newsletter list | head -1`) is no error of ours: the rest
    of the output goes nowhere, without a traceback.
    """
    import gc
    import os

    # A command allocates hundreds of thousands of objects that live until it ends (modules, templates, the
    # events): with Python's default threshold the collector walked them some seventy times a build (15-25 ms)
    # and found almost nothing to free. Every 50,000 allocations it still runs, for a long preview or archive.
    gc.set_threshold(50_000, *gc.get_threshold()[1:])
    try:
        main(prog_name="newsletter")
    finally:
        # What a build loaded lives until the end: the collections at exit need not walk it (about 60 ms).
        gc.freeze()
        try:
            sys.stdout.flush()
        except (BrokenPipeError, ValueError):
            # Python would print an error flushing stdout again at exit: point it at nothing instead.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
