"""The one definition of the organisation search: its parameters, text matching, counts,
result pages, exports, saved searches and their alerts."""
