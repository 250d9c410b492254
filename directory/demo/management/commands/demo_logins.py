import io

import qrcode
from allauth.mfa.adapter import get_adapter
from django.conf import settings
from django.core.management.base import BaseCommand
from django.urls import reverse

from accounts.models import Membership, User
from directory.demo.management.commands.load_demo_data import DEMO_ACCOUNTS, DEMO_MODERATOR

CONSOLE_EMAIL = "django.core.mail.backends.console.EmailBackend"


class Command(BaseCommand):
    help = (
        "Print the demo accounts, their password, what to try first with each, the moderator's "
        "two-factor secret and where emails go (development only; see load_demo_data)."
    )

    def handle(self, *args, **options):
        emails = [email for email, _, _ in DEMO_ACCOUNTS]
        users = {user.email: user for user in User.objects.filter(email__in=emails)}
        password = getattr(settings, "DEMO_PASSWORD", "")
        if not users or not password:
            self.stdout.write(
                "No demo accounts in this database: run `manage.py load_demo_data` "
                "with DEBUG on (or --with-demo-accounts) to create them."
            )
            return
        width = max(len(email) for email in emails)
        rule = "-" * 78
        lines = [rule, f"Demo logins (development only): sign in at {reverse('account_login')}", ""]
        lines += self.accounts(users, width)
        lines += ["", f"  Password for all of them: {password}"]
        if DEMO_MODERATOR in users:
            lines += ["", *self.two_factor(users[DEMO_MODERATOR])]
        lines += ["", *self.emails(), rule]
        self.stdout.write(self.style.SUCCESS("\n".join(lines)))

    def accounts(self, users: dict, width: int) -> list[str]:
        organisations = dict(
            Membership.objects.admins()
            .filter(user__email__in=users)
            .values_list("user__email", "organisation__name")
        )
        lines = []
        for email, role, first_step in DEMO_ACCOUNTS:
            if email not in users:
                continue
            lines.append(f"  {email.ljust(width)}  {role}")
            if email in organisations:
                lines.append(f"  {'':{width}}  admin of {organisations[email]}")
            lines.append(f"  {'':{width}}  first: {first_step}")
        return lines

    def two_factor(self, moderator: User) -> list[str]:
        """The dev-only secret as text, as an otpauth URI and as a QR code for a phone."""
        secret = settings.DEMO_TOTP_SECRET
        uri = get_adapter().build_totp_url(moderator, secret)
        code = qrcode.QRCode(border=1)
        code.add_data(uri)
        picture = io.StringIO()
        code.print_ascii(out=picture, invert=True)
        return [
            f"  Two-factor code for {moderator.email}: add this dev-only secret to an "
            "authenticator app",
            f"    (or scan the QR code below), then type the 6-digit code it shows: {secret}",
            f"    {uri}",
            f"    Or compute the code: oathtool --totp --base32 {secret}",
            *(f"    {row}" for row in picture.getvalue().splitlines()),
        ]

    def emails(self) -> list[str]:
        backend = settings.EMAIL_DELIVERY_BACKEND
        if backend == CONSOLE_EMAIL:
            where = "printed in this terminal, in the server's output (nothing is sent)"
        else:
            where = f"delivered by {backend}"
        return [
            f"  Emails (sign-up confirmations, password resets, messages, alerts) are {where}.",
            "  Open the site at the address runserver prints below, usually http://127.0.0.1:8000/",
        ]
