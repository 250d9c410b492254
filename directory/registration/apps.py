from django.apps import AppConfig


class RegistrationConfig(AppConfig):
    name = "directory.registration"
    label = "registration"
    verbose_name = "Registration"

    def ready(self):
        from accounts.personal_data import personal_data_register
        from directory.registration import personal_data

        personal_data_register(export=personal_data.export)
