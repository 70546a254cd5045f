"""Bringing events in: `newsletter import` reads a calendar (an .ics file or address) or a form's responses (CSV)
and writes one event file per event, as a person would, and keeps them in step with their source."""
