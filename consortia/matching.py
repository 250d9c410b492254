"""Partner matching: which organisations would complement a given one.

A pure function over plain data, so the ranking can be tested without a database.
`consortia.selectors.partner_suggestions` builds the profiles from the directory.

A candidate is suggested when it is open to partnership, works in at least one of the
organisation's regions and adds something there: a pathway the organisation does not cover in
that region, or a client group or delivery setting it does not work with at all. Candidates are
ranked by what they add (each new region and pathway pair counts most, then client groups and
settings), then by the strength of their evidence (highest Nesta level), then by name.
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

    @property
    def reason(self) -> str:
        """One line: "adds Accommodation and Health in the North West; works with women"."""
        parts = [
            f"{_and_list(pathways)} in {_place(region)}"
            for region, pathways in self.added_pathways.items()
        ]
        reason = f"adds {'; '.join(parts)}" if parts else ""
        extras = []
        if self.added_client_groups:
            extras.append(f"works with {_and_list(self.added_client_groups)}")
        if self.added_settings:
            extras.append(f"delivers in {_and_list(self.added_settings)}")
        return "; ".join(part for part in [reason, *extras] if part)


def _place(region: str) -> str:
    # "the North West", "the East of England", but "Wales", "London", "Kent, Surrey and Sussex".
    compass = ("North", "South", "East", "West")
    return f"the {region}" if region.startswith(compass) else region


def _and_list(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def suggest_partners(
    organisation: PartnerProfile, candidates: list[PartnerProfile], *, limit: int = 20
) -> list[PartnerSuggestion]:
    """The candidates that would complement the organisation, best first."""
    own_regions = organisation.regions
    suggestions = []
    for candidate in candidates:
        if candidate.key == organisation.key or not candidate.open_to_partnership:
            continue
        shared_regions = own_regions & candidate.regions
        if not shared_regions:
            continue
        added_pairs = sorted(
            (region, pathway)
            for region, pathway in candidate.coverage
            if region in shared_regions and (region, pathway) not in organisation.coverage
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
            )
        )
    suggestions.sort(key=lambda s: (-s.score, -s.profile.evidence_level, s.profile.name))
    return suggestions[:limit]
