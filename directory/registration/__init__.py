"""The step-by-step flow to register an organisation or edit its profile, claims of
imported entries and invitations."""
