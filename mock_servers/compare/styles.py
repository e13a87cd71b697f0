"""What the comparison compares: the styles, the questions, and the settings every style shares."""

from __future__ import annotations

from mock_servers import NAMES  # noqa: F401  (compare.NAMES: the styles' names)

STYLES = ("rest", "soap", "xmlrpc", "jsonrpc", "grpc", "websocket")
# The questions measured side by side.  "Tell me when it changes" is not one
# of them: it is a race over time (race.py), where every style that can hear of
# changes follows the same stream of them.
QUESTIONS = ("forecast", "week")
PUSHING = ("grpc", "websocket")  # the styles in which the server tells of changes

CITY, DATE = "moscow", "2026-06-01"
CHANGES = 3  # how many changes a client's changes() waits for by default
INTERVAL = 0.1  # seconds between two changes; a lesson's pace, real services are slower
USER_AGENT = "weather-course"  # every HTTP client sends it, so no library's version gets in
TIMEOUT = 5.0  # seconds; a local call that takes longer is a bug
QUIET = 0.005  # seconds without bytes that end a measured call (see wire.measure)
REPEAT = 31  # timed calls per style and question: enough for a median that holds still
DELAY = 0.05  # seconds of network delay per round trip, for the projected times


class CallFailed(Exception):
    """A server answered a question with an error."""
