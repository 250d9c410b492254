"""Where an organisation is by what its own entry says: its address and its numbers."""

from django.db.models import Q

from directory.organisations import geo
from directory.organisations.models import Organisation, Region

OTHER_NATIONS = {"scotland": "Scotland", "northern-ireland": "Northern Ireland"}
# Companies House prefixes of companies registered in Scotland and in Northern Ireland.
COMPANY_PREFIXES = {"Scotland": ("SC", "SO", "SL"), "Northern Ireland": ("NI", "NC", "R0")}


def organisation_base(organisation: Organisation) -> dict:
    """Where an organisation is based by its own address: its Probation Service region, or
    the other UK nation it is in; whether it is registered only outside England and Wales
    (a Scottish or Northern Irish charity or company with no England and Wales number); and
    whether a postcode search finds it by that address."""
    place = None
    if organisation.postcode:
        try:
            place = geo.postcode_place(organisation.postcode)
        except geo.PostcodeError:
            place = None
    country, region_slug = (place.country, place.region_slug) if place else ("", None)
    company = organisation.company_number
    registered_elsewhere = [
        nation
        for nation, numbers in [
            (
                "Scotland",
                [organisation.charity_number_scotland, company[:2] in COMPANY_PREFIXES["Scotland"]],
            ),
            (
                "Northern Ireland",
                [
                    organisation.charity_number_ni,
                    company[:2] in COMPANY_PREFIXES["Northern Ireland"],
                ],
            ),
        ]
        if any(numbers)
    ]
    only_elsewhere = (
        registered_elsewhere
        and not organisation.charity_number_ew
        and not (company and company[:2].isdigit())
    )
    return {
        "region": Region.objects.filter(slug=region_slug).first() if region_slug else None,
        "nation": OTHER_NATIONS.get(country, ""),
        "registered_only_in": " and ".join(registered_elsewhere) if only_elsewhere else "",
        "searched_by_address": _searched_by_address(organisation),
    }


def _searched_by_address(organisation: Organisation) -> bool:
    """Whether a postcode search finds it by its own address: it has one and lists no delivery
    locations (filters.based_within; its services and their locations as prefetched)."""
    if organisation.latitude is None or organisation.pk is None:
        return False
    return not any(service.locations.all() for service in organisation.services.all())


def registered_only_elsewhere() -> Q:
    """Organisations registered only in Scotland or Northern Ireland (organisation_base's
    "registered_only_in", as a condition): a number there, and no England and Wales charity
    number or company number."""
    elsewhere = Q(charity_number_scotland__gt="") | Q(charity_number_ni__gt="")
    for prefixes in COMPANY_PREFIXES.values():
        for prefix in prefixes:
            elsewhere |= Q(company_number__startswith=prefix)
    in_england_or_wales = Q(charity_number_ew__gt="") | Q(company_number__regex=r"^[0-9]{2}")
    return elsewhere & ~in_england_or_wales
