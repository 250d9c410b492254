from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "directory.search"
    label = "search"
    verbose_name = "Search"
