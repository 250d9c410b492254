from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from . import selectors
from .models import Organisation, Region


def home(request):
    """The front page: what the directory is for, a search box and headline figures."""
    return render(
        request,
        "directory/home.html",
        {"figures": selectors.directory_headline_figures(), "regions": Region.objects.all()},
    )


def organisation_list(request):
    """Published organisations, paginated, with a simple keyword search."""
    query = request.GET.get("q", "").strip()[: settings.SEARCH_MAX_QUERY_LENGTH]
    paginator = Paginator(selectors.organisation_list(query=query), 20)
    page_obj = paginator.get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "directory/organisation_list.html",
        {"page_obj": page_obj, "query": query, "query_string_without_page": params.urlencode()},
    )


def organisation_detail(request, slug):
    """A public profile. Organisations that are not published are not found."""
    organisation = get_object_or_404(
        selectors.organisation_profile_queryset().filter(status=Organisation.Status.PUBLISHED), slug=slug
    )
    return render(request, "directory/organisation_detail.html", {"organisation": organisation})
