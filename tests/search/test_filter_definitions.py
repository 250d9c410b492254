"""Every search filter's definition (directory.search.definitions), run through every path.

Each declaration gives a few searches that use it (each option of a term filter, alone and with
another service filter; each level; a postcode at several distances...). Each is run by the
ORM conditions (the relational search, SQLite's), by the SQL over the search documents and by
the counts kept in memory (PostgreSQL): a path with no implementation of the definition fails
the test (the SQL would borrow the FilterSet's condition as a subquery, the counts in memory
would give none), and so does any difference in what they find or count.
"""

import pytest
from django.db import connection
from django.http import QueryDict

from directory.organisations.models import Organisation
from directory.search import document_search, facet_index, selectors
from directory.search.definitions import (
    DEFINITIONS,
    EvidenceLevelFilter,
    NearFilter,
    PartnershipInterestFilter,
    RecentFilter,
    Scope,
    TermFilter,
    TextFilter,
    YesNoFilter,
)
from directory.search.filters import DISTANCE_CHOICES, OrganisationFilterSet
from directory.search.search_index import search_data_version
from tests.search.test_document_search import POSTGRES_ONLY
from tests.search.test_document_search_agreement import QUERIES, directory  # noqa: F401

# Parameters that choose how results are shown, not which.
NOT_FILTERS = {"sort", "as_typed"}


def _declared_params() -> set[str]:
    params = set()
    for definition in DEFINITIONS:
        params.add(definition.param)
        params.add(getattr(definition, "level_param", definition.param))
        params.add(getattr(definition, "distance_param", definition.param))
    return params


def test_every_search_parameter_is_defined_once():
    filters = set(OrganisationFilterSet.base_filters) - NOT_FILTERS
    assert filters == _declared_params()
    names = [d.param for d in DEFINITIONS]
    assert len(names) == len(set(names))


def _cases(definition, terms) -> list[dict[str, str]]:
    """Searches that use `definition` (`terms`: the directory's taxonomy terms, by group)."""
    # Another condition on the same service, so that a service filter is seen to be matched
    # within one service.
    same_service = (
        {"accepting_referrals": "yes"}
        if definition.param != "accepting_referrals"
        else {"pathway": terms["pathway"][0].slug}
    )
    match definition:
        case TermFilter():
            cases = [{definition.param: term.slug} for term in terms[definition.param]]
            if definition.scope is Scope.SERVICE:
                cases += [case | same_service for case in cases]
            return cases
        case YesNoFilter():
            cases = [{definition.param: "yes"}]
            if definition.scope is Scope.SERVICE:
                cases.append(cases[0] | same_service)
            return cases
        case EvidenceLevelFilter():
            levels = [{definition.level_param: str(level)} for level in definition.levels]
            return [{definition.param: "yes"}, *levels]
        case RecentFilter():
            return [{definition.param: "yes"}]
        case PartnershipInterestFilter():
            place = {group: terms[group][1].slug for group in definition.within_chosen}
            roles = [{definition.param: term.slug} for term in terms["partnership_role"]]
            return roles + [role | place for role in roles]
        case NearFilter():
            near = [
                {definition.param: "M1 1AE", definition.distance_param: miles}
                for miles, _label in DISTANCE_CHOICES
            ]
            return near + [case | same_service for case in near]
        case TextFilter():
            return [{definition.param: text} for text in QUERIES]
    raise AssertionError(f"No searches for {definition}")


def _params(case: dict[str, str]) -> QueryDict:
    params = QueryDict(mutable=True)
    for name, value in case.items():
        params[name] = value
    return params


@pytest.mark.django_db
@POSTGRES_ONLY[0]
@POSTGRES_ONLY[1]
@pytest.mark.parametrize("definition", DEFINITIONS, ids=[d.param for d in DEFINITIONS])
def test_each_definition_is_found_and_counted_alike_by_every_path(definition, directory):  # noqa: F811
    index = facet_index.FacetIndex()
    index.refresh(search_data_version())
    everything = selectors.relational_search_counts(filterset=OrganisationFilterSet(QueryDict()))
    changed = False
    for case in _cases(definition, directory):
        params = _params(case)
        filterset = OrganisationFilterSet(params)
        assert filterset.is_valid(), case
        search = document_search.DocumentSearch(filterset)
        assert search.taken_from_filterset == 0, f"no SQL for {case}"
        in_memory = index.counts(search)
        assert in_memory is not None, f"no counts in memory for {case}"

        relational = selectors.relational_search_counts(filterset=filterset)
        in_sql = search.counts()
        assert (in_sql.total, in_sql.facets) == (relational.total, relational.facets), case
        assert in_memory == in_sql, case

        matching = search.matching_ids()
        with connection.cursor() as cursor:
            cursor.execute(matching.text, matching.params)
            by_sql = sorted(pk for (pk,) in cursor.fetchall())
        by_orm = Organisation.objects.published().filter(
            filterset.text_condition() & filterset.condition()
        )
        assert by_sql == sorted(by_orm.values_list("pk", flat=True)), case
        assert relational.total == len(by_sql), case
        changed |= relational.total != everything.total
    # The cases use the filter: some find other organisations than the default search.
    assert changed, definition.param
