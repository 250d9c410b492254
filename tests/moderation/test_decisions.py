"""The decision service's policy table: every kind of subject, the actions each allows, and one
audit record per decision."""

import pytest

from accounts.models import Membership
from directory.moderation import services
from directory.organisations.models import AuditRecord, Organisation
from tests.factories import (
    ClaimRequestFactory,
    CommissionerProfileFactory,
    EvidenceItemFactory,
    MembershipFactory,
    OrganisationFactory,
    OrganisationRevisionFactory,
    ProblemReportFactory,
)

pytestmark = pytest.mark.django_db
Kind = AuditRecord.Kind
Action = AuditRecord.Action
Status = Organisation.Status

# Every kind of audit record but a consortium's is a moderation decision.
DECISION_KINDS = [kind for kind in Kind if kind != Kind.CONSORTIUM]
ALLOWED = {
    Kind.SUBMISSION: {Action.APPROVE, Action.REQUEST_CHANGES, Action.REJECT},
    Kind.REVISION: {Action.APPROVE, Action.REQUEST_CHANGES, Action.REJECT},
    Kind.CLAIM: {Action.APPROVE, Action.REJECT},
    Kind.COMMISSIONER: {Action.APPROVE, Action.REJECT},
    Kind.REPORT: {Action.APPROVE, Action.REJECT},
    Kind.EVIDENCE_VERIFY: {Action.APPROVE},
    Kind.ARCHIVE: {Action.DONE},
    Kind.RESTORE: {Action.DONE},
    Kind.PURGE: {Action.DONE},
    Kind.CONFIRMATION: {Action.DONE},
}


def _published_with_admin(admin):
    organisation = OrganisationFactory(status=Status.PUBLISHED)
    MembershipFactory(organisation=organisation, user=admin, role=Membership.Role.ADMIN)
    return organisation


# Each kind's subject, waiting for a decision, and the organisation it concerns (or None).
SUBJECTS = {
    Kind.SUBMISSION: lambda actor: OrganisationFactory(status=Status.SUBMITTED),
    Kind.REVISION: lambda actor: OrganisationRevisionFactory(organisation__status=Status.PUBLISHED),
    Kind.CLAIM: lambda actor: ClaimRequestFactory(kind="claim"),
    Kind.COMMISSIONER: lambda actor: CommissionerProfileFactory(body_name="Probation North West"),
    Kind.REPORT: lambda actor: ProblemReportFactory(),
    Kind.EVIDENCE_VERIFY: lambda actor: EvidenceItemFactory(),
    Kind.ARCHIVE: lambda actor: OrganisationFactory(status=Status.PUBLISHED),
    Kind.RESTORE: lambda actor: OrganisationFactory(status=Status.ARCHIVED),
    Kind.PURGE: lambda actor: OrganisationFactory(status=Status.ARCHIVED),
    Kind.CONFIRMATION: _published_with_admin,
}


def _organisation_of(subject):
    if isinstance(subject, Organisation):
        return subject
    return getattr(subject, "organisation", None)


def _decide(kind, subject, action, actor, reason="Checked by phone"):
    organisation = _organisation_of(subject)
    return services.decision_record(
        kind=kind,
        subject=subject,
        action=action,
        actor=actor,
        reason=reason,
        expected_version=organisation.version if organisation else None,
        confirm_name=organisation.name if organisation else "",
    )


def test_the_policy_table_covers_every_kind_with_its_actions():
    assert {kind: set(policy.actions) for kind, policy in services.POLICIES.items()} == ALLOWED
    # Every action a policy needs a reason for is one it allows.
    for policy in services.POLICIES.values():
        assert set(policy.reasons) <= set(policy.actions)


@pytest.mark.parametrize(
    "kind, action",
    [
        (kind, action)
        for kind in DECISION_KINDS
        for action in [*Action, "publish"]
        if action not in ALLOWED[kind]
    ],
)
def test_an_action_the_policy_does_not_allow_is_refused(moderator, kind, action):
    subject = SUBJECTS[kind](moderator)
    with pytest.raises(services.ModerationError, match="is not a decision on"):
        _decide(kind, subject, action, moderator)
    assert not AuditRecord.objects.exists()


def test_a_kind_with_no_policy_is_refused(moderator):
    with pytest.raises(services.ModerationError, match="not a kind of moderation decision"):
        _decide(Kind.CONSORTIUM, OrganisationFactory(), Action.DONE, moderator)
    assert not AuditRecord.objects.exists()


def test_a_subject_of_another_kind_is_refused(moderator):
    with pytest.raises(TypeError):
        _decide(Kind.REPORT, OrganisationFactory(), Action.APPROVE, moderator)
    assert not AuditRecord.objects.exists()


@pytest.mark.parametrize(
    "kind, action", [(kind, action) for kind in DECISION_KINDS for action in sorted(ALLOWED[kind])]
)
def test_each_decision_writes_one_audit_record_saying_who_what_and_why(moderator, kind, action):
    subject = SUBJECTS[kind](moderator)
    organisation = _organisation_of(subject)
    name = organisation.name if organisation else ""

    record = _decide(kind, subject, action, moderator, reason=f"Why: {kind} {action}")

    assert list(AuditRecord.objects.all()) == [record]
    record.refresh_from_db()
    assert (record.actor, record.kind, record.action) == (moderator, kind, action)
    assert record.reason == f"Why: {kind} {action}"
    assert record.organisation_name == name
