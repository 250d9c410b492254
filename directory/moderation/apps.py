from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "directory.moderation"
    label = "moderation"
    verbose_name = "Moderation"

    def ready(self):
        from accounts.personal_data import personal_data_register
        from directory.moderation import personal_data, selectors
        from directory.search.saved_search_kinds import organisation_changes_register

        personal_data_register(export=personal_data.export, delete=personal_data.delete)
        organisation_changes_register(recorded_since=selectors.profile_changing_decisions_since)
