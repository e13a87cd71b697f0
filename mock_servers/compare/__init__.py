"""The same weather questions in every API style, asked and measured side by side.

::

    from mock_servers import compare

    servers = compare.start_all()              # every style's server, one handle
    comparison = compare.measure_all(servers)  # bytes, messages, connections and time
    print(comparison.table())
    race = compare.race(servers)               # "tell me when it changes", over time
    print(race.summary())
    servers.stop()                             # stops them all

The modules, one concern each:

``styles``     the styles, the questions and the settings every style shares;
``servers``    every style's server, started and stopped together;
``clients``    one client per style, one method per question;
``measuring``  every question asked in every style, recorded and timed;
``race``       polling, a gRPC stream and WebSocket push following the same changes;
``tables``     the measurements as text; ``charts``: as matplotlib figures;
``view``       the side-by-side view of every style's exchange, as a widget;
``text``       the words of all of them, in English and Russian.

The questions (``QUESTIONS``): ``forecast``, one city's forecast for one day
(Moscow, 2026-06-01), and ``week``, the seven daily forecasts of that city.
"""

from mock_servers.compare import charts
from mock_servers.compare.clients import (
    CLIENTS,
    HTTP1_STYLES,
    GrpcClient,
    JsonRpcClient,
    RestClient,
    SoapClient,
    WebSocketClient,
    XmlRpcClient,
    ask,
    connect,
    drop_connection,
)
from mock_servers.compare.measuring import Comparison, Result, connection_cost, measure_all
from mock_servers.compare.race import RACERS, Race, Watch, poll_vs_push, race
from mock_servers.compare.servers import Servers, start_all
from mock_servers.compare.styles import (
    CHANGES,
    CITY,
    DATE,
    DELAY,
    INTERVAL,
    NAMES,
    PUSHING,
    QUESTIONS,
    QUIET,
    REPEAT,
    STYLES,
    TIMEOUT,
    USER_AGENT,
    CallFailed,
)
from mock_servers.compare.tables import GRPC_TYPES
from mock_servers.compare.text import TEXT, milliseconds
from mock_servers.compare.view import progress_bar, side_by_side

__all__ = [
    "CHANGES",
    "CITY",
    "CLIENTS",
    "DATE",
    "DELAY",
    "GRPC_TYPES",
    "HTTP1_STYLES",
    "INTERVAL",
    "NAMES",
    "PUSHING",
    "QUESTIONS",
    "QUIET",
    "RACERS",
    "REPEAT",
    "STYLES",
    "TEXT",
    "TIMEOUT",
    "USER_AGENT",
    "CallFailed",
    "Comparison",
    "GrpcClient",
    "JsonRpcClient",
    "Race",
    "RestClient",
    "Result",
    "Servers",
    "SoapClient",
    "Watch",
    "WebSocketClient",
    "XmlRpcClient",
    "ask",
    "charts",
    "connect",
    "connection_cost",
    "drop_connection",
    "measure_all",
    "milliseconds",
    "poll_vs_push",
    "progress_bar",
    "race",
    "side_by_side",
    "start_all",
]
