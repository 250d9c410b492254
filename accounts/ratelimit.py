"""How often someone may do a thing, counted by django-allauth's rate limiter.

Every limit, sign-in's and the site's own (problem reports, expressions of interest), is named
in the ACCOUNT_RATE_LIMITS setting as "amount/period/per" (per "ip", "user" or "key"). allauth
counts in the default cache, behind a lock, over a sliding window; the client's address is
allauth's (ALLAUTH_TRUSTED_PROXY_COUNT), so each client behind the proxy has its own count.
"""

from allauth.core import ratelimit
from django.http import HttpRequest

PROBLEM_REPORT = "problem_report"
EXPRESSION_OF_INTEREST = "expression_of_interest"


def rate_limit_exceeded(request: HttpRequest, *, action: str) -> bool:
    """Count this POST against the action's limit in ACCOUNT_RATE_LIMITS; True when over it.

    A refused attempt is not counted; an allowed one stops counting a period after it was made.
    """
    return not ratelimit.consume(request, action=action)
