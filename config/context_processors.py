from django.conf import settings


def service(request):
    """The service's name and contact address, for every template."""
    return {
        "service_name": settings.SERVICE_NAME,
        "service_contact_email": settings.SERVICE_CONTACT_EMAIL,
    }
