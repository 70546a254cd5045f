"""Handing messages to an SMTP server, and the log of what was sent."""
