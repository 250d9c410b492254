"""Forms for shortlists, saved searches and contacting organisations."""

from crispy_forms_gds.helper import FormHelper
from django import forms

from directory.organisations.models import Organisation
from directory.organisations.validators import validate_subject_on_one_line
from directory.search.models import SavedSearch
from directory.shortlists.models import Shortlist, ShortlistItem, ShortlistShare

NEW_SHORTLIST = "new"
# Where "Add to shortlist" leaves what it did, for the search results to say beside the result
# (without JavaScript; see shortlist_views._shortlist_changed).
SHORTLIST_CHANGE_SESSION_KEY = "shortlist-change"


class CrispyFormMixin:
    """A crispy helper that leaves the <form> tag and buttons to the page template."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper(self)
        self.helper.form_tag = False
        self.helper.label_size = "s"


class ShortlistForm(CrispyFormMixin, forms.ModelForm):
    class Meta:
        model = Shortlist
        fields = ["name", "description"]
        labels = {"name": "Name", "description": "Description (optional)"}
        help_texts = {"description": "What the shortlist is for, for example the contract."}
        error_messages = {
            "name": {
                "required": "Enter a name for the shortlist",
                "max_length": "The name must be 120 characters or fewer",
            },
            "description": {"max_length": "The description must be 2000 characters or fewer"},
        }


class ShortlistAddForm(forms.Form):
    """Which shortlist to add an organisation to (or a new one)."""

    organisation = forms.SlugField(widget=forms.HiddenInput)
    shortlist = forms.ChoiceField(
        label="Shortlist", error_messages={"required": "Select a shortlist"}
    )

    def __init__(self, *args, shortlists, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shortlist"].choices = [(str(s.pk), s.name) for s in shortlists] + [
            (NEW_SHORTLIST, "A new shortlist")
        ]
        self.fields["shortlist"].error_messages["invalid_choice"] = "Select one of your shortlists"

    def clean_organisation(self):
        slug = self.cleaned_data["organisation"]
        organisation = Organisation.objects.published().filter(slug=slug).first()
        if organisation is None:
            raise forms.ValidationError("That organisation is not in the directory")
        return organisation


class ShortlistItemNoteForm(CrispyFormMixin, forms.ModelForm):
    # The note's version when the page was opened (see shortlist_item_note_update).
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, instance, **kwargs):
        kwargs.setdefault("initial", {})["version"] = instance.note_version
        super().__init__(*args, instance=instance, **kwargs)

    class Meta:
        model = ShortlistItem
        fields = ["note"]
        labels = {"note": "Note"}
        help_texts = {"note": "Only you and the people you share this shortlist with see it."}
        error_messages = {"note": {"max_length": "The note must be 2000 characters or fewer"}}


class ShortlistItemMoveForm(forms.Form):
    target = forms.ModelChoiceField(
        queryset=Shortlist.objects.none(),
        label="Move to",
        empty_label=None,
        error_messages={
            "required": "Select a shortlist to move it to",
            "invalid_choice": "Select one of your shortlists",
        },
    )

    def __init__(self, *args, shortlists, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = shortlists


class ShortlistShareForm(CrispyFormMixin, forms.Form):
    email = forms.EmailField(
        label="Email address of a colleague",
        help_text="If they do not have an account yet, they see the shortlist once they create "
        "one with this address.",
        error_messages={
            "required": "Enter the email address of the person to share with",
            "invalid": "Enter an email address in the correct format, like name@example.org",
        },
    )
    role = forms.ChoiceField(
        label="What can they do?",
        choices=ShortlistShare.Role.choices,
        widget=forms.RadioSelect,
        initial=ShortlistShare.Role.VIEWER,
        error_messages={"required": "Select what they can do"},
    )


class SavedSearchForm(CrispyFormMixin, forms.ModelForm):
    class Meta:
        model = SavedSearch
        fields = ["name", "alert_frequency"]
        labels = {"name": "Name", "alert_frequency": "Email me new matching organisations"}
        widgets = {"alert_frequency": forms.RadioSelect}
        error_messages = {
            "name": {
                "required": "Enter a name for the saved search",
                "max_length": "The name must be 120 characters or fewer",
            },
            "alert_frequency": {"required": "Select how often to email you"},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.kind == SavedSearch.Kind.OPPORTUNITIES:
            self.fields["alert_frequency"].label = "Email me new matching opportunities"


class ContactForm(CrispyFormMixin, forms.Form):
    subject = forms.CharField(
        max_length=150,
        validators=[validate_subject_on_one_line],
        error_messages={
            "required": "Enter a subject",
            "max_length": "The subject must be 150 characters or fewer",
        },
    )
    body = forms.CharField(
        label="Message",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="The organisation will see your name and can reply to your email address.",
        error_messages={
            "required": "Enter your message",
            "max_length": "The message must be 5000 characters or fewer",
        },
    )


class ContactPreferencesForm(CrispyFormMixin, forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["accept_contact_from_commissioners", "accept_contact_from_providers"]
