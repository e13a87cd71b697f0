"""Hidden tests of homework 02 (SOAP), for 02_soap_en and 02_soap_ru.

The learner's zeep client and hand-built requests go to the judge's SOAP server through the
judge's tap; the checks parse the envelopes that crossed the wire with lxml, so they see exactly
what the learner sent (the operation, the headers, the escaped city), not what the learner's
kernel says it sent.
"""

import contextlib

from grading.hidden import LearnerError, check, fail
from grading.hidden_helpers import (
    expect_equal,
    expect_raised,
    header,
    http_posts,
    learner_call,
    learner_eval,
)
from lxml import etree

from mock_servers import weather, wire

SERVERS = ("soap",)
SOAP_11 = "http://schemas.xmlsoap.org/soap/envelope/"
W = "urn:weather-course:weather"
NS = {"soap": SOAP_11, "w": W}
# What the learner sent is untrusted: no DTD, no entities, no network.
SAFE = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True)


def setup(ctx):
    url = ctx.url("soap")
    ctx.learner.run(
        "import types as _judge_types\n"
        f"client = zeep.Client({url + '?wsdl'!r})\n"
        f"server = _judge_types.SimpleNamespace(url={url!r})\n"
    )


# --------------------------------------------------------------------------
# Helpers


def posts(ctx):
    """The HTTP POST requests recorded since the last tap.clear(), with their parsed bodies."""
    found = []
    for message in http_posts(ctx.tap("soap")):
        try:
            envelope = etree.fromstring(message.payload, SAFE)
        except etree.XMLSyntaxError:
            envelope = None
        found.append((message, envelope))
    return found


def operations(found):
    """The names of the operations in the Bodies of the posted envelopes."""
    names = []
    for _, envelope in found:
        body = envelope.find("soap:Body", NS) if envelope is not None else None
        if body is not None and len(body):
            names.append(etree.QName(body[0]).localname)
        else:
            names.append("(no SOAP Body)")
    return names


def city_and_date(call):
    """The w:city and w:date of a w:GetForecast element."""
    return call.findtext("w:city", namespaces=NS), call.findtext("w:date", namespaces=NS)


# --------------------------------------------------------------------------
# Task 1: call an operation


@check(task=1, points=1, en="The day's lowest and highest", ru="Минимум и максимум дня")
def temperatures(ctx):
    answer = learner_call(ctx, "temperature_range", "tokyo", "2026-06-05")
    day = weather.forecast("tokyo", "2026-06-05")
    expected = [day["temp_min"], day["temp_max"]]
    expect_equal(answer, expected, "Tokyo on 5 June", "Токио, 5 июня", shown=tuple(expected))


@check(task=1, points=1, en="A tuple of two int", ru="Кортеж из двух int")
def temperature_types(ctx):
    types = learner_eval(
        ctx,
        "(lambda r: [type(r).__name__, *[type(v).__name__ for v in r]])"
        "(temperature_range('saint-petersburg', '2026-06-03'))",
        shown="temperature_range",
    )
    if types != ["tuple", "int", "int"]:
        fail(
            en=f"Expected a tuple of two int, got the types {types}",
            ru=f"Ожидался кортеж из двух int, получены типы {types}",
        )


@check(
    task=1,
    points=1,
    en="Calls GetForecast with the city and the date",
    ru="Вызывает GetForecast с городом и датой",
)
def calls_get_forecast(ctx):
    ctx.tap("soap").clear()
    learner_call(ctx, "temperature_range", "kazan", "2026-06-06")
    found = posts(ctx)
    for _, envelope in found:
        if envelope is None:
            continue
        call = envelope.find("soap:Body/w:GetForecast", NS)
        if call is not None and city_and_date(call) == ("kazan", "2026-06-06"):
            return
    fail(
        en="Kazan, 6 June: expected a GetForecast call with city 'kazan' and date "
        f"'2026-06-06'; the server got the operations {operations(found)}",
        ru="Казань, 6 июня: ожидался вызов GetForecast с городом 'kazan' и датой "
        f"'2026-06-06'; сервер получил операции {operations(found)}",
    )


# --------------------------------------------------------------------------
# Task 2: read a fault


def expect_codes(ctx, cases):
    for city, date, expected in cases:
        answer = learner_call(ctx, "forecast_error", city, date)
        if answer != expected:
            hint_en = hint_ru = ""
            if isinstance(answer, str) and answer.startswith("soap:"):
                hint_en = " ('soap:Client' is the SOAP faultcode; the task asks for w:code)"
                hint_ru = " ('soap:Client' — код SOAP; задание просит w:code из detail)"
            fail(
                en=f"forecast_error({city!r}, {date!r}): expected {expected!r}, "
                f"got {answer!r}{hint_en}",
                ru=f"forecast_error({city!r}, {date!r}): ожидалось {expected!r}, "
                f"получено {answer!r}{hint_ru}",
            )


@check(task=2, points=1, en="None when the call succeeds", ru="None, если вызов удался")
def no_fault(ctx):
    expect_codes(ctx, [("kazan", "2026-06-07", None)])


@check(
    task=2,
    points=1,
    en="The service's code of an unknown city",
    ru="Код сервиса для неизвестного города",
)
def unknown_city_code(ctx):
    expect_codes(ctx, [("nowhere", "2026-06-03", "UNKNOWN_CITY")])


@check(
    task=2,
    points=1,
    en="The service's codes of bad dates",
    ru="Коды сервиса для неверных дат",
)
def date_codes(ctx):
    expect_codes(
        ctx, [("moscow", "2026-07-01", "DATE_OUT_OF_RANGE"), ("moscow", "1 June", "INVALID_DATE")]
    )


# --------------------------------------------------------------------------
# Task 3: several calls, one answer


def totals(country=None):
    return {
        city["id"]: round(sum(day["precipitation_mm"] for day in weather.week(city["id"])), 1)
        for city in weather.cities()
        if country is None or city["country"] == country
    }


def wettest(ctx, country):
    answer = learner_call(ctx, "wettest_city", country)
    if answer is not None and not (isinstance(answer, list) and len(answer) == 2):
        fail(
            en=f"wettest_city({country!r}) should return (city id, millimetres), got {answer!r}",
            ru=f"wettest_city({country!r}) должна вернуть (id города, миллиметры), "
            f"получено {answer!r}",
        )
    return answer


def expect_wettest_city(ctx, country, call):
    """wettest_city(country) names the city of the most rain (``call`` shows the call)."""
    country_totals = totals(country)
    expected = max(country_totals, key=country_totals.get)
    answer = wettest(ctx, country)
    if answer is None or answer[0] != expected:
        fail(
            en=f"{call}: expected the city {expected!r}, got {answer!r}",
            ru=f"{call}: ожидался город {expected!r}, получено {answer!r}",
        )


@check(task=3, points=1, en="The wettest city of all", ru="Самый дождливый город из всех")
def wettest_of_all(ctx):
    expect_wettest_city(ctx, None, "wettest_city()")


@check(
    task=3,
    points=1,
    en="The week's total, rounded to one decimal place",
    ru="Сумма за неделю, округлённая до десятых",
)
def wettest_total(ctx):
    ru_totals = totals("RU")
    city = max(ru_totals, key=ru_totals.get)
    answer = wettest(ctx, "RU")
    expected = (city, ru_totals[city])
    expect_equal(answer, list(expected), "wettest_city('RU')", "wettest_city('RU')", shown=expected)


@check(
    task=3,
    points=1,
    en="Only the given country's cities count",
    ru="Учитываются только города заданной страны",
)
def country_filter(ctx):
    for country in ("RU", "GB"):
        expect_wettest_city(ctx, country, f"wettest_city({country!r})")


@check(
    task=3,
    points=1,
    en="A country without cities gives None",
    ru="Страна без городов даёт None",
)
def unknown_country(ctx):
    answer = learner_call(ctx, "wettest_city", "FR")
    if answer is not None:
        fail(
            en=f"No city is in 'FR': wettest_city('FR') should return None, got {answer!r}",
            ru=f"В 'FR' нет городов: wettest_city('FR') должна вернуть None, получено {answer!r}",
        )


# --------------------------------------------------------------------------
# Task 4: SOAP by hand


def sent_envelope(ctx, city, date, what_en, what_ru):
    """The message and envelope raw_forecast(city, date) posted, whatever it returned (other
    checks grade that); ``what_en`` and ``what_ru`` name the case in a failure."""
    ctx.tap("soap").clear()
    with contextlib.suppress(LearnerError):
        ctx.learner.call("raw_forecast", city, date)
    found = posts(ctx)
    if not found:
        fail(
            en=f"{what_en}: no POST reached the server",
            ru=f"{what_ru}: до сервера не дошёл ни один POST",
        )
    message, envelope = found[-1]
    if envelope is None:
        fail(
            en=f"{what_en}: the posted body is not well-formed XML: {message.payload[:300]!r}",
            ru=f"{what_ru}: отправленное тело — не правильный XML: {message.payload[:300]!r}",
        )
    return message, envelope


@check(task=4, points=1, en="The day as a dict of the right types", ru="День как dict нужных типов")
def raw_result(ctx):
    answer, types = learner_eval(
        ctx,
        "(lambda r: [r, {k: type(v).__name__ for k, v in r.items()}])"
        "(raw_forecast('kazan', '2026-06-07'))",
        shown="raw_forecast('kazan', '2026-06-07')",
    )
    truth = weather.forecast("kazan", "2026-06-07")
    expected = {key: truth[key] for key in ("date", "temp_min", "temp_max", "description")}
    want_types = {"date": "str", "temp_min": "int", "temp_max": "int", "description": "str"}
    if answer != expected or types != want_types:
        fail(
            en=f"Kazan on 7 June: expected {expected} (temperatures int, the rest str), "
            f"got {answer} with the types {types}",
            ru=f"Казань, 7 июня: ожидалось {expected} (температуры int, остальное str), "
            f"получено {answer} с типами {types}",
        )


@check(
    task=4,
    points=1,
    en="Content-Type and SOAPAction headers",
    ru="Заголовки Content-Type и SOAPAction",
)
def raw_headers(ctx):
    message, _ = sent_envelope(ctx, "moscow", "2026-06-02", "Moscow, 2 June", "Москва, 2 июня")
    got = {name: header(message, name) for name in ("Content-Type", "SOAPAction")}
    content_type = (got["Content-Type"] or "").replace(" ", "").lower()
    action = got["SOAPAction"]
    if content_type != "text/xml;charset=utf-8" or action != f'"{W}/GetForecast"':
        fail(
            en='Expected Content-Type: text/xml; charset=utf-8 and SOAPAction: "'
            f'{W}/GetForecast" (quotes included); the server got {got}',
            ru='Ожидались Content-Type: text/xml; charset=utf-8 и SOAPAction: "'
            f'{W}/GetForecast" (с кавычками); сервер получил {got}',
        )


@check(
    task=4,
    points=1,
    en="A SOAP 1.1 envelope with w:GetForecast, w:city and w:date",
    ru="Конверт SOAP 1.1 с w:GetForecast, w:city и w:date",
)
def raw_envelope(ctx):
    _, envelope = sent_envelope(ctx, "sochi", "2026-06-05", "Sochi, 5 June", "Сочи, 5 июня")
    call = envelope.find("soap:Body/w:GetForecast", NS)
    sent = None
    if envelope.tag == f"{{{SOAP_11}}}Envelope" and call is not None:
        sent = city_and_date(call)
    if sent != ("sochi", "2026-06-05"):
        fail(
            en="Expected a SOAP 1.1 Envelope whose Body holds w:GetForecast with w:city 'sochi' "
            f"and w:date '2026-06-05'; got {etree.tostring(envelope)[:400]!r}",
            ru="Ожидался Envelope SOAP 1.1, в Body которого w:GetForecast с w:city 'sochi' "
            f"и w:date '2026-06-05'; получено {etree.tostring(envelope)[:400]!r}",
        )


@check(
    task=4,
    points=1,
    en="A fault raises SoapError with the fault's code and message",
    ru="Ошибка (fault) выбрасывает SoapError с её code и message",
)
def raw_fault(ctx):
    for city, date in (("atlantis", "2026-06-01"), ("moscow", "2026-07-01")):
        ctx.tap("soap").clear()
        error = expect_raised(ctx, "SoapError", "raw_forecast", city, date)
        answers = [
            m for m in ctx.tap("soap").read() if m.kind == "HTTP" and m.direction == wire.TO_CLIENT
        ]
        fault = etree.fromstring(answers[-1].payload).find(".//w:WeatherFault", NS)
        expected = {
            "code": fault.findtext("w:code", namespaces=NS),
            "message": fault.findtext("w:message", namespaces=NS),
        }
        got = {key: error.attrs.get(key) for key in ("code", "message")}
        if got != expected:
            fail(
                en=f"raw_forecast({city!r}, {date!r}): SoapError should carry the fault's "
                f"{expected}, got {got}",
                ru=f"raw_forecast({city!r}, {date!r}): в SoapError должны быть поля fault "
                f"{expected}, получено {got}",
            )


@check(
    task=4,
    points=1,
    en="Special characters of the city reach the server unchanged",
    ru="Особые символы в названии города доходят до сервера без изменений",
)
def raw_escaping(ctx):
    city = 'O\'Hara & <Sons> "1"'
    # The server answers UNKNOWN_CITY; the raw_fault check grades that.
    _, envelope = sent_envelope(ctx, city, "2026-06-01", f"The city {city!r}", f"Город {city!r}")
    sent = envelope.findtext("soap:Body/w:GetForecast/w:city", namespaces=NS)
    if sent != city:
        fail(
            en=f"The city {city!r} should reach the server as that very text (XML-escaped "
            f"in the envelope, not removed or URL-quoted); the server read {sent!r}",
            ru=f"Город {city!r} должен дойти до сервера тем же текстом (экранированным "
            f"по правилам XML, а не удалённым или закодированным для URL); сервер прочёл {sent!r}",
        )
