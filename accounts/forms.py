"""Forms for signing up and the account page."""

from allauth.account.adapter import get_adapter
from allauth.account.forms import ChangePasswordForm as AllauthChangePasswordForm
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.contrib.auth.hashers import make_password
from django.db import transaction

from .fields import OneLineFormField
from .models import CommissionerProfile
from .services import commissioner_register

PASSWORD_HINT = (
    "Your password must be at least 10 characters long. It can be up to 128 characters. "
    "A few unrelated words together are easy to remember and hard to guess."
)


class AccountType:
    PROVIDER = "provider"
    COMMISSIONER = "commissioner"
    CHOICES = [
        (PROVIDER, "I work for an organisation that delivers services"),
        (COMMISSIONER, "I commission or buy services"),
    ]


def _strip_placeholders(form: forms.Form) -> None:
    # GOV.UK pattern: hints above the field, never placeholder text that disappears.
    for field in form.fields.values():
        field.widget.attrs.pop("placeholder", None)


class LoginForm(AllauthLoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _strip_placeholders(self)
        self.fields["login"].label = "Email address"
        self.fields["login"].error_messages["required"] = "Enter your email address"
        self.fields["login"].error_messages["invalid"] = (
            "Enter an email address in the correct format, like name@example.org"
        )
        self.fields["password"].error_messages["required"] = "Enter your password"
        # allauth's hint is a bare "Forgot your password?" link, read out with the field and
        # without GOV.UK's link and focus styles; the page has its own link below the form.
        self.fields["password"].help_text = ""


def password_is_current(user, password: str) -> bool:
    """Whether this is the user's password, checked as a sign-in is: a wrong guess counts
    towards the account's sign-in cool-off, and none is checked during it (raises its error)."""
    return get_adapter().reauthenticate(user, password)


class ChangePasswordForm(AllauthChangePasswordForm):
    def clean_oldpassword(self) -> str:
        # allauth's own check is limited only to 5 a minute, and apart from sign-in's cool-off.
        if not password_is_current(self.user, self.cleaned_data.get("oldpassword", "")):
            raise get_adapter().validation_error("enter_current_password")
        return self.cleaned_data["oldpassword"]


def full_name_field() -> forms.CharField:
    return OneLineFormField(
        label="Full name",
        max_length=150,
        error_messages={
            "required": "Enter your full name",
            "max_length": "Full name must be 150 characters or fewer",
        },
    )


class SignupForm(AllauthSignupForm):
    full_name = full_name_field()
    account_type = forms.ChoiceField(
        label="What will you use the directory for?",
        choices=AccountType.CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Select what you will use the directory for"},
    )
    body_type = forms.ChoiceField(
        label="Who do you work for?",
        help_text="Only if you commission or buy services",
        choices=CommissionerProfile.BodyType.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    body_name = OneLineFormField(
        label="Name of the organisation you work for",
        help_text="Only if you commission or buy services. For example, Greater Manchester "
        "Probation Service or Kent County Council",
        max_length=200,
        required=False,
        error_messages={"max_length": "Name of the organisation must be 200 characters or fewer"},
    )
    region = CommissionerProfile._meta.get_field("region").formfield(
        label="Region (optional)", required=False, empty_label="Not specific to one region"
    )

    field_order = [
        "full_name",
        "email",
        "password1",
        "password2",
        "account_type",
        "body_type",
        "body_name",
        "region",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _strip_placeholders(self)
        self.fields["email"].label = "Email address"
        self.fields["email"].help_text = "We will send you an email to check it is yours"
        self.fields["email"].error_messages.update(
            required="Enter your email address",
            invalid="Enter an email address in the correct format, like name@example.org",
        )
        self.fields["password1"].label = "Create a password"
        self.fields["password1"].help_text = PASSWORD_HINT
        self.fields["password1"].error_messages["required"] = "Enter a password"
        self.fields["password2"].label = "Confirm your password"
        self.fields["password2"].error_messages["required"] = "Confirm your password"

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("account_type") == AccountType.COMMISSIONER:
            if not cleaned_data.get("body_type"):
                self.add_error("body_type", "Select who you work for")
            if not cleaned_data.get("body_name", "").strip():
                self.add_error("body_name", "Enter the name of the organisation you work for")
        return cleaned_data

    def try_save(self, request):
        if self.account_already_exists:
            # The same work as a new account's: hashing the password is most of its time, and
            # a quicker answer would tell that the address has an account.
            make_password(self.cleaned_data["password1"])
        return super().try_save(request)

    @transaction.atomic
    def save(self, request):
        return super().save(request)

    def signup(self, request, user):
        """allauth's hook, called once the user is saved."""
        user.full_name = self.cleaned_data["full_name"].strip()
        user.save(update_fields=["full_name"])
        if self.cleaned_data["account_type"] == AccountType.COMMISSIONER:
            commissioner_register(
                user=user,
                body_type=self.cleaned_data["body_type"],
                body_name=self.cleaned_data["body_name"].strip(),
                region=self.cleaned_data.get("region"),
            )


class AccountDetailsForm(forms.Form):
    full_name = full_name_field()


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Enter your password to confirm"},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not password_is_current(self.user, password):
            raise forms.ValidationError("The password is not correct")
        return password
