"""Reads of shortlists and saved searches."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q, QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils.formats import date_format

from directory.organisations.models import EvidenceItem, Organisation
from directory.search.filters import EVIDENCE_LEVEL_CHOICES, OrganisationFilterSet
from directory.search.models import SavedSearch
from directory.search.selectors import (
    EXPORT_COLUMNS,
    FLAG_LABELS,
    _export_row,
    exported_fields,
    organisation_profile_queryset,
    service_summaries,
    taxonomy_terms,
)
from directory.shortlists.models import SearchRecord, Shortlist, ShortlistItem

COMPARE_MAX = 6


def shortlist_list(*, user) -> QuerySet[Shortlist]:
    """The user's shortlists and those shared with them, with item counts: one query."""
    return (
        Shortlist.objects.viewable_by(user)
        .select_related("owner")
        .annotate(
            item_count=Count("items", distinct=True),
            can_edit=Exists(Shortlist.objects.editable_by(user).filter(pk=OuterRef("pk"))),
        )
    )


@dataclass(frozen=True)
class SharedWith:
    email: str
    role: str
    revoke_url: str
    since: datetime


# How a search's chosen terms read in a sentence ("in Wales"); groups not named here are
# listed as they are ("Women", "Accommodation").
SEARCH_TERM_PREFIXES = {
    "region": "in",
    "based_in": "based in",
    "income_band": "with an annual income of",
    "partnership_role": "taking the role of",
    "offers_role": "offering to partner as",
    "seeks_role": "looking for a partner as",
    "quality_mark": "holding",
}


def search_description(query_string: str, *, taxonomy=None) -> str:
    """A search in a sentence: "Women, in Yorkshire and the Humber, within 25 miles of
    LS7 3AB" (or "All organisations" with nothing chosen)."""
    filterset = OrganisationFilterSet(QueryDict(query_string), taxonomy=taxonomy)
    values = filterset.values
    parts = [f"“{text}”"] if (text := filterset.query_text) else []
    # The people supported lead ("Women, in Wales"); the other groups follow in their order.
    for group, terms in sorted(filterset.taxonomy.items(), key=lambda g: g[0] != "client_group"):
        chosen = set(values.get(group) or [])
        if names := [term.name for term in terms if term.slug in chosen]:
            prefix = SEARCH_TERM_PREFIXES.get(group)
            parts.append(" ".join(filter(None, [prefix, " or ".join(names)])))
    if values.get("has_evidence"):
        parts.append("with evidence of impact")
    if level := values.get("min_evidence_level"):
        parts.append(f"evidence at {dict(EVIDENCE_LEVEL_CHOICES)[level].lower()}")
    parts.extend(
        label[0].lower() + label[1:] for flag, label in FLAG_LABELS.items() if values[flag]
    )
    if place := filterset.place:
        parts.append(f"within {filterset.miles} miles of {place.postcode}")
    if not parts:
        return "All organisations"
    sentence = ", ".join(parts)
    return sentence[0].upper() + sentence[1:]


def new_shortlist_name(query_string: str | None, *, today: date) -> str:
    """What a shortlist started from the search results is called: the search it came from,
    or the day it was started."""
    described = search_description(query_string) if query_string else None
    if described and described != "All organisations":
        return described
    return f"Shortlist started {date_format(today, 'j F Y')}"


def shortlist_search_records(*, shortlist: Shortlist) -> list[SearchRecord]:
    """The searches recorded on a shortlist, newest first, each with its `description`."""
    records = list(shortlist.search_records.select_related("recorded_by"))
    taxonomy = taxonomy_terms() if records else None
    for record in records:
        record.description = search_description(record.query_string, taxonomy=taxonomy)
    return records


def shortlist_shared_with(*, shortlist: Shortlist) -> list[SharedWith]:
    """Everyone a shortlist is shared with, by email address and alike whether or not the
    address has an account, in the order they were added: two queries."""
    shared = [
        SharedWith(
            share.user.email,
            share.get_role_display(),
            reverse("shortlists:share_revoke", kwargs={"pk": shortlist.pk, "share": share.pk}),
            share.created_at,
        )
        for share in shortlist.shares.select_related("user")
    ] + [
        SharedWith(
            invitation.email,
            invitation.get_role_display(),
            reverse(
                "shortlists:invitation_revoke",
                kwargs={"pk": shortlist.pk, "invitation": invitation.pk},
            ),
            invitation.created_at,
        )
        for invitation in shortlist.invitations.all()
    ]
    return sorted(shared, key=lambda entry: (entry.since, entry.email))


def shortlist_items(*, shortlist: Shortlist) -> QuerySet[ShortlistItem]:
    """A shortlist's organisations in the order they were added."""
    return shortlist.items.select_related("organisation").order_by("added_at", "id")


def shortlist_compare_organisations(
    *, shortlist: Shortlist, slugs: list[str] | None = None
) -> list[tuple[Organisation, ShortlistItem]]:
    """Up to six published organisations of the shortlist (the chosen ones, or the first six),
    with everything the comparison shows, in a fixed number of queries."""
    items = shortlist.items.filter(organisation__status=Organisation.Status.PUBLISHED)
    if slugs:
        items = items.filter(organisation__slug__in=slugs)
    items = list(
        items.order_by("added_at", "id").prefetch_related(
            Prefetch("organisation", queryset=organisation_profile_queryset())
        )[:COMPARE_MAX]
    )
    return [(item.organisation, item) for item in items]


@dataclass
class CompareRow:
    label: str
    cells: list[list[str]]


def _names(terms) -> list[str]:
    return sorted({term.name for term in terms})


def _yes_no(value: bool) -> str:
    return "Yes" if value else "No"


def _services_by_pathway(organisation: Organisation) -> list[str]:
    by_pathway: dict[str, list[str]] = {}
    for service in organisation.services.all():
        for pathway in service.pathways.all():
            by_pathway.setdefault(pathway.name, []).append(service.name)
    return [f"{pathway}: {', '.join(names)}" for pathway, names in sorted(by_pathway.items())]


def _service_terms(organisation: Organisation, relation: str) -> list[str]:
    return _names(
        term for service in organisation.services.all() for term in getattr(service, relation).all()
    )


def _capacity(organisation: Organisation) -> list[str]:
    services = organisation.services.all()
    lines = [f"Accepting referrals: {_yes_no(any(s.accepting_referrals for s in services))}"]
    lines += [f"{s.name}: {s.spare_capacity}" for s in services if s.spare_capacity]
    largest = max((s.largest_contract_value or 0 for s in services), default=0)
    if largest:
        lines.append(f"Largest contract it could take: £{largest:,}")
    return lines


def _size(organisation: Organisation) -> list[str]:
    figures = [
        ("Annual income", organisation.income_band.name if organisation.income_band else None),
        ("Staff", organisation.staff_count),
        ("Volunteers", organisation.volunteer_count),
        ("People supported a year", organisation.people_supported_per_year),
    ]
    return [f"{label}: {value}" for label, value in figures if value is not None]


def _evidence(organisation: Organisation) -> list[str]:
    lines = []
    for item in organisation.evidence_items.all():
        line = (
            f"{item.title} ({item.get_kind_display()}, {item.year}): Nesta level {item.nesta_level}"
        )
        if item.is_justice_data_lab and item.jdl_cohort_rate is not None:
            significance = {
                True: "significant",
                False: "not significant",
                None: "significance not given",
            }
            line += (
                f"; cohort of {item.jdl_cohort_size or 'unknown size'} reoffended at "
                f"{item.jdl_cohort_rate}% against {item.jdl_comparison_rate}% for the comparison "
                f"group ({significance[item.jdl_significant]})"
            )
        if item.verified_by_moderator:
            line += "; checked by a moderator"
        lines.append(line)
    return lines


def compare_stacked(
    rows: list[CompareRow], organisations: list[Organisation], notes: list[str]
) -> list[tuple[Organisation, list[tuple[str, list[str]]], str]]:
    """The comparison one organisation at a time (its aspects and the note), for a phone."""
    return [
        (organisation, [(row.label, row.cells[index]) for row in rows], notes[index])
        for index, organisation in enumerate(organisations)
    ]


def compare_rows(organisations: list[Organisation]) -> list[CompareRow]:
    """The comparison table, one row per aspect and one cell (lines of text) per organisation."""
    aspects = [
        ("Services by pathway", _services_by_pathway),
        ("Regions", lambda o: _service_terms(o, "regions")),
        ("People supported", lambda o: _service_terms(o, "client_groups")),
        ("Delivery settings", lambda o: _service_terms(o, "settings")),
        ("Capacity", _capacity),
        ("Size", _size),
        ("Evidence of impact", _evidence),
        ("Quality marks", lambda o: _names(o.quality_marks.all())),
        ("Partnership roles sought", lambda o: _names(o.partnership_roles.all())),
        (
            "Last verified",
            lambda o: [date_format(o.last_verified_at, "j F Y")] if o.last_verified_at else [],
        ),
    ]
    return [
        CompareRow(label, [describe(organisation) for organisation in organisations])
        for label, describe in aspects
    ]


def _evidence_totals(organisation_ids: list[int]) -> dict[int, dict]:
    """Evidence counts per organisation, as the search export's rows expect them."""
    totals = (
        EvidenceItem.objects.filter(organisation_id__in=organisation_ids)
        .values("organisation_id")
        .annotate(
            items=Count("id"),
            best_level=Max("nesta_level"),
            jdl=Count("id", filter=Q(kind=EvidenceItem.Kind.JUSTICE_DATA_LAB)),
        )
        .order_by()
    )
    return {row["organisation_id"]: row for row in totals}


SHORTLIST_EXPORT_COLUMNS = (*EXPORT_COLUMNS[:-1], "shortlist_note", "added_to_shortlist")


def shortlist_export_rows(*, shortlist: Shortlist) -> Iterator[dict]:
    """The shortlist's published organisations as the search export's rows, plus the note."""
    items = list(
        shortlist.items.filter(organisation__status=Organisation.Status.PUBLISHED)
        .select_related("organisation__legal_form", "organisation__income_band")
        .order_by("added_at", "id")
    )
    ids = [item.organisation_id for item in items]
    summaries = service_summaries(organisation_ids=ids, taxonomy=taxonomy_terms())
    evidence = _evidence_totals(ids)
    for item in items:
        organisation_id = item.organisation_id
        row = _export_row(
            exported_fields(item.organisation),
            summaries[organisation_id],
            evidence.get(organisation_id, {}),
        )
        row.pop("distance_miles")
        row["shortlist_note"] = item.note
        row["added_to_shortlist"] = item.added_at.date().isoformat()
        yield row


def saved_search_list(*, user) -> QuerySet[SavedSearch]:
    return SavedSearch.objects.filter(owner=user).order_by("name", "id")
