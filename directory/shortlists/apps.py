from django.apps import AppConfig


class ShortlistsConfig(AppConfig):
    name = "directory.shortlists"
    label = "shortlists"
    verbose_name = "Shortlists"

    def ready(self):
        from accounts.personal_data import personal_data_register
        from directory.shortlists import personal_data

        personal_data_register(export=personal_data.export, delete=personal_data.delete)
