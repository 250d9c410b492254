"""A published organisation's services (with their delivery locations) and evidence as JSON, so
that the owners' edits to them wait in its pending revision like its other fields.

A revision keeps each list whole: `proposed["services"]` is every service as the owners want
it, in order, and `original["services"]` the live list when they first changed it. Items are
matched by uuid: the diff says what was added, removed and changed (field by field), and
approving creates, updates and deletes live rows to match. Whether a moderator has verified an
item of evidence is not part of it: a changed item is simply unverified once approved.
"""

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

from django.db import models
from django.db.models import Prefetch

from directory.moderation.models import OrganisationRevision
from directory.organisations.models import (
    EVIDENCE_FIELDS,
    ClientGroup,
    DeliveryLocation,
    DeliverySetting,
    EvidenceItem,
    Organisation,
    Pathway,
    Region,
    Service,
)

SERVICES = "services"
EVIDENCE = "evidence_items"
LISTS = (SERVICES, EVIDENCE)
ITEM_NAMES = {SERVICES: "Service", EVIDENCE: "Evidence"}

SERVICE_FIELDS = (
    "name",
    "description",
    "eligibility",
    "accepting_referrals",
    "spare_capacity",
    "largest_contract_value",
)
SERVICE_TERMS = {
    "pathways": Pathway,
    "client_groups": ClientGroup,
    "settings": DeliverySetting,
    "regions": Region,
}
LOCATION_FIELDS = ("name", "address", "postcode", "confidential", "latitude", "longitude")


# --- Rows as JSON ---


def _value(instance: models.Model, name: str):
    model_field = instance._meta.get_field(name)
    value = getattr(instance, name)
    if isinstance(model_field, models.FileField):
        return (value.name or "") if value else ""
    if isinstance(model_field, models.DecimalField) and value is not None:
        return f"{Decimal(value):.{model_field.decimal_places}f}"
    return value


def location_data(location: DeliveryLocation) -> dict:
    return {"uuid": str(location.uuid)} | {name: _value(location, name) for name in LOCATION_FIELDS}


def service_data(service: Service, *, terms: dict | None = None, locations=None) -> dict:
    """The service as JSON; `terms` (from a form) replace its saved pathways, regions..."""
    data = {"uuid": str(service.uuid)} | {name: _value(service, name) for name in SERVICE_FIELDS}
    for name in SERVICE_TERMS:
        chosen = (terms or {}).get(name)
        if chosen is None:
            chosen = getattr(service, name).all() if service.pk else []
        data[name] = sorted(term.slug for term in chosen)
    if locations is None:
        locations = [location_data(location) for location in service.locations.all()]
    data["locations"] = locations
    return data


def evidence_data(item: EvidenceItem) -> dict:
    return {"uuid": str(item.uuid)} | {name: _value(item, name) for name in EVIDENCE_FIELDS}


def _live_service_rows(organisation: Organisation) -> list[Service]:
    return list(
        organisation.services.order_by("position", "id").prefetch_related(
            *SERVICE_TERMS, Prefetch("locations", queryset=DeliveryLocation.objects.order_by("id"))
        )
    )


def live_services(organisation: Organisation) -> list[dict]:
    return [service_data(service) for service in _live_service_rows(organisation)]


def _by_uuid(items: list[dict]) -> list[dict]:
    return sorted(items, key=lambda item: item["uuid"])


def live_evidence(organisation: Organisation) -> list[dict]:
    return _by_uuid([evidence_data(item) for item in organisation.evidence_items.all()])


LIVE = {SERVICES: live_services, EVIDENCE: live_evidence}


def canonical(key: str, items: list[dict]) -> list[dict]:
    """Services keep the owners' order; evidence has none of its own (pages sort it by year)."""
    return _by_uuid(items) if key == EVIDENCE else items


def current(organisation: Organisation, key: str) -> list[dict]:
    """The list as the owners last saved it: in the open revision if they changed it, else live."""
    revision = organisation.revisions.open().first()
    if revision is not None and key in revision.proposed:
        return revision.proposed[key]
    return LIVE[key](organisation)


def find(items: list[dict], item_uuid) -> dict | None:
    return next((item for item in items if item["uuid"] == str(item_uuid)), None)


def current_without(organisation: Organisation, key: str, item_uuid) -> list[dict]:
    """The list as the owners last saved it, less one item."""
    return [item for item in current(organisation, key) if item["uuid"] != str(item_uuid)]


def documents(items: list[dict] | None) -> set[str]:
    """The uploaded files an evidence list refers to."""
    return {item["document"] for item in items or [] if item.get("document")}


# --- Instances for the owners' forms ---


def _set_fields(instance: models.Model, data: dict, names) -> None:
    # A revision saved before a field existed leaves that field at its default.
    for name in names:
        if name in data:
            setattr(instance, name, data[name])


def service_instance(organisation: Organisation, data: dict) -> Service:
    """The service to edit: its live row, or a new one with the pending uuid, holding the values
    the owners last saved."""
    service = organisation.services.filter(uuid=data["uuid"]).first()
    service = service or Service(organisation=organisation, uuid=uuid.UUID(data["uuid"]))
    _set_fields(service, data, SERVICE_FIELDS)
    return service


def service_initial(data: dict) -> dict:
    """The service's saved pathways, regions... as form initial data."""
    return {
        name: list(model.objects.filter(slug__in=data[name]))
        for name, model in SERVICE_TERMS.items()
    }


def location_preview(data: dict) -> DeliveryLocation:
    """An unsaved location holding the saved values, to show as it will be published."""
    location = DeliveryLocation(uuid=uuid.UUID(data["uuid"]))
    _set_fields(location, data, LOCATION_FIELDS)
    return location


def location_instance(service: Service, data: dict) -> DeliveryLocation:
    location = service.locations.filter(uuid=data["uuid"]).first() if service.pk else None
    location = location or DeliveryLocation(uuid=uuid.UUID(data["uuid"]))
    location.service = service
    _set_fields(location, data, LOCATION_FIELDS)
    return location


def service_of_location(services: list[dict], location_uuid) -> dict | None:
    return next(
        (service for service in services if find(service["locations"], location_uuid)), None
    )


def evidence_instance(organisation: Organisation, data: dict) -> EvidenceItem:
    item = organisation.evidence_items.filter(uuid=data["uuid"]).first()
    item = item or EvidenceItem(organisation=organisation, uuid=uuid.UUID(data["uuid"]))
    _set_fields(item, data, EVIDENCE_FIELDS)
    return item


# --- What the owners' pages show ---


def _term_names(services: list[dict], known=None) -> dict[str, dict[str, str]]:
    """Slug to name of the pathways, regions... the services use; only those not `known`
    already (from prefetched rows) are looked up."""
    names = {}
    for name, model in SERVICE_TERMS.items():
        names[name] = dict((known or {}).get(name, {}))
        missing = {slug for service in services for slug in service[name]} - set(names[name])
        if missing:
            names[name] |= dict(model.objects.filter(slug__in=missing).values_list("slug", "name"))
    return names


@dataclass
class LocationView:
    uuid: str
    name: str
    address: str
    postcode: str
    confidential: bool = False


@dataclass
class ServiceView:
    uuid: str
    name: str
    description: str
    eligibility: str
    accepting_referrals: bool
    spare_capacity: str
    largest_contract_value: int | None
    pathways: list[str]
    client_groups: list[str]
    settings: list[str]
    regions: list[str]
    locations: list[LocationView]
    change: str = ""


@dataclass
class EvidenceView:
    uuid: str
    kind: str
    title: str
    year: int
    summary: str
    outcomes_measured: str
    nesta_level: int
    url: str
    document: str
    jdl_cohort_size: int | None
    jdl_cohort_rate: str | None
    jdl_comparison_rate: str | None
    jdl_significant: bool | None
    change: str = ""
    verified: bool = False

    def get_kind_display(self) -> str:
        return EvidenceItem.Kind(self.kind).label

    @property
    def is_justice_data_lab(self) -> bool:
        return self.kind == EvidenceItem.Kind.JUSTICE_DATA_LAB


def _change(item: dict, live: dict[str, dict]) -> str:
    """ "new", "changed" or "" (the same as the published item)."""
    published = live.get(item["uuid"])
    if published is None:
        return "new"
    return "" if published == item else "changed"


def _saved(revision: OrganisationRevision | None, key: str, live: list[dict]) -> list[dict]:
    """The open revision's list if the owners changed it (it may be empty), else the live one."""
    if revision is not None and key in revision.proposed:
        return revision.proposed[key]
    return live


def service_views(
    organisation: Organisation, revision: OrganisationRevision | None
) -> tuple[list[ServiceView], list[str]]:
    """The services as the owners last saved them (`revision` is the open one, if any), each
    marked new or changed while it waits for a moderator, and the names of published services
    waiting to be removed."""
    rows = _live_service_rows(organisation)
    live = [service_data(service) for service in rows]
    services = _saved(revision, SERVICES, live)
    known = {
        name: {term.slug: term.name for row in rows for term in getattr(row, name).all()}
        for name in SERVICE_TERMS
    }
    names = _term_names(services, known)
    by_uuid = {service["uuid"]: service for service in live}
    views = [
        ServiceView(
            **{name: service[name] for name in ("uuid", *SERVICE_FIELDS)},
            **{
                name: [names[name][slug] for slug in service[name] if slug in names[name]]
                for name in SERVICE_TERMS
            },
            locations=[
                LocationView(
                    **{k: location.get(k) for k in ("uuid", "name", "address", "postcode")},
                    confidential=bool(location.get("confidential")),
                )
                for location in service["locations"]
            ],
            change=_change(service, by_uuid),
        )
        for service in services
    ]
    kept = {service["uuid"] for service in services}
    return views, [service["name"] for service in live if service["uuid"] not in kept]


def evidence_views(
    organisation: Organisation, revision: OrganisationRevision | None
) -> tuple[list[EvidenceView], list[str]]:
    """The evidence as the owners last saved it, newest first, marked like `service_views`."""
    rows = list(organisation.evidence_items.all())
    live = [evidence_data(item) for item in rows]
    verified = {str(item.uuid) for item in rows if item.verified_by_moderator}
    items = _saved(revision, EVIDENCE, live)
    by_uuid = {item["uuid"]: item for item in live}
    views = []
    for item in items:
        change = _change(item, by_uuid)
        views.append(
            EvidenceView(
                **{name: item[name] for name in ("uuid", *EVIDENCE_FIELDS)},
                change=change,
                verified=item["uuid"] in verified and change == "",
            )
        )
    views.sort(key=lambda view: (-view.year, view.title))
    kept = {item["uuid"] for item in items}
    return views, [item["title"] for item in live if item["uuid"] not in kept]


# --- The moderators' diff ---


def _display(value) -> str | None:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if value in (None, "", []):
        return None
    if isinstance(value, list):
        return ", ".join(value)
    return str(value)


def _labels(model: type[models.Model], names) -> dict[str, str]:
    return {name: str(model._meta.get_field(name).verbose_name).capitalize() for name in names}


SERVICE_LABELS = _labels(Service, (*SERVICE_FIELDS, *SERVICE_TERMS))
EVIDENCE_LABELS = _labels(EvidenceItem, EVIDENCE_FIELDS)
EVIDENCE_LABELS["document"] = "Uploaded report"


def _location_text(location: dict | None) -> str | None:
    if location is None:
        return None
    text = ", ".join(part for part in (location["address"], location["postcode"]) if part)
    return f"{text} (confidential address)" if location.get("confidential") else text


def _service_rows(before: dict | None, after: dict | None, names) -> list[tuple[str, object]]:
    """(label, before, after) for each field that differs; terms by name, not slug."""
    rows = []
    for name in (*SERVICE_FIELDS, *SERVICE_TERMS):
        old, new = (before or {}).get(name), (after or {}).get(name)
        if name in SERVICE_TERMS:
            old = [names[name].get(slug, slug) for slug in old] if old is not None else None
            new = [names[name].get(slug, slug) for slug in new] if new is not None else None
        if _display(old) != _display(new):
            rows.append((SERVICE_LABELS[name], _display(old), _display(new)))
    old_locations = {loc["uuid"]: loc for loc in (before or {}).get("locations", [])}
    new_locations = {loc["uuid"]: loc for loc in (after or {}).get("locations", [])}
    for key in [*old_locations, *(k for k in new_locations if k not in old_locations)]:
        old, new = old_locations.get(key), new_locations.get(key)
        if old == new:
            continue
        label = f"Delivery location “{(new or old)['name']}”"
        if old is not None and new is not None and old["name"] != new["name"]:
            label = f"Delivery location “{old['name']}”, now “{new['name']}”"
        rows.append((label, _location_text(old), _location_text(new)))
    return rows


def _evidence_rows(before: dict | None, after: dict | None) -> list[tuple[str, object]]:
    rows = []
    for name in EVIDENCE_FIELDS:
        old, new = (before or {}).get(name), (after or {}).get(name)
        if name == "kind":
            old = EvidenceItem.Kind(old).label if old else None
            new = EvidenceItem.Kind(new).label if new else None
        if name == "document":
            # Generated file names mean nothing to a reader: say whether a new file came.
            old = "A PDF" if old else None
            new = ("A new PDF" if new != (before or {}).get(name) else "A PDF") if new else None
        if _display(old) != _display(new):
            rows.append((EVIDENCE_LABELS[name], _display(old), _display(new)))
    return rows


def list_diff(key: str, original: list[dict], proposed: list[dict]) -> list[dict]:
    """Rows of the moderators' diff for one list: each added, removed or changed item, field by
    field, with a label such as "Service “Mentoring” (new): Regions"."""
    before = {item["uuid"]: item for item in original}
    after = {item["uuid"]: item for item in proposed}
    names = _term_names([*original, *proposed]) if key == SERVICES else {}
    rows = []
    for item_uuid in [*after, *(k for k in before if k not in after)]:
        old, new = before.get(item_uuid), after.get(item_uuid)
        if old == new:
            continue
        title = (new or old)["name" if key == SERVICES else "title"]
        change = "new" if old is None else "removed" if new is None else "changed"
        heading = f"{ITEM_NAMES[key]} “{title}” ({change})"
        if new is None:
            rows.append(
                {
                    "field": key,
                    "item": item_uuid,
                    "label": heading,
                    "before": "Published",
                    "after": "Removed",
                }
            )
            continue
        changes = _service_rows(old, new, names) if key == SERVICES else _evidence_rows(old, new)
        for label, old_value, new_value in changes:
            row = {"field": key, "item": item_uuid, "label": f"{heading}: {label}"}
            row["before"], row["after"] = old_value, new_value
            if label == EVIDENCE_LABELS["document"] and new_value:
                # The moderator opens the proposed file from the owners' pages.
                row["document"] = item_uuid
            rows.append(row)
    return rows


def list_summary(key: str, original: list[dict], proposed: list[dict]) -> list[str]:
    """One line per added, removed or changed item, for the owners' "waiting for review"."""
    before = {item["uuid"]: item for item in original}
    after = {item["uuid"]: item for item in proposed}
    title = "name" if key == SERVICES else "title"
    lines = []
    for item_uuid in [*after, *(k for k in before if k not in after)]:
        old, new = before.get(item_uuid), after.get(item_uuid)
        if old == new:
            continue
        change = "New" if old is None else "Removed" if new is None else "Changed"
        lines.append(f"{change} {ITEM_NAMES[key].lower()}: {(new or old)[title]}")
    return lines


def change_count(revision: OrganisationRevision) -> int:
    """Changed fields plus added, removed or changed items of the lists."""
    count = sum(1 for name in revision.proposed if name not in LISTS)
    for key in LISTS:
        if key in revision.proposed:
            count += len(list_summary(key, revision.original.get(key, []), revision.proposed[key]))
    return count


# --- Approving ---


def _terms(items: list[dict]) -> dict[str, dict[str, models.Model]]:
    return {
        name: {
            term.slug: term
            for term in model.objects.filter(slug__in={s for item in items for s in item[name]})
        }
        for name, model in SERVICE_TERMS.items()
    }


def _save(instance: models.Model, user, exclude=None) -> None:
    instance._history_user = user
    instance.full_clean(exclude=exclude)
    instance.save()


def _delete(instance: models.Model, user) -> None:
    instance._history_user = user
    instance.delete()


def _new_or_changed(
    live: dict[str, models.Model],
    items: list[dict],
    user,
    data_of: Callable[[models.Model], dict],
    fields,
    new: Callable[..., models.Model],
    *,
    ordered: bool = False,
) -> Iterator[tuple[models.Model, dict]]:
    """Deletes the live rows the approved list no longer has, then yields each listed row that
    is new or changed (its fields, and its position if `ordered`, set from the list) with its
    item, for the caller to save."""
    wanted = {item["uuid"] for item in items}
    for key, row in live.items():
        if key not in wanted:
            _delete(row, user)
    for position, item in enumerate(items):
        row = live.get(item["uuid"])
        if row is not None and data_of(row) == item and (not ordered or row.position == position):
            continue
        row = row or new(uuid=uuid.UUID(item["uuid"]))
        _set_fields(row, item, fields)
        if ordered:
            row.position = position
        yield row, item


def _apply_locations(service: Service, items: list[dict], user) -> None:
    live = {str(location.uuid): location for location in service.locations.all()}
    new = partial(DeliveryLocation, service=service)
    for location, _item in _new_or_changed(live, items, user, location_data, LOCATION_FIELDS, new):
        _save(location, user)


def apply_services(organisation: Organisation, items: list[dict], user) -> None:
    """Make the live services (and their locations) what the approved list says."""
    live = {
        str(service.uuid): service
        for service in organisation.services.prefetch_related(*SERVICE_TERMS, "locations")
    }
    terms = _terms(items)
    new = partial(Service, organisation=organisation)
    changed = _new_or_changed(live, items, user, service_data, SERVICE_FIELDS, new, ordered=True)
    for service, item in changed:
        _save(service, user)
        for name in SERVICE_TERMS:
            getattr(service, name).set([terms[name][s] for s in item[name] if s in terms[name]])
        _apply_locations(service, item["locations"], user)


def apply_evidence(organisation: Organisation, items: list[dict], user) -> set[str]:
    """Make the live evidence what the approved list says; a changed item needs verifying
    again. Returns the uploaded files no longer used, to delete once committed."""
    live = {str(item.uuid): item for item in organisation.evidence_items.all()}
    unused = documents([evidence_data(item) for item in live.values()]) - documents(items)
    new = partial(EvidenceItem, organisation=organisation)
    for item, _data in _new_or_changed(live, items, user, evidence_data, EVIDENCE_FIELDS, new):
        item.verified_by_moderator, item.verified_at, item.verified_by = False, None, None
        _save(item, user)
    return unused
