from django.apps import AppConfig


class RegistrationConfig(AppConfig):
    name = "directory.registration"
    label = "registration"
    verbose_name = "Registration"
