"""Running the demo data commands in tests."""

from io import StringIO

from django.core.management import call_command

DEMO_PASSWORD = "correct-horse-rehab-2026"
DEMO_EMAILS = ["provider@example.org", "commissioner@example.org", "moderator@example.org"]


def load(**options) -> tuple[str, str]:
    """Run load_demo_data; return what it wrote to stdout and stderr."""
    out, err = StringIO(), StringIO()
    call_command("load_demo_data", stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def demo_logins() -> str:
    out = StringIO()
    call_command("demo_logins", stdout=out)
    return out.getvalue()
