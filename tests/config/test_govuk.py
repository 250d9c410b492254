"""The GOV.UK component tags (config/govuk.py): a frame written once around a page's markup,
and times written in GOV.UK's style."""

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.template import TemplateSyntaxError, engines


def render(source: str, **context) -> str:
    return engines["django"].from_string("{% load govuk %}" + source).render(context)


def test_the_caption_names_the_region_and_the_headings_make_the_head_row():
    html = render(
        '{% table "Saved searches" "Name" heading actions="Actions" %}'
        "<tr><td>{{ cell }}</td></tr>{% endtable %}",
        heading="Alerts",
        cell="<b>",
    )
    assert 'role="region" aria-label="Saved searches"' in html
    assert (
        '<caption class="govuk-table__caption govuk-visually-hidden">Saved searches</caption>'
        in html
    )
    headers = [part.split("</th>")[0] for part in html.split('class="govuk-table__header">')[1:]]
    assert headers == ["Name", "Alerts", '<span class="govuk-visually-hidden">Actions</span>']
    assert '<tbody class="govuk-table__body">\n<tr><td>&lt;b&gt;</td></tr>' in html


def test_a_sized_caption_shows_and_the_table_takes_its_class_and_id():
    html = render(
        '{% table caption "Line" caption_size="m" table_class="app-diff" table_id="rows" %}'
        "{% endtable %}",
        caption="Rejected <rows>",
    )
    assert 'aria-label="Rejected &lt;rows&gt;"' in html
    assert 'class="govuk-table__caption govuk-table__caption--m">Rejected &lt;rows&gt;<' in html
    assert '<table class="govuk-table app-diff" id="rows">' in html
    assert "govuk-visually-hidden" not in html


@pytest.mark.parametrize(
    "tag", ['{% table caption_size="m" %}', '{% table "Caption" "Heading" colour="red" %}']
)
def test_a_table_without_a_caption_or_with_an_unknown_keyword_is_refused(tag):
    with pytest.raises(TemplateSyntaxError):
        render(tag + "{% endtable %}")


def test_a_summary_card_links_to_change_and_remove_its_title_and_holds_the_body():
    html = render(
        '{% summary_card title heading="h3" change="new" verified=True change_url="/c"'
        ' remove_url="/r" %}<dl>{{ body }}</dl>{% endsummary_card %}',
        title="Mentoring & housing",
        body="<p>",
    )
    expected = [
        '<h3 class="govuk-summary-card__title">Mentoring &amp; housing <strong',
        "New: waiting for review",
        "Verified by a moderator",
        '<a class="govuk-link" href="/c">Change<span class="govuk-visually-hidden">',
        '<a class="govuk-link" href="/r">Remove<span',
        "<dl>&lt;p&gt;</dl>",
    ]
    assert [fragment for fragment in expected if fragment not in html] == []


def test_a_summary_card_without_a_remove_link_or_tags_has_an_h2_title():
    html = render('{% summary_card "Mentoring" change_url="/c" %}{% endsummary_card %}')
    assert re.search(r'<h2 class="govuk-summary-card__title">Mentoring\s*</h2>', html)
    assert "Remove" not in html
    assert "govuk-tag" not in html


def test_a_summary_card_takes_one_title():
    with pytest.raises(TemplateSyntaxError):
        render('{% summary_card "One" "Two" %}{% endsummary_card %}')


def test_a_row_button_posts_to_its_action_with_the_pages_csrf_token():
    html = render(
        '{% row_button action label="Remove" %} {{ what }}{% endrow_button %}',
        action="/remove/1",
        what="Mentoring & housing",
        csrf_token="TOKEN",
    )
    assert '<form method="post" action="/remove/1">' in html
    assert 'name="csrfmiddlewaretoken" value="TOKEN"' in html
    assert (
        '>Remove<span class="govuk-visually-hidden"> Mentoring &amp; housing</span></button>'
        in html
    )
    assert 'action="/x" novalidate>' in render(
        '{% row_button "/x" label="Withdraw" novalidate=True %}{% endrow_button %}'
    )


@pytest.mark.parametrize(
    ("hour", "minute", "written"),
    [
        (15, 37, "3:37pm"),
        (9, 0, "9am"),
        (9, 5, "9:05am"),
        (12, 0, "midday"),
        (12, 30, "12:30pm"),
        (0, 0, "midnight"),
        (0, 15, "12:15am"),
        (23, 59, "11:59pm"),
    ],
)
def test_times_are_written_as_gov_uk_writes_them(hour, minute, written):
    when = datetime(2026, 12, 5, hour, minute, tzinfo=ZoneInfo("Europe/London"))
    assert render("{{ when|govuk_time }}", when=when) == written
    assert render("{{ when|govuk_datetime }}", when=when) == f"5 December 2026, {written}"
    assert render('{{ when|govuk_datetime:"j M Y" }}', when=when) == f"5 Dec 2026, {written}"


def test_times_are_shown_in_uk_time_whatever_they_were_stored_in():
    summer_utc = datetime(2026, 7, 1, 14, 30, tzinfo=UTC)
    assert render("{{ when|govuk_datetime }}", when=summer_utc) == "1 July 2026, 3:30pm"
    assert render("{{ when|govuk_time }}", when=None) == ""
