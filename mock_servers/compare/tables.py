"""The comparison as text: its tables, and one call message by message."""

from __future__ import annotations

from google.protobuf import text_format

from mock_servers import wire
from mock_servers.compare.styles import DELAY, NAMES, QUESTIONS, STYLES
from mock_servers.compare.text import TEXT, milliseconds
from mock_servers.grpc import weather_pb2

# The gRPC messages of each question: (request, answer).
GRPC_TYPES = {
    "forecast": (weather_pb2.GetForecastRequest, weather_pb2.Forecast),
    "week": (weather_pb2.GetWeekRequest, weather_pb2.GetWeekResponse),
    "changes": (weather_pb2.WatchWeatherRequest, weather_pb2.WeatherUpdate),
}


def exchange(record: wire.Measurement, question: str, limit: int = 1200) -> str:
    """A call message by message: ``→`` what the client sent, ``←`` what came back.

    gRPC's binary messages are shown as a hex dump and then as weather.proto
    reads them.  ``limit`` caps the characters of each body.
    """
    lines = []
    for part in record.parts:
        arrow = "→" if part.direction == wire.TO_SERVER else "←"
        text = part.text(limit)
        if part.kind == "gRPC":
            kind = GRPC_TYPES[question][part.direction == wire.TO_CLIENT]
            decoded = text_format.MessageToString(kind.FromString(part.payload), as_utf8=True)
            text += "\n" + decoded.strip()
        lines.append(f"{arrow} {text}")
    return "\n\n".join(lines)


def _lines(rows: list[tuple], numbers: int) -> list[str]:
    """Rows as aligned text: a name, ``numbers`` right-aligned columns, then free text."""
    widths = [max(len(str(row[n])) for row in rows) for n in range(numbers + 1)]
    lines = []
    for row in rows:
        cells = [str(row[0]).ljust(widths[0])]
        cells += [str(value).rjust(widths[n + 1]) for n, value in enumerate(row[1 : numbers + 1])]
        free = "  ".join(
            str(value).ljust(widths[n]) if n < len(widths) else str(value)
            for n, value in enumerate(row[numbers + 1 :], start=numbers + 1)
        )
        lines.append(("  " + "  ".join(cells) + "  " + free).rstrip())
    return lines


def comparison_table(comparison, language: str = "en", delay: float = DELAY) -> str:
    """One block per question, one line per style, and what each column counts.

    The times come last, so a test can replace them and the rest still lines up.
    """
    text = TEXT[language]
    delay_ms = round(delay * 1000)
    header = (*text["columns"], text["time"], text["projected"].format(delay=delay_ms))
    blocks = []
    for question in QUESTIONS:
        rows = [header]
        for style in STYLES:
            result = comparison[style, question]
            record = result.wire
            rows.append(
                (
                    NAMES[style],
                    record.bytes_sent,
                    record.bytes_received,
                    result.payload,
                    record.messages,
                    record.round_trips,
                    result.opened,
                    milliseconds(result.median, language),
                    milliseconds(result.projected(delay), language),
                )
            )
        blocks.append(rows)
    # One set of column widths for every block, so the blocks line up.
    every = [blocks[0][0]] + [row for rows in blocks for row in rows[1:]]
    aligned = iter(_lines(every, 6)[1:])
    heading = _lines(every, 6)[0]
    out = []
    for question, rows in zip(QUESTIONS, blocks):
        out += [text[question], heading]
        out += [next(aligned) for _ in rows[1:]]
        out.append("")
    legend = [line.format(repeat=comparison.repeat, delay=delay_ms) for line in text["legend"]]
    return "\n".join(out + legend)


def setup_table(comparison, language: str = "en") -> str:
    """What each client sent and received before it could ask anything."""
    text = TEXT[language]
    rows = [text["setup columns"]]
    for style in STYLES:
        record = comparison.setup[style]
        rows.append(
            (
                NAMES[style],
                record.bytes_sent,
                record.bytes_received,
                record.messages,
                record.connections,
                text["what"][style],
            )
        )
    return "\n".join([text["setup"], *_lines(rows, 4)])
