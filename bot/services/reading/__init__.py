"""Reading certificates and test reports: the text of a file, then the fields in it."""

from bot.services.reading.fields import ReadFields, extract_fields
from bot.services.reading.text import TextUnavailable, read_text

__all__ = ["ReadFields", "TextUnavailable", "extract_fields", "read_text"]
