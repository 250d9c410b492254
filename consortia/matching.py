"""Partner matching: which organisations would complement a given one.

A pure function over plain data, so the ranking can be tested without a database.
`consortia.selectors.partner_suggestions` builds the profiles from the directory.

A candidate is suggested when it is open to partnership, works in at least one of the
organisation's regions and adds something there: a pathway the organisation does not cover in
that region, or a client group or delivery setting it does not work with at all. Candidates are
ranked by what they add (each new region and pathway pair counts most, then client groups and
settings), then by the strength of their evidence (highest Nesta level), then by name.

Work in the `national` region (if given) covers every region: a national candidate shares all
of the organisation's regions, and a pathway the organisation delivers nationally is covered
everywhere.
"""

from dataclasses import dataclass, field

# A new pathway in a region is worth more than a new client group or setting: filling a gap
# in what can be delivered where is the main reason to partner.
PAIR_WEIGHT = 3
GROUP_WEIGHT = 1
SETTING_WEIGHT = 1


@dataclass(frozen=True)
class PartnerProfile:
    """What an organisation delivers where, by name, and how strong its evidence is."""

    key: int
    name: str
    # (region name, pathway name) pairs delivered by one service.
    coverage: frozenset[tuple[str, str]]
    client_groups: frozenset[str] = frozenset()
    settings: frozenset[str] = frozenset()
    evidence_level: int = 0
    open_to_partnership: bool = True

    @property
    def regions(self) -> set[str]:
        return {region for region, _ in self.coverage}


@dataclass(frozen=True)
class PartnerSuggestion:
    profile: PartnerProfile
    score: int
    # Region name -> pathway names the candidate adds there, in a stable order.
    added_pathways: dict[str, list[str]] = field(default_factory=dict)
    added_client_groups: list[str] = field(default_factory=list)
    added_settings: list[str] = field(default_factory=list)
    # The region that means everywhere, said as "nationally".
    national: str | None = None

    @property
    def reason(self) -> str:
        """One line: "adds Accommodation and Health in the North West; works with women"."""
        parts = [
            f"{_and_list(pathways)} {_place(region, self.national)}"
            for region, pathways in self.added_pathways.items()
        ]
        reason = f"adds {'; '.join(parts)}" if parts else ""
        extras = []
        if self.added_client_groups:
            extras.append(f"works with {_and_list(self.added_client_groups)}")
        if self.added_settings:
            extras.append(f"delivers in {_and_list(self.added_settings)}")
        return "; ".join(part for part in [reason, *extras] if part)


def _place(region: str, national: str | None) -> str:
    # "in the North West", "in the East of England", but "in Wales", "in London", "nationally".
    if region == national:
        return "nationally"
    compass = ("North", "South", "East", "West")
    return f"in the {region}" if region.startswith(compass) else f"in {region}"


def _and_list(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def _pathways_in(profile: PartnerProfile, region: str, national: str | None) -> set[str]:
    """The pathways a profile delivers in a region, counting its national work."""
    return {p for r, p in profile.coverage if r == region or (national and r == national)}


def _shared_regions(
    organisation: PartnerProfile, candidate: PartnerProfile, national: str | None
) -> set[str]:
    own, theirs = organisation.regions, candidate.regions
    shared = own & theirs
    if national in theirs:
        shared |= own
    if national in own:
        shared |= theirs
    return shared


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
        if candidate.key == organisation.key or not candidate.open_to_partnership:
            continue
        shared_regions = _shared_regions(organisation, candidate, national)
        if not shared_regions:
            continue
        added_pairs = {
            (region, pathway)
            for region in shared_regions
            for pathway in _pathways_in(candidate, region, national)
            - _pathways_in(organisation, region, national)
        }
        # A pathway added nationally is not added again region by region.
        added_nationally = {pathway for region, pathway in added_pairs if region == national}
        added_pairs = sorted(
            (region, pathway)
            for region, pathway in added_pairs
            if region == national or pathway not in added_nationally
        )
        added_groups = sorted(candidate.client_groups - organisation.client_groups)
        added_settings = sorted(candidate.settings - organisation.settings)
        score = (
            PAIR_WEIGHT * len(added_pairs)
            + GROUP_WEIGHT * len(added_groups)
            + SETTING_WEIGHT * len(added_settings)
        )
        if not score:
            continue
        added_pathways: dict[str, list[str]] = {}
        for region, pathway in added_pairs:
            added_pathways.setdefault(region, []).append(pathway)
        suggestions.append(
            PartnerSuggestion(
                profile=candidate,
                score=score,
                added_pathways=added_pathways,
                added_client_groups=added_groups,
                added_settings=added_settings,
                national=national,
            )
        )
    suggestions.sort(key=lambda s: (-s.score, -s.profile.evidence_level, s.profile.name))
    return suggestions[:limit]
