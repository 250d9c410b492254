"""Uploaded evidence documents, served only to those who may see the organisation."""

import uuid

from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils.text import slugify

from directory.organisations.models import EvidenceItem, Organisation

# A document is never a page: no scripts, no plugins, no forms, whatever the file holds
# (should a browser ever render it despite the attachment header). django-csp leaves a
# response's own policy alone.
DOCUMENT_POLICY = "default-src 'none'; frame-ancestors 'none'; sandbox"


def evidence_document(request, slug: str, evidence: uuid.UUID):
    """The PDF of a published organisation's evidence, or of one the user may edit; else 404."""
    may_see = Q(organisation__status=Organisation.Status.PUBLISHED) | Q(
        organisation__in=Organisation.objects.editable_by(request.user)
    )
    item = get_object_or_404(
        EvidenceItem.objects.filter(may_see).select_related("organisation"),
        organisation__slug=slug,
        uuid=evidence,
    )
    if not item.document:
        raise Http404
    return pdf_response(item)


def pdf_response(item: EvidenceItem) -> FileResponse:
    """The item's uploaded PDF, downloaded (never shown in the site's origin) under a name
    made from its title."""
    try:
        document = item.document.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    filename = f"{slugify(item.title)[:80] or 'evidence'}.pdf"
    response = FileResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOCUMENT_POLICY
    response["Cache-Control"] = "no-store"
    return response
