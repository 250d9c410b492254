"""Checks on uploaded evidence documents: a PDF by its content, not only by its name."""

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


def _contains_embedded_executable(upload: UploadedFile) -> bool:
    overlap = max(len(marker) for marker in EMBEDDED_EXECUTABLE_MARKERS)
    tail = b""
    upload.seek(0)
    try:
        for chunk in upload.chunks():
            window = tail + chunk
            if any(marker in window for marker in EMBEDDED_EXECUTABLE_MARKERS):
                return True
            tail = window[-overlap:]
    finally:
        upload.seek(0)
    return False
