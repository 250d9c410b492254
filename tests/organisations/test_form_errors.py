"""add_validation_error: how a service's refusal is shown on the form that asked for it."""

from django import forms
from django.core.exceptions import ValidationError

from directory.organisations.forms import add_validation_error


class NameForm(forms.Form):
    name = forms.CharField()


def bound_form() -> NameForm:
    form = NameForm({"name": "Northbridge"})
    assert form.is_valid()
    return form


def test_each_fields_messages_go_beside_that_field_or_above_the_form():
    form = bound_form()
    add_validation_error(form, ValidationError({"name": "Taken", "slug": "Also taken"}))
    assert form.errors["name"] == ["Taken"]
    assert form.non_field_errors() == ["Also taken"]


def test_a_refusal_about_no_one_field_goes_on_the_field_asked_for_or_above_the_form():
    above, beside = bound_form(), bound_form()
    add_validation_error(above, ValidationError("Not now"))
    add_validation_error(beside, ValidationError(["Not now", "Nor later"]), field="name")
    assert above.non_field_errors() == ["Not now"]
    assert beside.errors["name"] == ["Not now", "Nor later"]
