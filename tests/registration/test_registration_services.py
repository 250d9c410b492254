"""Services, delivery locations and evidence (with PDF uploads) in the registration flow."""

import html
import re
from pathlib import Path

import pikepdf
import pytest
from django.core.exceptions import ValidationError

from directory.organisations.models import (
    NESTA_LEVELS,
    DeliveryLocation,
    EvidenceItem,
    Organisation,
    Service,
)
from directory.registration import services as directory_services
from tests.factories import (
    DeliveryLocationFactory,
    EvidenceItemFactory,
    ServiceFactory,
    pdf_document,
)
from tests.registration.registration_helpers import (
    PDF_BYTES,
    current_version,
    draft_with_admin,
    errors_of,
    evidence_data,
    location_data,
    pdf_upload,
    service_data,
    url,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, taxonomies):
    organisation, user = draft_with_admin()
    client.force_login(user)
    client.organisation = organisation
    return client


# --- Services ---


def test_add_a_service(admin_client):
    organisation = admin_client.organisation
    response = admin_client.post(url("service_add", organisation), service_data(organisation))
    assert response["Location"] == url("services", organisation)
    service = organisation.services.get()
    assert service.name == "Women's housing support"
    assert [r.slug for r in service.regions.all()] == ["north-west"]
    assert service.pathways.count() == 1
    assert service.history.latest().history_user is not None
    organisation.refresh_from_db()
    assert "services" not in organisation.completed_sections


def test_service_add_refreshes_the_search_documents(admin_client, monkeypatch):
    calls = []
    monkeypatch.setattr(
        directory_services.search_index,
        "refresh_search_documents",
        lambda **kwargs: calls.append(kwargs),
    )
    organisation = admin_client.organisation
    admin_client.post(url("service_add", organisation), service_data(organisation))
    assert calls == [{"organisation_ids": [organisation.pk]}]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": ""}, "name", "Enter the service's name"),
        ({"name": "s" * 201}, "name", "Service name must be 200 characters or fewer"),
        ({"description": ""}, "description", "Enter what the service does"),
        ({"pathways": []}, "pathways", "Select at least one pathway"),
        ({"regions": []}, "regions", "Select at least one region"),
        ({"regions": ["999999"]}, "regions", "Select regions served from the list"),
        ({"eligibility": "e" * 3001}, "eligibility", "must be 3000 characters or fewer"),
        ({"largest_contract_value": "-5"}, "largest_contract_value", "must be 0 or more"),
        ({"accepting_referrals": ""}, "accepting_referrals", "Select yes if the service"),
    ],
)
def test_service_refuses_bad_input(admin_client, overrides, field, message):
    organisation = admin_client.organisation
    data = service_data(organisation, **overrides)
    response = admin_client.post(url("service_add", organisation), data)
    assert response.status_code == 200
    assert message in " ".join(errors_of(response)[field])
    assert response.context["form"]["spare_capacity"].value() == "10 places a month"
    assert not Service.objects.exists()


def test_service_add_posted_twice_adds_one_service(admin_client):
    organisation = admin_client.organisation
    data = service_data(organisation)
    admin_client.post(url("service_add", organisation), data)
    response = admin_client.post(url("service_add", organisation), data)
    assert response.status_code == 200
    assert "Someone else saved changes" in " ".join(errors_of(response)["__all__"])
    assert organisation.services.count() == 1


def test_change_a_service(admin_client):
    organisation = admin_client.organisation
    service = ServiceFactory(organisation=organisation)
    response = admin_client.post(
        url("service_edit", organisation, service=service.uuid),
        service_data(organisation, name="Renamed"),
    )
    assert response.status_code == 302
    service.refresh_from_db()
    assert service.name == "Renamed"


def test_services_section_needs_a_service_to_be_complete(admin_client):
    organisation = admin_client.organisation
    response = admin_client.post(url("services", organisation), {"version": 1})
    assert "Add at least one service" in " ".join(errors_of(response)["__all__"])
    ServiceFactory(organisation=organisation)
    response = admin_client.post(url("services", organisation), {"version": 1})
    assert response["Location"] == url("task_list", organisation)
    organisation.refresh_from_db()
    assert organisation.completed_sections == ["services"]


def test_removing_the_last_service_makes_the_section_incomplete(admin_client):
    organisation = admin_client.organisation
    service = ServiceFactory(organisation=organisation)
    organisation.completed_sections = ["services"]
    organisation.save()
    remove_url = url("service_remove", organisation, service=service.uuid)
    assert admin_client.get(remove_url).status_code == 200
    response = admin_client.post(remove_url, {"version": organisation.version})
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert not organisation.services.exists()
    assert organisation.completed_sections == []


def test_remove_is_only_on_post(admin_client):
    organisation = admin_client.organisation
    service = ServiceFactory(organisation=organisation)
    admin_client.get(url("service_remove", organisation, service=service.uuid))
    assert organisation.services.exists()


def test_service_list_queries_are_bounded(admin_client, django_assert_max_num_queries):
    organisation = admin_client.organisation
    for _ in range(5):
        DeliveryLocationFactory(service=ServiceFactory(organisation=organisation))
    with django_assert_max_num_queries(16):
        assert admin_client.get(url("services", organisation)).status_code == 200


# --- Delivery locations ---


def test_add_a_delivery_location_geocodes_it(admin_client):
    organisation = admin_client.organisation
    service = ServiceFactory(organisation=organisation)
    response = admin_client.post(
        url("location_add", organisation, service=service.uuid), location_data(organisation)
    )
    assert response.status_code == 302
    location = service.locations.get()
    assert location.postcode == "M1 1AE"
    assert 53.3 < location.latitude < 53.6
    assert -2.4 < location.longitude < -2.1


@pytest.mark.parametrize(
    ("postcode", "message"),
    [
        ("EH1 1YZ", "Enter a postcode in England or Wales"),
        ("BT1 5GS", "Enter a postcode in England or Wales"),
        ("M99 9ZZ", "We could not find the postcode M99 9ZZ"),
        ("NOTAPC", "Enter a real postcode"),
        ("", "Enter the location's postcode"),
    ],
)
def test_delivery_location_postcode_must_be_in_england_or_wales(admin_client, postcode, message):
    organisation = admin_client.organisation
    service = ServiceFactory(organisation=organisation)
    response = admin_client.post(
        url("location_add", organisation, service=service.uuid),
        location_data(organisation, postcode=postcode),
    )
    assert response.status_code == 200
    assert message in " ".join(errors_of(response)["postcode"])
    assert response.context["form"]["name"].value() == "The Anchor Hub"
    assert not DeliveryLocation.objects.exists()
    assert current_version(organisation) == 1


def test_change_and_remove_a_delivery_location(admin_client):
    organisation = admin_client.organisation
    location = DeliveryLocationFactory(service=ServiceFactory(organisation=organisation))
    response = admin_client.post(
        url("location_edit", organisation, location=location.uuid),
        location_data(organisation, name="Renamed", postcode="CF10 3ND"),
    )
    assert response.status_code == 302
    location.refresh_from_db()
    assert (location.name, location.postcode) == ("Renamed", "CF10 3ND")
    assert location.latitude < 52
    admin_client.post(
        url("location_remove", organisation, location=location.uuid),
        {"version": current_version(organisation)},
    )
    assert not DeliveryLocation.objects.exists()


# --- Evidence ---


def test_add_evidence_with_a_pdf(admin_client, settings):
    organisation = admin_client.organisation
    response = admin_client.post(
        url("evidence_add", organisation),
        evidence_data(organisation, document=pdf_upload(name="../../etc/passwd.pdf")),
    )
    assert response["Location"] == url("evidence", organisation)
    item = organisation.evidence_items.get()
    stored = Path(item.document.path)
    assert stored.read_bytes() == PDF_BYTES
    assert stored.is_relative_to(Path(settings.MEDIA_ROOT) / "evidence")
    assert "passwd" not in item.document.name


def test_add_justice_data_lab_evidence(admin_client):
    organisation = admin_client.organisation
    data = evidence_data(
        organisation,
        kind="jdl",
        jdl_cohort_size="212",
        jdl_cohort_rate="27.4",
        jdl_comparison_rate="33.9",
        jdl_significant="True",
    )
    assert admin_client.post(url("evidence_add", organisation), data).status_code == 302
    item = organisation.evidence_items.get()
    assert item.jdl_difference == pytest.approx(6.5)
    assert item.jdl_significant is True


def test_justice_data_lab_figures_are_required_for_that_kind(admin_client):
    organisation = admin_client.organisation
    response = admin_client.post(
        url("evidence_add", organisation), evidence_data(organisation, kind="jdl")
    )
    assert "Enter the cohort size" in errors_of(response)["jdl_cohort_size"]


def test_justice_data_lab_figures_are_asked_for_only_beneath_that_kind(admin_client):
    page = admin_client.get(url("evidence_add", admin_client.organisation)).content.decode()
    jdl = page.index('value="jdl"')
    reveal = page.index('id="conditional_kind_0"')
    evaluation = page.index('value="evaluation"')
    assert jdl < page.index('data-aria-controls="conditional_kind_0"') < reveal
    for name in ("jdl_cohort_size", "jdl_cohort_rate", "jdl_comparison_rate", "jdl_significant"):
        assert reveal < page.index(f'name="{name}"') < evaluation
    assert page.count("data-aria-controls") == 1
    assert "Justice Data Lab figures" not in page


def test_every_nesta_level_is_explained(admin_client):
    page = admin_client.get(url("evidence_add", admin_client.organisation)).content.decode()
    hints = re.findall(
        r'<span id="id_nesta_level_(\d)_hint" class="govuk-hint govuk-radios__hint">'
        r"\s*([^<]+?)\s*</span>",
        page,
    )
    assert [level for level, _ in hints] == ["1", "2", "3", "4", "5"]
    assert [html.unescape(text) for _, text in hints] == list(NESTA_LEVELS.values())
    assert "comparison group" in NESTA_LEVELS[3]
    for level in "12345":
        radio = page[page.index(f'id="id_nesta_level_{level}"') :][:400]
        assert f'aria-describedby="id_nesta_level_{level}_hint"' in radio


def test_justice_data_lab_figures_are_dropped_for_other_kinds(admin_client):
    organisation = admin_client.organisation
    data = evidence_data(organisation, jdl_cohort_size="10", jdl_cohort_rate="5")
    assert admin_client.post(url("evidence_add", organisation), data).status_code == 302
    item = organisation.evidence_items.get()
    assert (item.jdl_cohort_size, item.jdl_cohort_rate) == (None, None)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": ""}, "title", "Enter the title of the evidence"),
        ({"title": "t" * 201}, "title", "Title must be 200 characters or fewer"),
        ({"kind": "rumour"}, "kind", "Select a valid choice"),
        ({"year": "1950"}, "year", "Year must be between 1990"),
        ({"nesta_level": "6"}, "nesta_level", "Select a valid choice"),
        ({"url": "ftp:/nope"}, "url", "Enter link to the evidence in the correct format"),
        ({"kind": "jdl", "jdl_cohort_rate": "101", "jdl_cohort_size": "1"}, "jdl_cohort_rate", ""),
    ],
)
def test_evidence_refuses_bad_input(admin_client, overrides, field, message):
    organisation = admin_client.organisation
    response = admin_client.post(
        url("evidence_add", organisation), evidence_data(organisation, **overrides)
    )
    assert response.status_code == 200
    assert message in " ".join(errors_of(response)[field])
    assert not EvidenceItem.objects.exists()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (pdf_upload(b"MZ\x90\x00" + b"\x00" * 100), "must be a PDF"),
        (pdf_upload(b"\x7fELF\x02\x01\x01" + b"\x00" * 100), "must be a PDF"),
        (pdf_upload(b"#!/bin/sh\nrm -rf /\n"), "must be a PDF"),
        (pdf_upload(b"Just some text"), "must be a PDF"),
        (pdf_upload(name="report.exe"), "must be a PDF"),
        (pdf_upload(content_type="application/x-msdownload"), "must be a PDF"),
        (
            pdf_upload(PDF_BYTES + b"This program cannot be run in DOS mode" + b"\x00" * 10),
            "contains a program",
        ),
        (pdf_upload(b""), "empty"),
    ],
)
def test_upload_refuses_what_is_not_a_pdf(admin_client, upload, message):
    organisation = admin_client.organisation
    response = admin_client.post(
        url("evidence_add", organisation), evidence_data(organisation, document=upload)
    )
    assert response.status_code == 200
    assert message in " ".join(errors_of(response)["document"])
    assert response.context["form"]["title"].value() == "Outcomes 2024"
    assert not EvidenceItem.objects.exists()


def _open_action(action: pikepdf.Dictionary):
    def change(pdf):
        pdf.Root.OpenAction = pdf.make_indirect(action)

    return change


def _javascript_name_tree(pdf):
    script = pdf.make_indirect(
        pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
    )
    pdf.Root.Names = pikepdf.Dictionary(
        JavaScript=pikepdf.Dictionary(Names=pikepdf.Array([pikepdf.String("a"), script]))
    )


def _link_that_launches(pdf):
    launch = pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("cmd.exe"))
    annotation = pikepdf.Dictionary(
        Type=pikepdf.Name.Annot,
        Subtype=pikepdf.Name.Link,
        Rect=pikepdf.Array([0, 0, 100, 100]),
        A=launch,
    )
    pdf.pages[0].Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(annotation)]))


def _attached_file(pdf):
    pdf.attachments["invoice.exe"] = pikepdf.AttachedFileSpec(pdf, b"not really a program")


def _form(pdf):
    field = pdf.make_indirect(
        pikepdf.Dictionary(FT=pikepdf.Name.Tx, T=pikepdf.String("name"), V=pikepdf.String(""))
    )
    pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array([field]))


def _rich_media(pdf):
    annotation = pikepdf.Dictionary(
        Type=pikepdf.Name.Annot,
        Subtype=pikepdf.Name.RichMedia,
        Rect=pikepdf.Array([0, 0, 100, 100]),
    )
    pdf.pages[0].Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(annotation)]))


HTML_PAGE = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>\n"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            pdf_document(
                _open_action(
                    pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
                )
            ),
            "contains JavaScript",
        ),
        (pdf_document(_javascript_name_tree), "contains JavaScript"),
        (
            pdf_document(
                _open_action(
                    pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("calc.exe"))
                )
            ),
            "contains an action that opens a program",
        ),
        (pdf_document(_link_that_launches), "contains an action that opens a program"),
        (
            pdf_document(
                _open_action(
                    pikepdf.Dictionary(
                        S=pikepdf.Name.GoToR,
                        F=pikepdf.String("\\\\server\\share\\a.pdf"),
                        D=pikepdf.Array([0, pikepdf.Name.Fit]),
                    )
                )
            ),
            "contains an action that opens or reads another file",
        ),
        (
            pdf_document(
                _open_action(
                    pikepdf.Dictionary(S=pikepdf.Name.ImportData, F=pikepdf.String("data.fdf"))
                )
            ),
            "contains an action that opens or reads another file",
        ),
        (pdf_document(_rich_media), "contains embedded media"),
        (pdf_document(_attached_file), "contains attached files"),
        (pdf_document(_form), "contains a form"),
        # HTML or script before the header: a polyglot a browser would render as a page.
        (HTML_PAGE + pdf_document(), "must be a PDF"),
        (b"<script>alert(1)</script>" + pdf_document(), "must be a PDF"),
        # ...or after it, in a comment where a PDF reader ignores it.
        (pdf_document().replace(b"\n", b"\n%" + HTML_PAGE, 1), "contains web page code"),
        (b"%PDF-1.4\n%%EOF\n", "not a readable PDF"),
    ],
    ids=[
        "javascript-open-action",
        "javascript-name-tree",
        "launch-open-action",
        "launch-link",
        "remote-go-to",
        "import-data",
        "rich-media",
        "embedded-file",
        "form",
        "html-before-header",
        "script-before-header",
        "html-after-header",
        "unreadable",
    ],
)
def test_upload_refuses_pdfs_that_do_more_than_show_pages(admin_client, content, message):
    organisation = admin_client.organisation
    response = admin_client.post(
        url("evidence_add", organisation),
        evidence_data(organisation, document=pdf_upload(content)),
    )
    assert response.status_code == 200
    assert message in " ".join(errors_of(response)["document"])
    assert not EvidenceItem.objects.exists()


def test_upload_accepts_a_pdf_that_only_shows_pages(admin_client):
    organisation = admin_client.organisation
    content = pdf_document(
        lambda pdf: setattr(pdf.docinfo, "Title", "Outcomes <2024>")  # markup-like text is fine
    )
    response = admin_client.post(
        url("evidence_add", organisation), evidence_data(organisation, document=pdf_upload(content))
    )
    assert response.status_code == 302
    assert EvidenceItem.objects.get().document.read() == content


def test_upload_refuses_an_over_size_file(admin_client, settings):
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 1024 * 1024
    organisation = admin_client.organisation
    big = pdf_upload(PDF_BYTES + b"0" * (1024 * 1024))
    response = admin_client.post(
        url("evidence_add", organisation), evidence_data(organisation, document=big)
    )
    assert "must be smaller than 1MB" in " ".join(errors_of(response)["document"])
    assert not EvidenceItem.objects.exists()


def test_changing_evidence_keeps_the_document_and_needs_verifying_again(admin_client):
    organisation = admin_client.organisation
    item = EvidenceItemFactory(
        organisation=organisation, document=pdf_upload(), verified_by_moderator=True
    )
    document_name = item.document.name
    response = admin_client.post(
        url("evidence_edit", organisation, item=item.uuid),
        evidence_data(organisation, title="Renamed"),
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.title, item.document.name, item.verified_by_moderator) == (
        "Renamed",
        document_name,
        False,
    )


def test_removing_evidence_deletes_its_document(admin_client, django_capture_on_commit_callbacks):
    organisation = admin_client.organisation
    item = EvidenceItemFactory(organisation=organisation, document=pdf_upload())
    path = Path(item.document.path)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            url("evidence_remove", organisation, item=item.uuid), {"version": organisation.version}
        )
    assert response.status_code == 302
    assert not EvidenceItem.objects.exists()
    assert not path.exists()


def test_evidence_section_can_be_completed_empty(admin_client):
    organisation = admin_client.organisation
    response = admin_client.post(url("evidence", organisation), {"version": 1})
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.completed_sections == ["evidence"]


def test_replacing_a_document_deletes_the_old_file(
    admin_client, django_capture_on_commit_callbacks
):
    organisation = admin_client.organisation
    item = EvidenceItemFactory(organisation=organisation, document=pdf_upload())
    old_path = Path(item.document.path)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            url("evidence_edit", organisation, item=item.uuid),
            evidence_data(organisation, document=pdf_upload(PDF_BYTES + b"% new\n")),
        )
    assert response.status_code == 302
    item.refresh_from_db()
    assert not old_path.exists()
    assert Path(item.document.path).read_bytes().endswith(b"% new\n")


def test_check_answers_queries_are_bounded(admin_client, django_assert_max_num_queries):
    organisation = admin_client.organisation
    for _ in range(4):
        DeliveryLocationFactory(service=ServiceFactory(organisation=organisation))
        EvidenceItemFactory(organisation=organisation)
    with django_assert_max_num_queries(20):
        assert admin_client.get(url("check", organisation)).status_code == 200


def test_a_save_refused_by_the_model_rolls_back_the_version_claim(admin_client):
    organisation = admin_client.organisation
    saved_name = organisation.name
    organisation.name = ""
    with pytest.raises(ValidationError):
        directory_services.organisation_section_save(
            organisation=organisation, expected_version=1, section="about"
        )
    saved = Organisation.objects.get(pk=organisation.pk)
    assert (saved.name, saved.version, saved.completed_sections) == (saved_name, 1, [])
