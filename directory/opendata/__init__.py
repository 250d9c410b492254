"""The Open Referral UK and v1 JSON APIs, the open data downloads and the market coverage
figures for commissioners (/insights/)."""
