from django.apps import AppConfig


class ConsortiaConfig(AppConfig):
    name = "consortia"
    verbose_name = "Partnerships and consortia"

    def ready(self):
        from consortia.saved_searches import opportunities_kind_register

        opportunities_kind_register()
