"""newsletter: a weekly email digest from a folder of Markdown event files."""

__version__ = "0.1.0"
