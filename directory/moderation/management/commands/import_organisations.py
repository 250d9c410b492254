from django.core.management.base import BaseCommand, CommandError

from directory.moderation.importer import (
    BATCH_SIZE,
    ImportFileError,
    ImportReport,
    organisations_import,
)


class Command(BaseCommand):
    help = "Import organisations from a CSV file (columns: docs/import.md)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the CSV file (UTF-8, with a header row)")
        parser.add_argument(
            "--dry-run", action="store_true", help="check every row and write nothing"
        )
        parser.add_argument(
            "--all-or-nothing",
            action="store_true",
            help="import nothing if any row is rejected",
        )
        parser.add_argument(
            "--strict",
            action="store_true",
            help="reject a row for any bad cell (by default the cell is left out, with a warning)",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=BATCH_SIZE,
            help=f"rows committed together (default {BATCH_SIZE}); a run that stops keeps "
            "every batch it finished",
        )

    def handle(self, *args, file, dry_run, all_or_nothing, batch_size, strict, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be 1 or more")
        try:
            with open(file, "rb") as binary:
                report = organisations_import(
                    file=binary,
                    dry_run=dry_run,
                    all_or_nothing=all_or_nothing,
                    progress=self._progress,
                    batch_size=batch_size,
                    strict=strict,
                )
        except FileNotFoundError as error:
            raise CommandError(f"No such file: {file}") from error
        except ImportFileError as error:
            raise CommandError(f"{file}: {error.message}. Nothing was imported") from error
        self._write_report(report)
        if report.rolled_back and not report.dry_run:
            raise CommandError(
                "Some rows were rejected, so nothing was imported (--all-or-nothing)"
            )

    def _progress(self, rows: int) -> None:
        self.stderr.write(f"{rows:,} rows read", ending="\r")
        self.stderr.flush()

    def _write_report(self, report: ImportReport) -> None:
        self.stderr.write("")
        for error in report.errors:
            column = f", column “{error.column}”" if error.column else ""
            self.stdout.write(f"Line {error.line}{column}: {error.message}")
        if report.unlisted_errors:
            self.stdout.write(f"(only the first {len(report.errors)} problems are listed)")
        for warning in report.warnings:
            self.stdout.write(
                f"Line {warning.line}, column “{warning.column}”, “{warning.value}”: "
                f"{warning.message}"
            )
        if report.unlisted_warnings:
            self.stdout.write(f"(only the first {len(report.warnings)} warnings are listed)")
        if report.dry_run:
            self.stdout.write("Dry run: nothing was written. Had this been a real import:")
        self.stdout.write(
            f"Created: {report.created:,}\nUpdated: {report.updated:,}\n"
            f"Unchanged: {report.unchanged:,}\nRejected: {report.rejected:,}\n"
            f"Warnings: {report.warning_count:,}"
        )
