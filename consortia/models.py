from django.conf import settings
from django.db import models
from django.db.models import Q


class OfferAppraisalQuerySet(models.QuerySet):
    def owned_by(self, user):
        """A user's own appraisals; nobody else's are ever visible."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(owner=user)


class OfferAppraisal(models.Model):
    """A saved sub-contract offer appraisal. Only the inputs are stored: the results are
    recomputed by `consortia.appraisal` each time, so they always follow the current model."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="offer_appraisals"
    )
    # Kept if the organisation goes: the appraisal is the owner's working, not the profile's.
    organisation = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="offer_appraisals",
    )
    name = models.CharField(max_length=120)
    inputs = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OfferAppraisalQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="offerappraisal_name_not_blank"),
        ]

    def __str__(self):
        return self.name
