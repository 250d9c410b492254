"""The moderators' workspace: the queue, pending revisions and their diffs, decisions,
problem reports, freshness of entries, bulk imports and the public registers' data."""
