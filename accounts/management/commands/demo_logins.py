from django.conf import settings
from django.core.management.base import BaseCommand
from django.urls import reverse

from accounts.models import Membership, User
from directory.management.commands.load_demo_data import DEMO_ACCOUNTS


class Command(BaseCommand):
    help = "Print the demo accounts and their password (development only; see load_demo_data)."

    def handle(self, *args, **options):
        emails = [email for email, _ in DEMO_ACCOUNTS]
        existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
        password = getattr(settings, "DEMO_PASSWORD", "")
        if not existing or not password:
            self.stdout.write(
                "No demo accounts in this database: run `manage.py load_demo_data` "
                "with DEBUG on (or --with-demo-accounts) to create them."
            )
            return
        organisations = dict(
            Membership.objects.admins()
            .filter(user__email__in=existing)
            .values_list("user__email", "organisation__name")
        )
        width = max(len(email) for email in emails)
        rule = "-" * 72
        lines = [rule, f"Demo logins (development only), sign in at {reverse('account_login')}", ""]
        for email, role in DEMO_ACCOUNTS:
            if email in existing:
                lines.append(f"  {email.ljust(width)}  {role}")
                if email in organisations:
                    lines.append(f"  {'':{width}}  admin of {organisations[email]}")
        lines += ["", f"  Password for all of them: {password}", rule]
        self.stdout.write(self.style.SUCCESS("\n".join(lines)))
