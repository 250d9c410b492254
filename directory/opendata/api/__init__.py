"""The directory's open data APIs: Open Referral UK (HSDS 3.0) and the project's own JSON API."""
