"""The partnership part of an organisation's public profile."""

from django import template

from directory.organisations.models import PartnershipInterest

from ..selectors import organisation_public_consortia

register = template.Library()


@register.inclusion_tag("consortia/includes/profile_partnerships.html")
def organisation_partnerships(organisation):
    """Its partnership interest by region and pathway, and the public consortia it is in."""
    interests = PartnershipInterest.objects.filter(organisation=organisation).select_related(
        "region", "pathway", "role"
    )
    return {
        "interests": interests,
        "consortia": organisation_public_consortia(organisation=organisation),
    }
