from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "directory.moderation"
    label = "moderation"
    verbose_name = "Moderation"
