"""The helpers that keep plumbing out of lessons 00-02 print what the lessons promise."""

from __future__ import annotations

import pytest

from mock_servers import lesson_helpers, lesson_soap, rest, soap


def test_numbers_are_written_as_each_language_writes_them():
    assert lesson_helpers.number(3.1, "ru") == "3,1"
    assert lesson_helpers.number(3.1, "en") == "3.1"
    assert lesson_helpers.number(12, "ru") == "12"


@pytest.fixture(scope="module")
def soap_server():
    with soap.start() as server:
        yield server


def test_show_wsdl_prints_a_part_without_repeated_namespace_declarations(soap_server, capsys):
    lesson_soap.show_wsdl(soap_server.url + "?wsdl", "wsdl:service")
    printed = capsys.readouterr().out
    assert printed.startswith('<wsdl:service name="WeatherService">')
    assert soap_server.url in printed
    assert "xmlns:" not in printed


def test_operations_of_lists_the_contract_operations_only(soap_server):
    zeep = pytest.importorskip("zeep")
    client = zeep.Client(soap_server.url + "?wsdl")
    listing = lesson_soap.operations_of(client)
    assert listing.startswith("Service: WeatherService")
    for operation in ["GetForecast", "GetWeek", "ListCities", "SaveObservation"]:
        assert f"{operation}(" in listing
    assert "Prefixes:" not in listing  # the long part before the service is left out


@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_explorer_shows_a_sentence_before_it_runs_and_the_answer_after(language):
    pytest.importorskip("ipywidgets")
    with rest.start() as server:
        panel = lesson_helpers.forecast_explorer(server.url, language, ["2026-06-01", "2026-06-02"])
        bundle = panel._repr_mimebundle_()
        assert bundle["text/plain"] == lesson_helpers.EXPLORER_TEXT[language]["static"]
        answer = panel.children[1].value
        assert f"?lang={language}" in answer and "200 OK" in answer
        city_picker, date_picker = panel.children[0].children
        date_picker.value = "2026-06-02"
        assert "2026-06-02" in panel.children[1].value
