"""Where an organisation is by what its own entry says: its address and its numbers."""

from . import geo
from .models import Organisation, Region

OTHER_NATIONS = {"scotland": "Scotland", "northern-ireland": "Northern Ireland"}


def organisation_base(organisation: Organisation) -> dict:
    """Where an organisation is based by its own address: its Probation Service region, or
    the other UK nation it is in; and whether it is registered only outside England and Wales
    (a Scottish or Northern Irish charity or company with no England and Wales number)."""
    place = None
    if organisation.postcode:
        try:
            place = geo.postcode_place(organisation.postcode)
        except geo.PostcodeError:
            place = None
    country, region_slug = place or ("", None)
    company = organisation.company_number
    registered_elsewhere = [
        nation
        for nation, numbers in [
            ("Scotland", [organisation.charity_number_scotland, company[:2] in ("SC", "SO", "SL")]),
            (
                "Northern Ireland",
                [organisation.charity_number_ni, company[:2] in ("NI", "NC", "R0")],
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
    }
