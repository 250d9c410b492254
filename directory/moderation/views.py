"""The moderators' workspace (/moderation/), the public "report a problem" page and the owners'
"our entry is still correct" confirmation."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import CommissionerProfile
from accounts.ratelimit import PROBLEM_REPORT, rate_limit_exceeded
from directory.moderation import review as moderation_review
from directory.moderation import revision_lists
from directory.moderation import selectors as moderation_selectors
from directory.moderation import services as moderation_services
from directory.moderation.forms import (
    MESSAGE_WORDING,
    REASON_WORDING,
    DecisionWording,
    ProblemReportForm,
    PurgeForm,
    ReasonForm,
    decision_form,
)
from directory.moderation.models import OrganisationRevision, ProblemReport
from directory.organisations import evidence_views
from directory.organisations.forms import add_validation_error as _add_errors
from directory.organisations.models import AuditRecord, EvidenceItem, Organisation, Region

Kind = AuditRecord.Kind
Action = AuditRecord.Action


def moderator_required(view):
    """Anonymous people are asked to sign in; anyone else who is not a moderator gets 404."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_moderator:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


@moderator_required
def queue(request):
    kind = request.GET.get("kind", "")
    kind = kind if kind in moderation_selectors.QUEUE_KINDS else ""
    region = request.GET.get("region", "")
    items, counts = moderation_selectors.moderation_queue(kind=kind, region=region)
    header = {}
    if not region:
        # The header's count from the counts at hand, not counted again.
        header["moderation_waiting"] = sum(
            counts[name] for name in moderation_selectors.DECISION_KINDS
        )
    return render(
        request,
        "moderation/queue.html",
        {
            "items": items,
            "counts": [
                (key, label, counts[key]) for key, label in moderation_selectors.QUEUE_KINDS.items()
            ],
            "kind": kind,
            "region": region,
            "regions": Region.objects.all(),
            "freshness": moderation_selectors.freshness_counts(),
            "overdue_days": settings.MODERATION_OVERDUE_WORKING_DAYS,
            **header,
        },
    )


def _organisation(org: uuid.UUID) -> Organisation:
    return get_object_or_404(Organisation, uuid=org)


def _review_context(organisation: Organisation, revision) -> dict:
    """The profile as approving would publish it, what only moderators see, and comparisons."""
    values = moderation_services.saved_profile(organisation, revision)
    preview = moderation_review.ProfilePreview(organisation, values)
    sender = moderation_review.submitter(organisation, revision)
    sent_back = moderation_review.last_sent_back(organisation, revision)
    return {
        "preview": preview,
        "submitter": sender,
        "submitter_domain": moderation_review.email_domain(sender.email) if sender else "",
        "people": moderation_review.people(organisation),
        "evidence_checks": moderation_review.evidence_checks(organisation, values),
        "warnings": moderation_review.warnings(preview, sender),
        "thread": moderation_review.thread(organisation, revision),
        "diff": moderation_review.mark_changed_words(
            moderation_services.revision_diff(revision) if revision else []
        ),
        "sent_back": sent_back,
        "since_sent_back": moderation_review.mark_changed_words(
            moderation_review.since_sent_back(sent_back, values)
        ),
    }


@moderator_required
@require_POST
def evidence_verify(request, org: uuid.UUID, item: uuid.UUID):
    organisation = _organisation(org)
    evidence = get_object_or_404(EvidenceItem, uuid=item, organisation=organisation)
    try:
        moderation_services.decision_record(
            kind=Kind.EVIDENCE_VERIFY, subject=evidence, action=Action.APPROVE, actor=request.user
        )
    except PermissionDenied as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"“{evidence.title}” is marked as verified")
    return redirect("moderation:organisation", org=organisation.uuid)


@moderator_required
def evidence_document(request, org: uuid.UUID, item: uuid.UUID):
    """The PDF of an item of evidence as its owners last saved it (perhaps waiting for review),
    for moderators only."""
    organisation = _organisation(org)
    data = revision_lists.find(revision_lists.current(organisation, revision_lists.EVIDENCE), item)
    if data is None or not data["document"]:
        raise Http404
    return evidence_views.pdf_response(revision_lists.evidence_instance(organisation, data))


def _confirmed_decision(
    request, organisation: Organisation, form, *, kind, detail: str, done: str, then: str, page
) -> HttpResponse:
    """moderation/confirm.html for a decision about an organisation, recorded once the form
    (one field, `detail`, passed on to the record) is valid: then the `done` message and
    `then`'s URL; a refusal shows on the form."""
    if request.method == "POST" and form.is_valid():
        try:
            moderation_services.decision_record(
                kind=kind,
                subject=organisation,
                action=Action.DONE,
                actor=request.user,
                **{detail: form.cleaned_data[detail]},
            )
        except moderation_services.ModerationError as error:
            form.add_error(None, error.message)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, done)
            return redirect(then)
    return render(
        request, "moderation/confirm.html", {"organisation": organisation, "form": form, **page}
    )


@moderator_required
@require_http_methods(["GET", "POST"])
def organisation_archive(request, org: uuid.UUID):
    organisation = _organisation(org)
    return _confirmed_decision(
        request,
        organisation,
        ReasonForm(request.POST or None),
        kind=Kind.ARCHIVE,
        detail="reason",
        done=f"{organisation.name} has been archived",
        then=reverse("moderation:organisation", kwargs={"org": organisation.uuid}),
        page={
            "title": f"Archive {organisation.name}",
            "button": "Archive",
            "warning": "Archiving takes the entry out of the directory. It can be restored.",
        },
    )


@moderator_required
@require_POST
def organisation_restore(request, org: uuid.UUID):
    organisation = _organisation(org)
    try:
        moderation_services.decision_record(
            kind=Kind.RESTORE, subject=organisation, action=Action.DONE, actor=request.user
        )
    except moderation_services.ModerationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{organisation.name} has been restored as a draft")
    return redirect("moderation:organisation", org=organisation.uuid)


@moderator_required
@require_http_methods(["GET", "POST"])
def organisation_purge(request, org: uuid.UUID):
    organisation = get_object_or_404(Organisation, uuid=org, status=Organisation.Status.ARCHIVED)
    return _confirmed_decision(
        request,
        organisation,
        PurgeForm(request.POST or None),
        kind=Kind.PURGE,
        detail="confirm_name",
        done=f"{organisation.name} has been deleted",
        then=reverse("moderation:queue"),
        page={
            "title": f"Delete {organisation.name} for good",
            "button": "Delete for good",
            "warning": (
                f"This deletes {organisation.name}, its services and its evidence. "
                "It cannot be undone."
            ),
            "danger": True,
        },
    )


@moderator_required
def organisation_history(request, org: uuid.UUID):
    organisation = _organisation(org)
    return render(
        request,
        "moderation/history.html",
        {
            "organisation": organisation,
            "rows": moderation_selectors.organisation_history(organisation=organisation),
        },
    )


# --- Deciding on the items of the queue ---


def _organisation_subject(organisation: Organisation):
    """Its pending changes, else the organisation if it is a submission, else nothing to
    decide (the kind still says which form the page shows)."""
    revision = organisation.revisions.pending().first()
    if revision is not None:
        return Kind.REVISION, revision
    if organisation.status == Organisation.Status.SUBMITTED:
        return Kind.SUBMISSION, organisation
    return Kind.SUBMISSION, None


def _organisation_context(request, organisation: Organisation, subject, lock) -> dict:
    """An organisation as moderators review it: as it will be published, with what only they
    see, and its submission or pending changes to decide."""
    revision = subject if isinstance(subject, OrganisationRevision) else None
    decidable = subject is not None
    return {
        "revision": revision,
        "decidable": decidable,
        "other_reviewer": lock.user if lock.user_id != request.user.pk else None,
        "is_member": organisation.memberships.filter(user=request.user).exists(),
        "own_evidence": moderation_services.evidence_authored_by(organisation, request.user),
        "is_author": decidable
        and moderation_services.changes_authored_by(organisation, revision, request.user),
        "self_approval_allowed": settings.MODERATION_ALLOW_SELF_APPROVAL,
        "without_admin": moderation_selectors.organisations_without_admin()
        .filter(pk=organisation.pk)
        .exists(),
        "reports": organisation.problem_reports.open(),
        "register_checks": moderation_selectors.register_checks(organisation),
        **_review_context(organisation, revision),
    }


@dataclass(frozen=True)
class DecisionPage:
    """A queue item's page: how its item is found (404 if not) and named in the template and
    the review lock, what there is to decide on it (the kind, whose policy gives the form's
    actions, and the subject, or None), how the reason is asked for and what is said once
    decided."""

    name: str
    template: str
    # The item's name in the template.
    item_name: str
    find: Callable[..., models.Model]
    subject: Callable[[models.Model], tuple[str, models.Model | None]]
    # How the reason is asked for: as a message to the organisation, or a reason on record.
    wording: DecisionWording = REASON_WORDING
    done: Callable[[models.Model], str] = lambda item: "Decision recorded"
    # Whether the form carries the organisation's version the moderator reviewed.
    versioned: bool = False
    context: Callable[..., dict] = lambda request, item, subject, lock: {}


DECISION_PAGES = {
    page.name: page
    for page in (
        DecisionPage(
            name="organisation",
            item_name="organisation",
            template="moderation/organisation.html",
            find=lambda org: get_object_or_404(Organisation, uuid=org),
            subject=_organisation_subject,
            wording=MESSAGE_WORDING,
            done=lambda organisation: f"Decision recorded for {organisation.name}",
            versioned=True,
            context=_organisation_context,
        ),
        # A request to join or claim an organisation with no admin (others' admins decide theirs).
        DecisionPage(
            name="claim",
            item_name="claim",
            template="moderation/claim.html",
            find=lambda pk: get_object_or_404(
                moderation_selectors.claims_for_moderators().select_related("organisation", "user"),
                pk=pk,
            ),
            subject=lambda claim: (Kind.CLAIM, claim),
        ),
        DecisionPage(
            name="commissioner",
            item_name="profile",
            template="moderation/commissioner.html",
            find=lambda pk: get_object_or_404(
                CommissionerProfile.objects.select_related("user", "region"), pk=pk
            ),
            subject=lambda profile: (Kind.COMMISSIONER, profile),
        ),
        DecisionPage(
            name="report",
            item_name="report",
            template="moderation/report.html",
            find=lambda pk: get_object_or_404(
                ProblemReport.objects.select_related("organisation"), pk=pk
            ),
            subject=lambda report: (Kind.REPORT, report),
            done=lambda report: "The report has been closed",
        ),
    )
}


@moderator_required
@require_http_methods(["GET", "POST"])
def decision(request, page: str, **lookup):
    """A queue item (a submission or changes to a published entry, a claim, a commissioner, a
    report) and the decision on it, as the policy of its kind has it."""
    page = DECISION_PAGES[page]
    item = page.find(**lookup)
    kind, subject = page.subject(item)
    form_class = decision_form(
        moderation_services.POLICIES[kind], page.wording, versioned=page.versioned
    )
    initial = {"version": item.version} if page.versioned else {}
    form = form_class(request.POST or None, initial=initial)
    if request.method == "POST" and subject is not None and form.is_valid():
        decided = _decide(request, form, kind, subject, page.done(item))
        if decided is not None:
            return decided
    lock = moderation_services.review_lock_take(item=f"{page.name}:{item.pk}", user=request.user)
    context = {page.item_name: item, "form": form} | page.context(request, item, subject, lock)
    return render(request, page.template, context)


def _decide(request, form, kind: str, subject, done: str) -> HttpResponse | None:
    """Record the decision and go back to the queue saying `done`; None (with the form's
    errors) if refused."""
    data = form.cleaned_data
    try:
        moderation_services.decision_record(
            kind=kind,
            subject=subject,
            action=data["action"],
            actor=request.user,
            reason=data["reason"],
            expected_version=data.get("version"),
        )
    except PermissionDenied as error:
        form.add_error(None, str(error))
    except moderation_services.ChangedSinceReviewError as error:
        # The page again, afresh: the changes the moderator has not seen, and their version.
        messages.error(request, error.message)
        return redirect(request.path)
    except moderation_services.ModerationError as error:
        form.add_error(None, error.message)
    except ValidationError as error:
        _add_errors(form, error)
    else:
        messages.success(request, done)
        return redirect("moderation:queue")
    return None


# --- Public and owners' pages ---


@require_http_methods(["GET", "POST"])
def report_problem(request, slug: str):
    organisation = get_object_or_404(Organisation.objects.published(), slug=slug)
    form = ProblemReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if rate_limit_exceeded(request, action=PROBLEM_REPORT):
            form.add_error(None, "You have sent too many reports. Try again in an hour")
        else:
            # A robot that filled the honeypot is thanked like anyone else, but nothing is kept.
            if not form.is_spam:
                moderation_services.report_create(
                    organisation=organisation,
                    description=form.cleaned_data["description"],
                    email=form.cleaned_data["email"],
                )
            return redirect(reverse("directory:report_sent", kwargs={"slug": slug}))
    status = 429 if form.non_field_errors() else 200
    return render(
        request,
        "moderation/report_problem.html",
        {"organisation": organisation, "form": form},
        status=status,
    )


def report_sent(request, slug: str):
    organisation = get_object_or_404(Organisation.objects.published(), slug=slug)
    return render(request, "moderation/report_sent.html", {"organisation": organisation})


@login_required
@require_POST
def confirm_still_correct(request, org: uuid.UUID):
    organisation = get_object_or_404(
        Organisation.objects.published(),
        uuid=org,
        memberships__user=request.user,
        memberships__role="admin",
    )
    moderation_services.decision_record(
        kind=Kind.CONFIRMATION, subject=organisation, action=Action.DONE, actor=request.user
    )
    messages.success(request, "Thank you: your entry is marked as checked today")
    return redirect("registration:task_list", org=organisation.uuid)
