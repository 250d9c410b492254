"""The one lookup of an organisation a user may edit (registration and consortia pages use it)."""

import pytest
from django.http import Http404

from accounts.models import Membership
from directory.organisations.models import Organisation
from directory.organisations.selectors import organisation_editable_by
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory, moderator_user

pytestmark = pytest.mark.django_db


def test_an_editor_may_edit_their_organisation():
    membership = MembershipFactory(role=Membership.Role.EDITOR)
    found = organisation_editable_by(user=membership.user, uuid=membership.organisation.uuid)
    assert found == membership.organisation


def test_someone_elses_organisation_is_404():
    MembershipFactory()
    stranger = UserFactory()
    with pytest.raises(Http404):
        organisation_editable_by(user=stranger, uuid=OrganisationFactory().uuid)


def test_authority_is_read_from_the_current_memberships():
    membership = MembershipFactory()
    user, organisation = membership.user, membership.organisation
    assert organisation_editable_by(user=user, uuid=organisation.uuid) == organisation
    membership.delete()
    with pytest.raises(Http404):
        organisation_editable_by(user=user, uuid=organisation.uuid)


def test_moderators_may_edit_any_organisation_but_not_an_archived_one():
    moderator = moderator_user()
    organisation = OrganisationFactory()
    assert organisation_editable_by(user=moderator, uuid=organisation.uuid) == organisation
    organisation.status = Organisation.Status.ARCHIVED
    organisation.save()
    with pytest.raises(Http404):
        organisation_editable_by(user=moderator, uuid=organisation.uuid)
