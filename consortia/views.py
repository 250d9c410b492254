"""Partnership interest, partner matching, opportunities and consortia.

Thin views: the rules live in services (writes), selectors (reads) and the models' QuerySets
(who may see what). What a user may not see answers 404; state changes only on POST.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.ratelimit import EXPRESSION_OF_INTEREST, rate_limit_exceeded
from directory.organisations.forms import add_validation_error
from directory.organisations.models import Organisation, PartnershipInterest
from directory.organisations.selectors import organisation_editable_by

from . import selectors, services
from .filters import ConsortiumFilterSet, OpportunityFilterSet
from .forms import (
    ConsortiumForm,
    ConsortiumInviteForm,
    ConsortiumLeadershipForm,
    ConsortiumSettingsForm,
    ExpressionOfInterestDecisionForm,
    ExpressionOfInterestForm,
    OpportunityForm,
    PartnershipInterestForm,
    organisation_label,
)
from .models import (
    Consortium,
    ConsortiumMembership,
    ExpressionOfInterest,
    Opportunity,
)

OPPORTUNITIES_PER_PAGE = 20
CONSORTIA_PER_PAGE = 20


def _page(request, queryset, per_page):
    params = request.GET.copy()
    params.pop("page", None)
    return Paginator(queryset, per_page).get_page(request.GET.get("page")), params.urlencode()


# --- Partnership interest and partner matching ---


@login_required
def partnership_interest(request, org):
    """An organisation's partnership interest by region and pathway: list, add, remove."""
    organisation = organisation_editable_by(user=request.user, uuid=org)
    form = PartnershipInterestForm(request.POST or None, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            services.partnership_interest_add(organisation=organisation, **form.cleaned_data)
        except ValidationError as error:
            add_validation_error(form, error)
        else:
            messages.success(request, "Partnership interest added")
            return redirect("partnerships:interest", org=organisation.uuid)
    interests = organisation.partnership_interests.select_related("region", "pathway", "role")
    return render(
        request,
        "consortia/partnership_interest.html",
        {"organisation": organisation, "interests": interests, "form": form},
    )


@require_POST
@login_required
def partnership_interest_remove(request, org, pk):
    organisation = organisation_editable_by(user=request.user, uuid=org)
    interest = get_object_or_404(PartnershipInterest, pk=pk, organisation=organisation)
    services.partnership_interest_remove(interest=interest)
    messages.success(request, "Partnership interest removed")
    return redirect("partnerships:interest", org=organisation.uuid)


@login_required
def find_partners(request, org):
    """Organisations that would complement one of the user's own, each with the reason."""
    organisation = organisation_editable_by(user=request.user, uuid=org)
    return render(
        request,
        "consortia/find_partners.html",
        {
            "organisation": organisation,
            "suggestions": selectors.partner_suggestions(organisation=organisation),
        },
    )


# --- Opportunities ---


def opportunity_list(request):
    filterset = OpportunityFilterSet(request.GET, queryset=selectors.opportunity_search_queryset())
    page_obj, query_string_without_page = _page(request, filterset.qs, OPPORTUNITIES_PER_PAGE)
    filterset.show_counts(selectors.opportunity_facet_counts(filterset=filterset))
    return render(
        request,
        "consortia/opportunity_list.html",
        {
            "filterset": filterset,
            "form": filterset.form,
            "page_obj": page_obj,
            "query_string_without_page": query_string_without_page,
            "is_filtered": filterset.is_filtered(),
            "can_post": services.opportunity_can_post(user=request.user),
        },
    )


@login_required
def opportunity_create(request):
    if not services.opportunity_can_post(user=request.user):
        return render(request, "consortia/opportunity_cannot_post.html", status=403)
    form = OpportunityForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            opportunity = services.opportunity_create(posted_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_validation_error(form, error)
        else:
            messages.success(request, "Opportunity published")
            return redirect(opportunity)
    return render(request, "consortia/opportunity_form.html", {"form": form})


def _visible_opportunity(request, opportunity) -> Opportunity:
    return get_object_or_404(
        Opportunity.objects.visible_to(request.user).select_related(
            "organisation", "posted_by__commissioner_profile"
        ),
        uuid=opportunity,
    )


def opportunity_detail(request, opportunity):
    """The opportunity; a response form for members of published organisations."""
    opportunity = _visible_opportunity(request, opportunity)
    user = request.user
    form = None
    if opportunity.is_open_for_responses and user.is_authenticated:
        form = ExpressionOfInterestForm(request.POST or None, user=user)
        if not form.fields["organisation"].queryset.exists():
            form = None
    if request.method == "POST":
        if form is None:
            raise Http404
        if rate_limit_exceeded(request, action=EXPRESSION_OF_INTEREST):
            form.add_error(None, "You have sent a lot of responses. Try again in an hour")
        elif form.is_valid():
            try:
                services.expression_of_interest_submit(
                    opportunity=opportunity, submitted_by=user, **form.cleaned_data
                )
            except ValidationError as error:
                add_validation_error(form, error)
            else:
                messages.success(request, "Your expression of interest was sent")
                return redirect(opportunity)
    own_responses = (
        ExpressionOfInterest.objects.filter(
            opportunity=opportunity, organisation__memberships__user=user
        ).select_related("organisation")
        if user.is_authenticated
        else []
    )
    is_poster = Opportunity.objects.managed_by(user).filter(pk=opportunity.pk).exists()
    return render(
        request,
        "consortia/opportunity_detail.html",
        {
            "opportunity": opportunity,
            "form": form,
            "own_responses": own_responses,
            "is_poster": is_poster,
        },
    )


def _managed_opportunity(request, opportunity) -> Opportunity:
    return get_object_or_404(Opportunity.objects.managed_by(request.user), uuid=opportunity)


@login_required
def opportunity_responses(request, opportunity):
    """The poster's view of the responses; nobody else's."""
    opportunity = _managed_opportunity(request, opportunity)
    responses = opportunity.expressions_of_interest.select_related("organisation").prefetch_related(
        "services"
    )
    return render(
        request,
        "consortia/opportunity_responses.html",
        {"opportunity": opportunity, "responses": responses},
    )


@login_required
def opportunity_response_decide(request, opportunity, pk):
    opportunity = _managed_opportunity(request, opportunity)
    eoi = get_object_or_404(
        opportunity.expressions_of_interest.select_related("organisation"), pk=pk
    )
    allowed = [
        (status.value, status.label)
        for status in ExpressionOfInterest.Status
        if status.value in services.EOI_TRANSITIONS.get(eoi.status, set())
    ]
    form = ExpressionOfInterestDecisionForm(request.POST or None, allowed=allowed)
    if request.method == "POST" and allowed and form.is_valid():
        try:
            services.expression_of_interest_decide(
                eoi=eoi, decided_by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_validation_error(form, error)
        else:
            messages.success(request, f"Response from {eoi.organisation.name} updated")
            return redirect("opportunities:responses", opportunity=opportunity.uuid)
    return render(
        request,
        "consortia/opportunity_response.html",
        {"opportunity": opportunity, "eoi": eoi, "form": form, "allowed": allowed},
    )


@require_POST
@login_required
def opportunity_withdraw(request, opportunity):
    opportunity = _managed_opportunity(request, opportunity)
    services.opportunity_withdraw(opportunity=opportunity)
    messages.success(request, "Opportunity withdrawn")
    return redirect(opportunity)


# --- Consortia ---


def consortium_list(request):
    """Public consortia and, for a signed-in user, their own: searchable and filtered."""
    filterset = ConsortiumFilterSet(
        request.GET,
        queryset=Consortium.objects.visible_to(request.user).select_related("lead_organisation"),
    )
    page_obj, query_string_without_page = _page(request, filterset.qs, CONSORTIA_PER_PAGE)
    return render(
        request,
        "consortia/consortium_list.html",
        {
            "form": filterset.form,
            "page_obj": page_obj,
            "query_string_without_page": query_string_without_page,
            "can_create": request.user.is_authenticated
            and request.user.memberships.filter(role="admin").exists(),
        },
    )


@login_required
def consortium_create(request):
    form = ConsortiumForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            consortium = services.consortium_create(created_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_validation_error(form, error)
        else:
            messages.success(request, "Consortium created")
            return redirect(consortium)
    return render(request, "consortia/consortium_form.html", {"form": form})


def _visible_consortium(request, consortium) -> Consortium:
    return get_object_or_404(
        Consortium.objects.visible_to(request.user).select_related("lead_organisation"),
        uuid=consortium,
    )


def consortium_detail(request, consortium):
    consortium = _visible_consortium(request, consortium)
    user = request.user
    admin_of = (
        set(user.memberships.filter(role="admin").values_list("organisation_id", flat=True))
        if user.is_authenticated
        else set()
    )
    is_lead_admin = consortium.lead_organisation_id in admin_of
    memberships = consortium.memberships.select_related("organisation")
    # The record names people, so only the consortium's own organisations see it.
    involved = {
        m.organisation_id
        for m in memberships
        if m.status in (ConsortiumMembership.Status.INVITED, ConsortiumMembership.Status.ACCEPTED)
    }
    sees_record = user.is_authenticated and (
        user.is_moderator or user.memberships.filter(organisation__in=involved).exists()
    )
    return render(
        request,
        "consortia/consortium_detail.html",
        {
            "consortium": consortium,
            "members": [m for m in memberships if m.status == ConsortiumMembership.Status.ACCEPTED],
            "invited": [m for m in memberships if m.status == ConsortiumMembership.Status.INVITED],
            "admin_of": admin_of,
            "is_lead_admin": is_lead_admin,
            "grid": selectors.consortium_coverage(consortium=consortium),
            "events": consortium.events.select_related("actor")[:20] if sees_record else [],
            "sees_record": sees_record,
            "settings_form": ConsortiumSettingsForm(instance=consortium) if is_lead_admin else None,
        },
    )


def _led_consortium(request, consortium) -> Consortium:
    """A consortium led by an organisation the user is an admin of; otherwise 404."""
    consortium = _visible_consortium(request, consortium)
    if not request.user.memberships.filter(
        organisation=consortium.lead_organisation, role="admin"
    ).exists():
        raise Http404
    return consortium


@require_POST
@login_required
def consortium_settings(request, consortium):
    consortium = _led_consortium(request, consortium)
    form = ConsortiumSettingsForm(request.POST, instance=Consortium.objects.get(pk=consortium.pk))
    if form.is_valid():
        services.consortium_update(
            consortium=consortium, updated_by=request.user, **form.cleaned_data
        )
        messages.success(request, "Consortium updated")
    else:
        messages.error(request, "Select a status and who can see the consortium")
    return redirect(consortium)


# Matches listed by the no-JavaScript search, and suggested by the autocomplete as people type.
INVITE_MATCHES_LISTED = 20
INVITE_MATCHES_SUGGESTED = 10


@login_required
def consortium_invite(request, consortium):
    """Search the directory on the server (?q=) and invite one of the matches. With JavaScript
    an accessible autocomplete over `consortium_invite_search` replaces the search form."""
    consortium = _led_consortium(request, consortium)
    query = (request.POST if request.method == "POST" else request.GET).get("q", "")[:200]
    matches, more = selectors.consortium_invite_matches(
        consortium=consortium, query=query, limit=INVITE_MATCHES_LISTED
    )
    invitable = selectors.consortium_invitable_organisations(consortium=consortium)
    chosen = _chosen_organisation(request, invitable)
    if chosen and chosen not in matches:
        matches.insert(0, chosen)
    form = ConsortiumInviteForm(request.POST or None, invitable=invitable, matches=matches)
    if request.method == "POST" and form.is_valid():
        try:
            services.consortium_invite(
                consortium=consortium, invited_by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_validation_error(form, error)
        else:
            messages.success(request, f"{form.cleaned_data['organisation'].name} invited")
            return redirect(consortium)
    context = {"consortium": consortium, "form": form, "query": query, "matches": matches}
    return render(request, "consortia/consortium_invite.html", {**context, "more": more})


def _chosen_organisation(request, invitable) -> Organisation | None:
    """The invitable organisation posted (perhaps chosen by the autocomplete), to show again."""
    chosen = request.POST.get("organisation", "")
    return invitable.filter(pk=chosen).first() if chosen.isdigit() else None


@login_required
def consortium_invite_search(request, consortium):
    """The autocomplete's suggestions: invitable organisations matching ?q=, as JSON."""
    consortium = _led_consortium(request, consortium)
    matches, more = selectors.consortium_invite_matches(
        consortium=consortium, query=request.GET.get("q", "")[:200], limit=INVITE_MATCHES_SUGGESTED
    )
    results = [{"id": match.pk, "label": organisation_label(match)} for match in matches]
    return JsonResponse({"results": results, "more": more})


def _own_membership(request, consortium, pk, status) -> ConsortiumMembership:
    """A membership of an organisation the user is an admin of, in the given state; or 404."""
    consortium = _visible_consortium(request, consortium)
    return get_object_or_404(
        ConsortiumMembership.objects.select_related("organisation", "consortium"),
        pk=pk,
        consortium=consortium,
        status=status,
        organisation__memberships__user=request.user,
        organisation__memberships__role="admin",
    )


@require_POST
@login_required
def consortium_membership_respond(request, consortium, pk):
    membership = _own_membership(request, consortium, pk, ConsortiumMembership.Status.INVITED)
    accept = request.POST.get("answer") == "accept"
    services.consortium_membership_respond(
        membership=membership, accept=accept, responded_by=request.user
    )
    messages.success(request, "Invitation accepted" if accept else "Invitation declined")
    if accept or membership.consortium.visibility == Consortium.Visibility.PUBLIC:
        return redirect(membership.consortium)
    return redirect("partnerships:consortium_list")


@login_required
def consortium_leave(request, consortium, pk):
    membership = _own_membership(request, consortium, pk, ConsortiumMembership.Status.ACCEPTED)
    error = None
    if request.method == "POST":
        try:
            services.consortium_leave(membership=membership, left_by=request.user)
        except ValidationError as exc:
            error = exc.messages[0]
        else:
            messages.success(request, f"{membership.organisation.name} left the consortium")
            return redirect("partnerships:consortium_list")
    return render(
        request,
        "consortia/consortium_leave.html",
        {"membership": membership, "consortium": membership.consortium, "error": error},
    )


@login_required
def consortium_leadership(request, consortium):
    consortium = _led_consortium(request, consortium)
    form = ConsortiumLeadershipForm(request.POST or None, consortium=consortium)
    if request.method == "POST" and form.is_valid():
        try:
            services.consortium_leadership_transfer(
                consortium=consortium, transferred_by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_validation_error(form, error)
        else:
            messages.success(request, "Leadership handed over")
            return redirect(consortium)
    return render(
        request, "consortia/consortium_leadership.html", {"consortium": consortium, "form": form}
    )
