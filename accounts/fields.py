"""One-line text: names, titles and subjects, which end up in email headers and page titles."""

import unicodedata

from django import forms
from django.db import models

# Characters that change the direction of the text around them (a name could show reversed).
DIRECTION_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def one_line(value: str) -> str:
    """The text on one line: line breaks, control and direction characters become spaces, and
    runs of spaces one space (str.split breaks at every Unicode line break)."""
    spaced = "".join(
        " "
        if unicodedata.category(character) in ("Cc", "Zl", "Zp") or character in DIRECTION_CONTROLS
        else character
        for character in value
    )
    return " ".join(spaced.split())


def one_line_constraint(field: str, *, name: str) -> models.CheckConstraint:
    """A database check that the field has no line break, for a field that goes into email
    headers (a subject, a sender's name), where a line break would start a new header."""
    return models.CheckConstraint(
        condition=~models.Q(**{f"{field}__contains": "\n"})
        & ~models.Q(**{f"{field}__contains": "\r"}),
        name=name,
    )


class OneLineFormField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        return one_line(value) if isinstance(value, str) else value


class OneLineCharField(models.CharField):
    """A CharField normalised to one line by every form and by full_clean (services, imports).
    Migrations see a plain CharField: the normalising is behaviour, not schema."""

    def to_python(self, value):
        value = super().to_python(value)
        return one_line(value) if isinstance(value, str) else value

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": OneLineFormField, **kwargs})

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.CharField", args, kwargs
