"""The pre-send check: the email, the project, and SpamAssassin's view."""
