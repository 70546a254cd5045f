"""Writing files: the digest's and an announcement's, .eml, JSON, calendars, the archive site, new event files
and a new group's folder."""
