from django.core.management.base import BaseCommand, CommandError

from directory.moderation.register_services import BATCH_SIZE, RegisterReport, register_import
from directory.moderation.registers import RegisterFileError

REGISTERS = {
    "ccew": "ccew",
    "oscr": "oscr",
    "ccni": "ccni",
    "fca": "fca",
    "companies-house": "companies_house",
}


class Command(BaseCommand):
    help = (
        "Load a public register's bulk file as its publisher ships it (docs/import.md): "
        "flag removed organisations, keep register data for registration, add new charities."
    )

    def add_arguments(self, parser):
        parser.add_argument("register", choices=list(REGISTERS))
        parser.add_argument("file", help="the register's file, unzipped")
        parser.add_argument(
            "--add-new",
            action="store_true",
            help="add the register's organisations that are not listed as unclaimed drafts "
            "(by default they are only kept as register data)",
        )
        parser.add_argument("--dry-run", action="store_true", help="check and write nothing")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)

    def handle(self, *args, register, file, add_new, dry_run, batch_size, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be 1 or more")
        try:
            with open(file, "rb") as binary:
                report = register_import(
                    register=REGISTERS[register],
                    file=binary,
                    file_name=file,
                    add_new=add_new,
                    dry_run=dry_run,
                    progress=self._progress,
                    batch_size=batch_size,
                )
        except FileNotFoundError as error:
            raise CommandError(f"No such file: {file}") from error
        except RegisterFileError as error:
            raise CommandError(f"{file}: {error}. Nothing was loaded") from error
        self.stderr.write("")
        self._write_report(report)

    def _progress(self, report: RegisterReport) -> None:
        self.stderr.write(
            f"{report.read:,} records read, {report.organisations_matched:,} listed "
            "organisations found",
            ending="\r",
        )
        self.stderr.flush()

    def _write_report(self, report: RegisterReport) -> None:
        if report.dry_run:
            self.stdout.write("Dry run: nothing was written. Had this been a real load:")
        self.stdout.write(
            f"Records read: {report.read:,}\n"
            f"Skipped (no number or name, or not a VCSE company): {report.skipped:,}\n"
            f"Register data new: {report.entries_created:,}\n"
            f"Register data changed: {report.entries_updated:,}\n"
            f"Register data unchanged: {report.entries_unchanged:,}\n"
            f"Listed organisations found: {report.organisations_matched:,}\n"
            f"Flagged as removed from the register: {report.organisations_flagged_removed:,}\n"
            f"Back on the register: {report.organisations_restored:,}\n"
            f"Added as unclaimed drafts: {report.drafts_created:,}"
        )
