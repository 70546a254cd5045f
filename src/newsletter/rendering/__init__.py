"""Turning a week or an event into an email: the views, templates, MJML and CSS, the text part, and fitting a busy week."""
