from django.apps import AppConfig


class ConsortiaConfig(AppConfig):
    name = "consortia"
    verbose_name = "Partnerships and consortia"

    def ready(self):
        from accounts.personal_data import personal_data_register
        from consortia import personal_data
        from consortia.saved_searches import opportunities_kind_register

        opportunities_kind_register()
        personal_data_register(export=personal_data.export, delete=personal_data.delete)
