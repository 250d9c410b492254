"""The {% table %} tag (config/govuk_table.py): the GOV.UK table frame around a page's rows."""

import pytest
from django.template import TemplateSyntaxError, engines


def render(source: str, **context) -> str:
    return engines["django"].from_string("{% load govuk_table %}" + source).render(context)


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
