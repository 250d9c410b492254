"""A person's data across the apps, part by part: what of it their download shows and what
deleting their account does to it. Each app registers its part from its AppConfig.ready() (as
pretix's data shredders do), so that accounts, low in the layers, knows none of them."""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models

# export(user=, addresses=) returns the download's sections by name; delete(user=, addresses=)
# runs in user_delete's transaction, before the account's own rows go.
Export = Callable[..., dict]
Delete = Callable[..., None]


@dataclass(frozen=True)
class PersonalDataPart:
    export: Export | None = None
    delete: Delete | None = None


_PARTS: list[PersonalDataPart] = []


def personal_data_register(*, export: Export | None = None, delete: Delete | None = None) -> None:
    """Add an app's part of a person's data (called from the app's AppConfig.ready())."""
    _PARTS.append(PersonalDataPart(export=export, delete=delete))


def personal_data_parts() -> list[PersonalDataPart]:
    return list(_PARTS)


def matching_any_address(field: str, addresses: set[str]) -> models.Q:
    """Rows whose `field` is one of the addresses, in any case."""
    condition = models.Q(pk__in=[])
    for address in addresses:
        condition |= models.Q(**{f"{field}__iexact": address})
    return condition
