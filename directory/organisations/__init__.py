"""Organisations, their services, delivery locations, evidence, partnership interest and
memberships, the taxonomies, postcodes and geography, the public profile pages and the pages
where admins manage members and invitations."""
