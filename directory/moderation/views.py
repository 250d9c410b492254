"""The moderators' workspace (/moderation/), the public "report a problem" page and the owners'
"our entry is still correct" confirmation."""

import uuid
from functools import wraps

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import CommissionerProfile
from directory.moderation import review as moderation_review
from directory.moderation import revision_lists
from directory.moderation import selectors as moderation_selectors
from directory.moderation import services as moderation_services
from directory.moderation.forms import (
    ClaimOutcomeForm,
    CommissionerOutcomeForm,
    DecisionForm,
    ProblemReportForm,
    PurgeForm,
    ReasonForm,
    ReportOutcomeForm,
)
from directory.moderation.models import ProblemReport
from directory.organisations import evidence_views
from directory.organisations.models import EvidenceItem, Organisation, Region

REPORT_RATE_WINDOW = 60 * 60


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


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


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


@moderator_required
@require_http_methods(["GET", "POST"])
def organisation_review(request, org: uuid.UUID):
    """An organisation as moderators review it: as it will be published, with what only they
    see, and its submission or pending changes to decide."""
    organisation = _organisation(org)
    revision = organisation.revisions.pending().first()
    decidable = organisation.status == Organisation.Status.SUBMITTED or revision is not None
    form = DecisionForm(request.POST or None, initial={"version": organisation.version})
    if request.method == "POST" and decidable and form.is_valid():
        decided = _decide(request, form, organisation, revision)
        if decided is not None:
            return decided
    lock = moderation_services.review_lock_take(
        item=f"organisation:{organisation.pk}", user=request.user
    )
    return render(
        request,
        "moderation/organisation.html",
        {
            "organisation": organisation,
            "revision": revision,
            "decidable": decidable,
            "form": form,
            "other_reviewer": lock.user if lock.user_id != request.user.pk else None,
            "is_member": organisation.memberships.filter(user=request.user).exists(),
            "is_author": decidable
            and moderation_services.changes_authored_by(organisation, revision, request.user),
            "self_approval_allowed": settings.MODERATION_ALLOW_SELF_APPROVAL,
            "without_admin": moderation_selectors.organisations_without_admin()
            .filter(pk=organisation.pk)
            .exists(),
            "reports": organisation.problem_reports.open(),
            "register_checks": moderation_selectors.register_checks(organisation),
            **_review_context(organisation, revision),
        },
    )


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
        "diff": moderation_services.revision_diff(revision) if revision else [],
        "sent_back": sent_back,
        "since_sent_back": moderation_review.since_sent_back(sent_back, values),
    }


def _decide(request, form, organisation, revision) -> HttpResponse | None:
    """Record the decision and go back to the queue; None (with the form's errors) if refused."""
    action, reason = form.cleaned_data["action"], form.cleaned_data["reason"]
    version = form.cleaned_data["version"]
    services = moderation_services
    if revision is not None:
        calls = {
            "approve": lambda: services.revision_approve(
                revision=revision, moderator=request.user, expected_version=version
            ),
            "request_changes": lambda: services.revision_request_changes(
                revision=revision, moderator=request.user, reason=reason
            ),
            "reject": lambda: services.revision_reject(
                revision=revision, moderator=request.user, reason=reason
            ),
        }
    else:
        calls = {
            "approve": lambda: services.submission_approve(
                organisation=organisation, moderator=request.user, expected_version=version
            ),
            "request_changes": lambda: services.submission_request_changes(
                organisation=organisation, moderator=request.user, reason=reason
            ),
            "reject": lambda: services.submission_reject(
                organisation=organisation, moderator=request.user, reason=reason
            ),
        }
    try:
        calls[action]()
    except PermissionDenied as error:
        form.add_error(None, str(error))
        return None
    except services.ChangedSinceReviewError as error:
        # The page again, afresh: the changes the moderator has not seen, and their version.
        messages.error(request, error.message)
        return redirect("moderation:organisation", org=organisation.uuid)
    except services.ModerationError as error:
        form.add_error(None, error.message)
        return None
    except ValidationError as error:
        _add_errors(form, error)
        return None
    messages.success(request, f"Decision recorded for {organisation.name}")
    return redirect("moderation:queue")


@moderator_required
@require_POST
def evidence_verify(request, org: uuid.UUID, item: uuid.UUID):
    organisation = _organisation(org)
    evidence = get_object_or_404(EvidenceItem, uuid=item, organisation=organisation)
    try:
        moderation_services.evidence_verify(evidence=evidence, moderator=request.user)
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


@moderator_required
@require_http_methods(["GET", "POST"])
def organisation_archive(request, org: uuid.UUID):
    organisation = _organisation(org)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            moderation_services.organisation_archive(
                organisation=organisation,
                moderator=request.user,
                reason=form.cleaned_data["reason"],
            )
        except moderation_services.ModerationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"{organisation.name} has been archived")
            return redirect("moderation:organisation", org=organisation.uuid)
    return render(
        request,
        "moderation/confirm.html",
        {
            "organisation": organisation,
            "form": form,
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
        moderation_services.organisation_restore(organisation=organisation, moderator=request.user)
    except moderation_services.ModerationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{organisation.name} has been restored as a draft")
    return redirect("moderation:organisation", org=organisation.uuid)


@moderator_required
@require_http_methods(["GET", "POST"])
def organisation_purge(request, org: uuid.UUID):
    organisation = get_object_or_404(Organisation, uuid=org, status=Organisation.Status.ARCHIVED)
    form = PurgeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            moderation_services.organisation_purge(
                organisation=organisation,
                moderator=request.user,
                confirm_name=form.cleaned_data["confirm_name"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"{organisation.name} has been deleted")
            return redirect("moderation:queue")
    return render(
        request,
        "moderation/confirm.html",
        {
            "organisation": organisation,
            "form": form,
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


def _queue_decision(request, form, decide, done: str) -> bool:
    """Record a decision from the queue; a refusal goes on the form. True once recorded."""
    try:
        decide()
    except PermissionDenied as error:
        form.add_error(None, str(error))
    except moderation_services.ModerationError as error:
        form.add_error(None, error.message)
    except ValidationError as error:
        _add_errors(form, error)
    else:
        messages.success(request, done)
        return True
    return False


@moderator_required
@require_http_methods(["GET", "POST"])
def claim(request, pk: int):
    """A request to join or claim an organisation with no admin (others' admins decide theirs)."""
    claim_request = get_object_or_404(
        moderation_selectors.claims_for_moderators().select_related("organisation", "user"), pk=pk
    )
    form = ClaimOutcomeForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and _queue_decision(
            request,
            form,
            lambda: moderation_services.claim_decide(
                claim_request=claim_request,
                moderator=request.user,
                approve=form.cleaned_data["decision"] == "approve",
                reason=form.cleaned_data["reason"],
            ),
            "Decision recorded",
        )
    ):
        return redirect("moderation:queue")
    moderation_services.review_lock_take(item=f"claim:{claim_request.pk}", user=request.user)
    return render(request, "moderation/claim.html", {"claim": claim_request, "form": form})


@moderator_required
@require_http_methods(["GET", "POST"])
def commissioner(request, pk: int):
    """A commissioner waiting to be verified."""
    profile = get_object_or_404(CommissionerProfile.objects.select_related("user", "region"), pk=pk)
    form = CommissionerOutcomeForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and _queue_decision(
            request,
            form,
            lambda: moderation_services.commissioner_decide(
                profile=profile,
                moderator=request.user,
                approve=form.cleaned_data["decision"] == "approve",
                reason=form.cleaned_data["reason"],
            ),
            "Decision recorded",
        )
    ):
        return redirect("moderation:queue")
    moderation_services.review_lock_take(item=f"commissioner:{profile.pk}", user=request.user)
    return render(request, "moderation/commissioner.html", {"profile": profile, "form": form})


@moderator_required
@require_http_methods(["GET", "POST"])
def report(request, pk: int):
    """A report from the public, to resolve or dismiss."""
    problem = get_object_or_404(ProblemReport.objects.select_related("organisation"), pk=pk)
    form = ReportOutcomeForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and _queue_decision(
            request,
            form,
            lambda: moderation_services.report_close(
                report=problem,
                moderator=request.user,
                resolved=form.cleaned_data["decision"] == "resolved",
                reason=form.cleaned_data["reason"],
            ),
            "The report has been closed",
        )
    ):
        return redirect("moderation:queue")
    moderation_services.review_lock_take(item=f"report:{problem.pk}", user=request.user)
    return render(request, "moderation/report.html", {"report": problem, "form": form})


# --- Public and owners' pages ---


def _report_rate_limited(request) -> bool:
    """Count this report against the sender's address (the client's, not the proxy's: see
    ALLAUTH_TRUSTED_PROXY_COUNT); True when over the hourly limit."""
    key = f"problem-report:{get_adapter(request).get_client_ip(request)}"
    cache.add(key, 0, REPORT_RATE_WINDOW)
    return cache.incr(key) > settings.PROBLEM_REPORTS_PER_HOUR


@require_http_methods(["GET", "POST"])
def report_problem(request, slug: str):
    organisation = get_object_or_404(Organisation.objects.published(), slug=slug)
    form = ProblemReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _report_rate_limited(request):
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
    moderation_services.organisation_confirm_still_correct(
        organisation=organisation, user=request.user
    )
    messages.success(request, "Thank you: your entry is marked as checked today")
    return redirect("registration:task_list", org=organisation.uuid)
