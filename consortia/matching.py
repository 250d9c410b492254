"""Partner matching: which organisations would complement a given one.

A pure function over plain data, so the ranking can be tested without a database.
`consortia.selectors.partner_suggestions` builds the profiles from the directory.

Everything is compared region by region, as the search matches within one service: a
candidate is suggested when, in at least one region where both work and the candidate is open
to partnership, it adds something there: a pathway, a client group or a delivery setting that
the organisation does not cover in that region. A candidate whose work with women is only in
Wales adds nothing for women in the North West.

A candidate is open to partnership when it says it is open to approaches now; if it has also
declared partnership interest (roles sought or offered, by region and pathway), it is open
only in the regions of those interests (all of them for an interest in the `national` region).

Candidates are ranked by what they add (each new region and pathway pair counts most, then
each new region and client group or setting pair), then by the strength of their evidence
(highest Nesta level), then by name.

Work in the `national` region (if given) covers every region: a national candidate shares all
of the organisation's regions, and a pathway, client group or setting the organisation covers
nationally is covered everywhere.
"""

from dataclasses import dataclass, field

# A new pathway in a region is worth more than a new client group or setting: filling a gap
# in what can be delivered where is the main reason to partner.
PAIR_WEIGHT = 3
GROUP_WEIGHT = 1
SETTING_WEIGHT = 1

# Region name -> the names added there, in a stable order.
Added = dict[str, list[str]]


@dataclass(frozen=True)
class PartnerProfile:
    """What an organisation delivers where, by name, and how strong its evidence is. Each
    pair comes from one service: (region, pathway), (region, client group), (region, setting)."""

    key: int
    name: str
    coverage: frozenset[tuple[str, str]]
    client_groups: frozenset[tuple[str, str]] = frozenset()
    settings: frozenset[tuple[str, str]] = frozenset()
    evidence_level: int = 0
    open_to_partnership: bool = True
    # The regions of its declared partnership interests; None when it declared none (then it
    # is open wherever it works).
    interest_regions: frozenset[str] | None = None

    @property
    def regions(self) -> set[str]:
        return {region for region, _ in self.coverage}

    def is_open_in(self, region: str, national: str | None) -> bool:
        if not self.open_to_partnership:
            return False
        if self.interest_regions is None:
            return True
        return region in self.interest_regions or (
            national is not None and national in self.interest_regions
        )


@dataclass(frozen=True)
class PartnerSuggestion:
    profile: PartnerProfile
    score: int
    added_pathways: Added = field(default_factory=dict)
    added_client_groups: Added = field(default_factory=dict)
    added_settings: Added = field(default_factory=dict)
    # The region that means everywhere, said as "nationally".
    national: str | None = None

    @property
    def reason(self) -> str:
        """One line: "adds Accommodation and Health in the North West; works with Women in
        the North West and Wales"."""
        parts = [
            f"{verb} {_by_place(added, self.national)}"
            for verb, added in [
                ("adds", self.added_pathways),
                ("works with", self.added_client_groups),
                ("delivers in", self.added_settings),
            ]
            if added
        ]
        return "; ".join(parts)


def _by_place(added: Added, national: str | None) -> str:
    """ "Health in the North West and Wales; Finance nationally": regions adding the same names
    are said together."""
    places: dict[tuple[str, ...], list[str]] = {}
    for region, names in added.items():
        places.setdefault(tuple(names), []).append(region)
    return "; ".join(
        f"{_and_list(list(names))} {_place(regions, national)}" for names, regions in places.items()
    )


def _place(regions: list[str], national: str | None) -> str:
    # "in the North West", "in the East of England", but "in Wales", "in London", "nationally".
    if regions == [national]:
        return "nationally"
    compass = ("North", "South", "East", "West")
    named = [f"the {region}" if region.startswith(compass) else region for region in regions]
    return f"in {_and_list(named)}"


def _and_list(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def _in_region(pairs: frozenset[tuple[str, str]], region: str, national: str | None) -> set[str]:
    """The names a profile covers in a region, counting its national work."""
    return {name for r, name in pairs if r == region or (national and r == national)}


def _regions_together(
    organisation: PartnerProfile, candidate: PartnerProfile, national: str | None
) -> set[str]:
    """The regions where both work and the candidate is open to partnership."""
    own, theirs = organisation.regions, candidate.regions
    shared = own & theirs
    if national in theirs:
        shared |= own
    if national in own:
        shared |= theirs
    if national in own and national in theirs:
        # Both work everywhere: wherever the candidate said it wants partners.
        shared |= candidate.interest_regions or set()
    return {region for region in shared if candidate.is_open_in(region, national)}


def _added(
    own: frozenset[tuple[str, str]],
    theirs: frozenset[tuple[str, str]],
    regions: set[str],
    national: str | None,
) -> Added:
    """Region -> what the candidate covers there that the organisation does not; what is
    added nationally is not said again region by region."""
    added = {
        region: _in_region(theirs, region, national) - _in_region(own, region, national)
        for region in regions
    }
    everywhere = added.get(national, set()) if national else set()
    result: Added = {}
    for region in sorted(added):
        names = added[region] if region == national else added[region] - everywhere
        if names:
            result[region] = sorted(names)
    return result


def _count(added: Added) -> int:
    return sum(len(names) for names in added.values())


def suggest_partners(
    organisation: PartnerProfile,
    candidates: list[PartnerProfile],
    *,
    limit: int = 20,
    national: str | None = None,
) -> list[PartnerSuggestion]:
    """The candidates that would complement the organisation, best first."""
    suggestions = []
    for candidate in candidates:
        if candidate.key == organisation.key:
            continue
        regions = _regions_together(organisation, candidate, national)
        if not regions:
            continue
        pathways = _added(organisation.coverage, candidate.coverage, regions, national)
        groups = _added(organisation.client_groups, candidate.client_groups, regions, national)
        settings = _added(organisation.settings, candidate.settings, regions, national)
        score = (
            PAIR_WEIGHT * _count(pathways)
            + GROUP_WEIGHT * _count(groups)
            + SETTING_WEIGHT * _count(settings)
        )
        if not score:
            continue
        suggestions.append(
            PartnerSuggestion(
                profile=candidate,
                score=score,
                added_pathways=pathways,
                added_client_groups=groups,
                added_settings=settings,
                national=national,
            )
        )
    suggestions.sort(key=lambda s: (-s.score, -s.profile.evidence_level, s.profile.name))
    return suggestions[:limit]
