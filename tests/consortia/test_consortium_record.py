"""A consortium's record is made of audit records, the kind moderation's decisions are."""

import pytest

from consortia import services
from directory.organisations.models import AuditRecord, Organisation
from tests.factories import ConsortiumFactory, MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def test_inviting_an_organisation_writes_one_audit_record_about_the_consortium():
    consortium = ConsortiumFactory(name="Kent Alliance")
    lead_admin = MembershipFactory(organisation=consortium.lead_organisation).user
    invitee = OrganisationFactory(name="Harbour Trust", status=Organisation.Status.PUBLISHED)

    services.consortium_invite(
        consortium=consortium, organisation=invitee, role="Housing", invited_by=lead_admin
    )

    [record] = AuditRecord.objects.all()
    assert (record.actor, record.kind, record.action) == (lead_admin, "consortium", "done")
    assert (record.subject, record.organisation) == (consortium, invitee)
    assert record.organisation_name == "Harbour Trust"
    assert record.description == "Harbour Trust was invited to join as Housing"
    assert list(AuditRecord.objects.about(consortium)) == list(consortium.events.all())
    # Not a moderation decision: moderation's pages and exports leave it out.
    assert not AuditRecord.objects.decisions().exists()


def test_a_consortiums_records_go_with_it_and_an_organisations_name_stays():
    consortium = ConsortiumFactory()
    lead_admin = MembershipFactory(organisation=consortium.lead_organisation).user
    invitee = OrganisationFactory(name="Gone Trust", status=Organisation.Status.PUBLISHED)
    services.consortium_invite(
        consortium=consortium, organisation=invitee, role="Housing", invited_by=lead_admin
    )

    invitee.delete()
    record = consortium.events.get()
    assert (record.organisation, record.organisation_name) == (None, "Gone Trust")
    consortium.delete()
    assert not AuditRecord.objects.exists()
