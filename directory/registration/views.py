"""The step-by-step flow to register an organisation or edit its profile (/register/...).

Every organisation is fetched through `organisation_editable_by` (organisations' selectors):
anything the user may not edit answers 404. Writes go through `directory.registration.services`.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import BaseForm
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accounts.models import Membership
from directory.moderation import revision_lists
from directory.moderation import selectors as moderation_selectors
from directory.moderation import services as moderation_services
from directory.moderation.models import ClaimRequest
from directory.organisations import evidence_views
from directory.organisations.forms import add_validation_error
from directory.organisations.models import DeliveryLocation, EvidenceItem, Organisation, Service
from directory.organisations.selectors import organisation_editable_by
from directory.registration import forms, services
from directory.registration import selectors as registration_selectors


@dataclass(frozen=True)
class Step:
    form_class: type[forms.VersionedModelForm]
    title: str
    section: str
    next_step: str | None = None

    @property
    def completes_section(self) -> bool:
        return self.next_step is None


# The pages of the single-form sections, in order; the last page of a section completes it.
STEPS = {
    "name": Step(forms.AboutNameForm, "Name and legal form", "about", "registration-numbers"),
    "registration-numbers": Step(
        forms.RegistrationNumbersForm, "Registration numbers", "about", "contact"
    ),
    "contact": Step(forms.ContactForm, "Contact details", "about"),
    "what-you-do": Step(forms.WhatYouDoForm, "What you do", "what_you_do"),
    "size": Step(forms.SizeForm, "Size and capacity", "size"),
    "quality-marks": Step(forms.QualityMarksForm, "Quality marks", "quality_marks"),
    "partnership": Step(forms.PartnershipForm, "Partnership interest", "partnership"),
}
SECTION_FIRST_PAGES = {
    "about": ("registration:step", "name"),
    "what_you_do": ("registration:step", "what-you-do"),
    "services": ("registration:services", None),
    "size": ("registration:step", "size"),
    "evidence": ("registration:evidence", None),
    "quality_marks": ("registration:step", "quality-marks"),
    "partnership": ("registration:step", "partnership"),
}


def _organisation_url(name: str, organisation: Organisation, **kwargs) -> str:
    return reverse(name, kwargs={"org": organisation.uuid, **kwargs})


def _returning_to_check(request) -> bool:
    return request.GET.get("next") == "check"


def _after_save_url(request, organisation: Organisation, default: str) -> str:
    if _returning_to_check(request):
        return _organisation_url("registration:check", organisation)
    return default


def _back_url(request, organisation: Organisation, default: str | None = None) -> str:
    if _returning_to_check(request):
        return _organisation_url("registration:check", organisation)
    return default or _organisation_url("registration:task_list", organisation)


def _save(form: BaseForm, save: Callable[[int], object]) -> bool:
    """Validate and save; a refusal is shown beside the fields and the entered values are kept."""
    if not form.is_valid():
        return False
    try:
        save(form.cleaned_data["version"])
    except services.EditRefusedError as error:
        form.add_error(None, error.message)
        return False
    except ValidationError as error:
        add_validation_error(form, error)
        return False
    return True


def _render_form(
    request, organisation, form, *, title, back_url, button="Save and continue", **extra
):
    return render(
        request,
        "registration/form_page.html",
        {
            "organisation": organisation,
            "form": form,
            "title": title,
            "back_url": back_url,
            "button": button,
            **extra,
        },
    )


# --- Start, duplicate check, claims ---


@login_required
def start(request):
    """The start page: what the flow asks for, and the user's organisations."""
    return render(
        request,
        "registration/start.html",
        {"organisations": registration_selectors.organisations_being_registered(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def new(request):
    """Name and numbers first: an organisation already listed is offered to join or claim; one
    found in a loaded register has what the register says filled in, to confirm."""
    duplicates, register_entry = [], None
    if request.method == "POST":
        confirming = bool(request.POST.get("from_register"))
        form = (forms.RegisterDetailsForm if confirming else forms.StartForm)(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            numbers = {
                "charity_number_ew": data["charity_number_ew"],
                "company_number": data["company_number"],
            }
            if not data["confirmed_not_duplicate"]:
                duplicates = registration_selectors.organisation_duplicates(
                    name=data["name"], **numbers
                )
            if not duplicates and not confirming:
                register_entry = registration_selectors.register_entry_for(**numbers)
            if register_entry is not None:
                form = forms.RegisterDetailsForm(
                    initial={**data, **registration_selectors.register_details(register_entry)}
                )
            elif not duplicates:
                try:
                    organisation = services.organisation_create_draft(
                        user=request.user,
                        name=data["name"],
                        token=data["token"],
                        details=_register_details(data) if confirming else None,
                        **numbers,
                    )
                except ValidationError as error:
                    add_validation_error(form, error)
                else:
                    return redirect(_organisation_url("registration:task_list", organisation))
    else:
        form = forms.StartForm(initial={"token": uuid.uuid4()})
    return render(
        request,
        "registration/new.html",
        {"form": form, "duplicates": duplicates, "register_entry": register_entry},
    )


REGISTER_DETAIL_FIELDS = (
    "address_line_1",
    "address_line_2",
    "town",
    "postcode",
    "legal_form",
    "income_band",
)


def _register_details(data: dict) -> dict:
    return {name: data[name] for name in REGISTER_DETAIL_FIELDS if data[name]}


@login_required
@require_http_methods(["GET", "POST"])
def claim(request, org: uuid.UUID, kind: str):
    """Ask to join or claim a published organisation."""
    if kind not in ClaimRequest.Kind.values:
        raise Http404
    organisation = get_object_or_404(Organisation.objects.published(), uuid=org)
    form = forms.ClaimRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_claim_request(
                organisation=organisation,
                user=request.user,
                kind=kind,
                message=form.cleaned_data["message"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return render(
                request,
                "registration/claim_sent.html",
                {"organisation": organisation, "kind": kind},
            )
    return render(
        request,
        "registration/claim.html",
        {"organisation": organisation, "kind": kind, "form": form},
    )


@login_required
def claim_requests(request, org: uuid.UUID):
    """Pending requests to join or claim the organisation, for its admins and moderators."""
    organisation = _administered_organisation(request, org)
    return render(
        request,
        "registration/claim_requests.html",
        {
            "organisation": organisation,
            "requests": registration_selectors.pending_claim_requests(organisation),
        },
    )


@login_required
def claim_request_decide(request, org: uuid.UUID, pk: int):
    """Approve or decline a request to join, as the organisation's admin."""
    # POST only, but checked after the lookup: others' requests answer 404 whatever the method.
    organisation = _administered_organisation(request, org)
    claim_request = get_object_or_404(organisation.claim_requests.pending(), pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = forms.ClaimDecisionForm(request.POST)
    if form.is_valid():
        try:
            moderation_services.claim_request_decide(
                claim_request=claim_request,
                decided_by=request.user,
                approve=form.cleaned_data["decision"] == "approve",
            )
        except PermissionDenied as error:
            messages.error(request, str(error))
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            decision = "approved" if form.cleaned_data["decision"] == "approve" else "declined"
            messages.success(request, f"Request from {claim_request.user.email} {decision}")
    else:
        messages.error(request, "Select approve or decline")
    return redirect(_organisation_url("registration:claim_requests", organisation))


def _administered_organisation(request, org: uuid.UUID) -> Organisation:
    """The organisation if the user decides its requests to join (directory.moderation.
    selectors.decides_claims), else 404."""
    organisation = organisation_editable_by(user=request.user, uuid=org)
    if not moderation_selectors.decides_claims(organisation=organisation, user=request.user):
        raise Http404
    return organisation


# --- Task list and single-form sections ---


@login_required
def task_list(request, org: uuid.UUID):
    """The organisation's sections and how far they are done, with what waits for a moderator."""
    organisation = organisation_editable_by(user=request.user, uuid=org)
    sections = [
        {
            "key": key,
            "title": title,
            "complete": key in organisation.completed_sections,
            "optional": key in services.OPTIONAL_SECTIONS,
            "url": reverse(
                SECTION_FIRST_PAGES[key][0],
                kwargs={"org": organisation.uuid}
                | ({"step": SECTION_FIRST_PAGES[key][1]} if SECTION_FIRST_PAGES[key][1] else {}),
            ),
        }
        for key, title in services.SECTIONS.items()
    ]
    is_admin = Membership.objects.admins().filter(organisation=organisation, user=request.user)
    revision = organisation.revisions.open().first()
    return render(
        request,
        "registration/task_list.html",
        {
            "organisation": organisation,
            "revision": revision,
            "pending_changes": moderation_services.revision_summary(revision),
            "moderator_request": registration_selectors.moderator_request(organisation, revision),
            "can_confirm": organisation.is_published and is_admin.exists(),
            "sections": sections,
            "completed_count": sum(section["complete"] for section in sections),
            "can_manage_requests": moderation_selectors.decides_claims(
                organisation=organisation, user=request.user
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def step(request, org: uuid.UUID, step: str):
    organisation = organisation_editable_by(user=request.user, uuid=org)
    page = STEPS.get(step)
    if page is None:
        raise Http404
    pending_initial = moderation_services.revision_overlay(organisation)
    form = page.form_class(
        request.POST or None,
        instance=organisation,
        organisation=organisation,
        initial=pending_initial,
    )
    if request.method == "POST" and _save(
        form,
        lambda version: services.organisation_section_save(
            organisation=form.instance,
            expected_version=version,
            section=page.section if page.completes_section else None,
            m2m=form.m2m_data(),
            user=request.user,
        ),
    ):
        if page.next_step and not _returning_to_check(request):
            next_url = _organisation_url("registration:step", organisation, step=page.next_step)
        else:
            next_url = _after_save_url(
                request, organisation, _organisation_url("registration:task_list", organisation)
            )
        return redirect(next_url)
    previous = next((slug for slug, other in STEPS.items() if other.next_step == step), None)
    default_back = previous and _organisation_url("registration:step", organisation, step=previous)
    return _render_form(
        request,
        organisation,
        form,
        title=page.title,
        caption=services.SECTIONS[page.section],
        back_url=_back_url(request, organisation, default_back),
    )


# --- Services and their delivery locations ---
# A published organisation's services and evidence are edited as its owners last saved them,
# which may be waiting for a moderator (directory.moderation.revision_lists); a draft's are
# its rows.


def _saved_service(organisation: Organisation, service_uuid: uuid.UUID) -> dict:
    services_saved = revision_lists.current(organisation, revision_lists.SERVICES)
    data = revision_lists.find(services_saved, service_uuid)
    if data is None:
        raise Http404
    return data


def _saved_location(organisation: Organisation, location_uuid: uuid.UUID) -> DeliveryLocation:
    services_saved = revision_lists.current(organisation, revision_lists.SERVICES)
    service_data = revision_lists.service_of_location(services_saved, location_uuid)
    if service_data is None:
        raise Http404
    service = revision_lists.service_instance(organisation, service_data)
    return revision_lists.location_instance(
        service, revision_lists.find(service_data["locations"], location_uuid)
    )


def _saved_evidence(organisation: Organisation, item_uuid: uuid.UUID) -> EvidenceItem:
    data = revision_lists.find(
        revision_lists.current(organisation, revision_lists.EVIDENCE), item_uuid
    )
    if data is None:
        raise Http404
    return revision_lists.evidence_instance(organisation, data)


def _list_section_page(
    request, org: uuid.UUID, *, section: str, template: str, rows_name: str, list_rows: Callable
):
    """A section that is a list (services, evidence) as its owners last saved it; "Save and
    continue" marks the section complete."""
    organisation = organisation_editable_by(user=request.user, uuid=org)
    rows, removed = list_rows(organisation, organisation.revisions.open().first())
    form = forms.VersionForm(request.POST or None, organisation=organisation)
    if request.method == "POST" and _save(
        form,
        lambda version: services.organisation_section_complete(
            organisation=organisation, expected_version=version, section=section
        ),
    ):
        return redirect(
            _after_save_url(
                request, organisation, _organisation_url("registration:task_list", organisation)
            )
        )
    return render(
        request,
        template,
        {
            "organisation": organisation,
            "form": form,
            "back_url": _back_url(request, organisation),
            rows_name: rows,
            "removed": removed,
        },
    )


def _edit_page(request, organisation, form, save: Callable[[int], object], *, back_url, **page):
    """A form that adds or changes one thing of a list; saved, it goes back to the list."""
    if request.method == "POST" and _save(form, save):
        return redirect(back_url)
    return _render_form(request, organisation, form, back_url=back_url, **page)


@login_required
@require_http_methods(["GET", "POST"])
def service_list(request, org: uuid.UUID):
    """The organisation's services and their delivery locations."""
    return _list_section_page(
        request,
        org,
        section="services",
        template="registration/service_list.html",
        rows_name="services",
        list_rows=revision_lists.service_views,
    )


@login_required
@require_http_methods(["GET", "POST"])
def service_edit(request, org: uuid.UUID, service: uuid.UUID | None = None):
    organisation = organisation_editable_by(user=request.user, uuid=org)
    if service:
        data = _saved_service(organisation, service)
        instance = revision_lists.service_instance(organisation, data)
        initial = revision_lists.service_initial(data)
    else:
        instance, initial = Service(organisation=organisation), {}
    form = forms.ServiceForm(
        request.POST or None, instance=instance, organisation=organisation, initial=initial
    )
    return _edit_page(
        request,
        organisation,
        form,
        lambda version: services.service_save(
            organisation=organisation,
            service=form.instance,
            expected_version=version,
            m2m=form.m2m_data(),
            user=request.user,
        ),
        title="Change the service" if service else "Add a service",
        caption="Services",
        back_url=_organisation_url("registration:services", organisation),
        button="Save service",
    )


def _remove(request, organisation, *, thing: str, back_url: str, delete: Callable[[int], object]):
    form = forms.VersionForm(request.POST or None, organisation=organisation)
    if request.method == "POST" and _save(form, delete):
        messages.success(request, f"{thing[0].upper()}{thing[1:]} removed")
        return redirect(back_url)
    return render(
        request,
        "registration/remove.html",
        {"organisation": organisation, "form": form, "thing": thing, "back_url": back_url},
    )


@login_required
@require_http_methods(["GET", "POST"])
def service_remove(request, org: uuid.UUID, service: uuid.UUID):
    organisation = organisation_editable_by(user=request.user, uuid=org)
    instance = revision_lists.service_instance(organisation, _saved_service(organisation, service))
    return _remove(
        request,
        organisation,
        thing=f"the service '{instance.name}'",
        back_url=_organisation_url("registration:services", organisation),
        delete=lambda version: services.service_delete(
            organisation=organisation,
            service=instance,
            expected_version=version,
            user=request.user,
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def location_edit(
    request, org: uuid.UUID, service: uuid.UUID | None = None, location: uuid.UUID | None = None
):
    organisation = organisation_editable_by(user=request.user, uuid=org)
    if location:
        instance = _saved_location(organisation, location)
    else:
        data = _saved_service(organisation, service)
        instance = DeliveryLocation(service=revision_lists.service_instance(organisation, data))
    form = forms.DeliveryLocationForm(
        request.POST or None, instance=instance, organisation=organisation
    )
    return _edit_page(
        request,
        organisation,
        form,
        lambda version: services.delivery_location_save(
            organisation=organisation,
            location=form.instance,
            expected_version=version,
            user=request.user,
        ),
        title="Change the delivery location" if location else "Add a delivery location",
        caption=instance.service.name,
        back_url=_organisation_url("registration:services", organisation),
        button="Save location",
    )


@login_required
@require_http_methods(["GET", "POST"])
def location_remove(request, org: uuid.UUID, location: uuid.UUID):
    organisation = organisation_editable_by(user=request.user, uuid=org)
    instance = _saved_location(organisation, location)
    return _remove(
        request,
        organisation,
        thing=f"the delivery location '{instance.name}'",
        back_url=_organisation_url("registration:services", organisation),
        delete=lambda version: services.delivery_location_delete(
            organisation=organisation,
            location=instance,
            expected_version=version,
            user=request.user,
        ),
    )


# --- Evidence of impact ---


@login_required
@require_http_methods(["GET", "POST"])
def evidence_list(request, org: uuid.UUID):
    """The organisation's evidence of impact."""
    return _list_section_page(
        request,
        org,
        section="evidence",
        template="registration/evidence_list.html",
        rows_name="evidence_items",
        list_rows=revision_lists.evidence_views,
    )


@login_required
@require_http_methods(["GET", "POST"])
def evidence_edit(request, org: uuid.UUID, item: uuid.UUID | None = None):
    organisation = organisation_editable_by(user=request.user, uuid=org)
    if item:
        instance = _saved_evidence(organisation, item)
    else:
        instance = EvidenceItem(organisation=organisation)
    form = forms.EvidenceForm(
        request.POST or None, request.FILES or None, instance=instance, organisation=organisation
    )
    return _edit_page(
        request,
        organisation,
        form,
        lambda version: services.evidence_save(
            organisation=organisation,
            evidence=form.instance,
            expected_version=version,
            user=request.user,
        ),
        title="Change the evidence" if item else "Add evidence of impact",
        caption="Evidence of impact",
        back_url=_organisation_url("registration:evidence", organisation),
        button="Save evidence",
        multipart=True,
    )


@login_required
@require_http_methods(["GET", "POST"])
def evidence_remove(request, org: uuid.UUID, item: uuid.UUID):
    organisation = organisation_editable_by(user=request.user, uuid=org)
    instance = _saved_evidence(organisation, item)
    return _remove(
        request,
        organisation,
        thing=f"the evidence '{instance.title}'",
        back_url=_organisation_url("registration:evidence", organisation),
        delete=lambda version: services.evidence_delete(
            organisation=organisation,
            evidence=instance,
            expected_version=version,
            user=request.user,
        ),
    )


@login_required
def evidence_document(request, org: uuid.UUID, item: uuid.UUID):
    """The PDF of an item of evidence as its owners last saved it (perhaps waiting for review),
    for them and for moderators."""
    organisation = organisation_editable_by(user=request.user, uuid=org)
    evidence = _saved_evidence(organisation, item)
    if not evidence.document:
        raise Http404
    return evidence_views.pdf_response(evidence)


# --- Check answers and submit ---


@login_required
@require_http_methods(["GET", "POST"])
def check_answers(request, org: uuid.UUID):
    organisation = organisation_editable_by(user=request.user, uuid=org)
    revision = organisation.revisions.open().first()
    moderator_request = registration_selectors.moderator_request(organisation, revision)
    form = forms.SubmitForm(
        request.POST or None, organisation=organisation, sent_back=bool(moderator_request)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_submit(
                organisation=organisation,
                user=request.user,
                expected_version=form.cleaned_data["version"],
                message=form.cleaned_data["submission_message"],
            )
        except (services.EditRefusedError, services.SubmissionError) as error:
            form.add_error(None, error.message)
        except ValidationError as error:
            add_validation_error(form, error)
        else:
            return redirect(_organisation_url("registration:submitted", organisation))
    full = registration_selectors.organisation_for_registration(organisation)
    # A published profile's answers as its owners last saved them, changes waiting included.
    pending_terms = moderation_services.revision_overlay(full)
    return render(
        request,
        "registration/check_answers.html",
        {
            "organisation": full,
            "services": revision_lists.service_views(organisation, revision)[0],
            "evidence_items": revision_lists.evidence_views(organisation, revision)[0],
            "quality_marks": pending_terms.get("quality_marks", full.quality_marks.all()),
            "partnership_roles": pending_terms.get(
                "partnership_roles", full.partnership_roles.all()
            ),
            "form": form,
            "moderator_request": moderator_request,
            "can_submit": services.submittable(organisation),
            "problems": services.submission_problems(organisation, request.user),
        },
    )


@login_required
def submitted(request, org: uuid.UUID):
    organisation = organisation_editable_by(user=request.user, uuid=org)
    return render(
        request,
        "registration/submitted.html",
        {"organisation": organisation, "review_days": settings.MODERATION_OVERDUE_WORKING_DAYS},
    )
