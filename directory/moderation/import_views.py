"""The bulk import in the moderators' workspace: upload, read the dry-run report, confirm.

The uploaded file waits in settings.IMPORT_UPLOAD_ROOT under a random token that only the
uploading moderator's session knows, so the confirmed import is the very file that was checked.
"""

import time
import uuid
from pathlib import Path

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST

from directory.moderation.import_forms import ImportUploadForm
from directory.moderation.importer import ImportFileError, organisations_import
from directory.moderation.views import moderator_required

SESSION_KEY = "pending_imports"
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
# Uploads never confirmed are removed after a day.
PENDING_SECONDS = 24 * 60 * 60


def _upload_root() -> Path:
    root = Path(settings.IMPORT_UPLOAD_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    return root


def _remove_abandoned_uploads(root: Path) -> None:
    cutoff = time.time() - PENDING_SECONDS
    for path in root.glob("*.csv"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


def _pending_path(token: str) -> Path:
    return _upload_root() / f"{uuid.UUID(token).hex}.csv"


@moderator_required
@require_http_methods(["GET", "POST"])
def import_upload(request):
    """Upload a CSV file and see what importing it would do; nothing is written yet."""
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            form.add_error("file", "The selected file must be smaller than 50MB")
        else:
            root = _upload_root()
            _remove_abandoned_uploads(root)
            token = uuid.uuid4().hex
            path = _pending_path(token)
            with path.open("wb") as destination:
                for chunk in upload.chunks():
                    destination.write(chunk)
            all_or_nothing = form.cleaned_data["all_or_nothing"]
            strict = form.cleaned_data["strict"]
            try:
                with path.open("rb") as file:
                    report = organisations_import(
                        file=file, dry_run=True, all_or_nothing=all_or_nothing, strict=strict
                    )
            except ImportFileError as error:
                path.unlink(missing_ok=True)
                form.add_error("file", error.message)
            else:
                pending = request.session.get(SESSION_KEY, {})
                pending[token] = {
                    "name": upload.name,
                    "all_or_nothing": all_or_nothing,
                    "strict": strict,
                }
                request.session[SESSION_KEY] = pending
                return render(
                    request,
                    "directory/import_report.html",
                    {
                        "report": report,
                        "token": token,
                        "file_name": upload.name,
                        "all_or_nothing": all_or_nothing,
                    },
                )
    return render(request, "directory/import_upload.html", {"form": form})


@moderator_required
@require_POST
def import_confirm(request):
    """Import the file checked in the dry run (only from the session that uploaded it)."""
    token = request.POST.get("token", "")
    pending = request.session.get(SESSION_KEY, {})
    if token not in pending:
        raise Http404
    details = pending.pop(token)
    request.session[SESSION_KEY] = pending
    path = _pending_path(token)
    if not path.is_file():
        raise Http404
    try:
        with path.open("rb") as file:
            report = organisations_import(
                file=file,
                all_or_nothing=details["all_or_nothing"],
                strict=details.get("strict", False),
                user=request.user,
            )
    finally:
        path.unlink(missing_ok=True)
    return render(
        request,
        "directory/import_report.html",
        {"report": report, "file_name": details["name"]},
    )
