"""Checks on uploaded evidence documents: a PDF by its content, not only by its name."""

import re
from collections.abc import Callable

import pikepdf
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

PDF_SIGNATURE = b"%PDF-"
# File headers of programs a browser or an operating system might run.
EXECUTABLE_SIGNATURES = (
    b"MZ",  # Windows PE
    b"\x7fELF",  # Linux ELF
    b"\xca\xfe\xba\xbe",  # Mach-O universal / Java class
    b"\xcf\xfa\xed\xfe",  # Mach-O 64-bit
    b"\xce\xfa\xed\xfe",  # Mach-O 32-bit
    b"#!",  # script
)
# Markers of a program hidden further inside (a PE stub's message, a 32/64-bit ELF header):
# specific enough not to occur by chance in a PDF's compressed streams.
EMBEDDED_EXECUTABLE_MARKERS = (
    b"This program cannot be run in DOS mode",
    b"\x7fELF\x01\x01\x01",
    b"\x7fELF\x02\x01\x01",
)
ALLOWED_CONTENT_TYPES = {"application/pdf", "application/x-pdf"}
# Markup that makes a file a PDF/HTML polyglot: a browser sniffing it would run it as a page.
HTML_MARKERS = re.compile(rb"<(script|html|body|iframe|svg|!doctype html)[\s>/]", re.IGNORECASE)
# What a PDF may do beyond showing pages: run scripts, start programs, open or read other
# files, carry other files, play embedded media, submit forms. Key names (and /S action types)
# that mark each, wherever they appear. Links to web pages (/URI) are fine.
ACTIVE_CONTENT = {
    "JavaScript": {"/JS", "/JavaScript"},
    "an action that opens a program": {"/Launch"},
    "an action that opens or reads another file": {"/GoToR", "/GoToE", "/ImportData"},
    "embedded media": {"/RichMedia"},
    "attached files": {"/EmbeddedFiles", "/EmbeddedFile", "/EF"},
    "a form": {"/AcroForm", "/XFA", "/SubmitForm"},
}


def check_pdf_upload(upload: UploadedFile, *, max_bytes: int) -> None:
    """Raise a GOV.UK-worded ValidationError unless the upload is a PDF within the size limit."""
    if upload.size > max_bytes:
        raise ValidationError(
            f"The selected file must be smaller than {max_bytes // (1024 * 1024)}MB",
            code="file_too_large",
        )
    if upload.size == 0:
        raise ValidationError("The selected file is empty", code="file_empty")
    upload.seek(0)
    head = upload.read(1024)
    upload.seek(0)
    if (
        not (upload.name or "").lower().endswith(".pdf")
        or (upload.content_type or "").lower() not in ALLOWED_CONTENT_TYPES
        or head.startswith(EXECUTABLE_SIGNATURES)
        or not head.startswith(PDF_SIGNATURE)
    ):
        raise ValidationError("The selected file must be a PDF", code="file_not_pdf")
    if _contains_embedded_executable(upload):
        raise ValidationError(
            "The selected file contains a program. Upload a PDF without attachments",
            code="file_contains_program",
        )
    if _contains_html(upload):
        raise ValidationError(
            "The selected file contains web page code. Upload a PDF made by saving or "
            "printing the document as a PDF",
            code="file_contains_html",
        )
    found = _active_content(upload)
    if found:
        raise ValidationError(
            f"The selected file contains {found}. Save or print the document as a PDF "
            "without them and upload that",
            code="file_active_content",
        )


def _contains_html(upload: UploadedFile) -> bool:
    return _bytes_contain(upload, lambda window: bool(HTML_MARKERS.search(window)), overlap=32)


def _active_content(upload: UploadedFile) -> str:
    """What active content the PDF holds ("" for none); a file that is not a PDF is refused."""
    upload.seek(0)
    try:
        with pikepdf.open(upload) as pdf:
            return _active_content_in(pdf)
    except pikepdf.PdfError as error:
        raise ValidationError(
            "The selected file is not a readable PDF. Open it and save it as a PDF again",
            code="file_unreadable",
        ) from error
    finally:
        upload.seek(0)


def _active_content_in(pdf: pikepdf.Pdf) -> str:
    names: set[str] = set()
    for obj in pdf.objects:
        _collect_names(obj.stream_dict if isinstance(obj, pikepdf.Stream) else obj, names)
    return " and ".join(kind for kind, markers in ACTIVE_CONTENT.items() if names & markers)


def _collect_names(obj, names: set[str]) -> None:
    """The keys and name values of a dictionary, with those of the objects written inside it
    (objects of their own are each visited from pdf.objects)."""
    if isinstance(obj, pikepdf.Dictionary):
        names.update(obj.keys())
        values = obj.values()
    elif isinstance(obj, pikepdf.Array):
        values = list(obj)
    else:
        return
    for value in values:
        if isinstance(value, pikepdf.Name):
            names.add(str(value))
        elif isinstance(value, pikepdf.Dictionary | pikepdf.Array) and not value.is_indirect:
            _collect_names(value, names)


def _contains_embedded_executable(upload: UploadedFile) -> bool:
    return _bytes_contain(
        upload,
        lambda window: any(marker in window for marker in EMBEDDED_EXECUTABLE_MARKERS),
        overlap=max(len(marker) for marker in EMBEDDED_EXECUTABLE_MARKERS),
    )


def _bytes_contain(upload: UploadedFile, found: Callable[[bytes], bool], *, overlap: int) -> bool:
    """Whether `found` is true of the file's bytes, read chunk by chunk; each chunk is read with
    the last `overlap` bytes before it, so that a marker split across two chunks is found."""
    tail = b""
    upload.seek(0)
    try:
        for chunk in upload.chunks():
            window = tail + chunk
            if found(window):
                return True
            tail = window[-overlap:]
    finally:
        upload.seek(0)
    return False
