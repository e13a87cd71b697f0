"""The evidence of lesson 05, printed: every style asked the same questions on this machine.

    PYTHONPATH=. python benchmarks/compare_styles.py [--repeat 31] [--language ru]

Prints what the lesson's cells print, from the same functions
(mock_servers.compare): bytes, messages, round trips, connections opened,
median time and the time projected at 50 ms of network delay per round trip,
for each style and question; what a new connection per call would add to the
HTTP/1.1 styles' time; what each client sends before its first
question; which styles need the fewest bytes; how many body bytes are only
layout (indentation); and "tell me when it changes" as a race between REST
polling, a gRPC stream and WebSocket push following the same changes.  Byte
and message counts are the same on every machine (gRPC's may differ by a few
HTTP/2 frames); times are this machine's.
"""

from __future__ import annotations

import argparse

from mock_servers import compare


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeat", type=int, default=compare.REPEAT, help="timed calls per style and question"
    )
    parser.add_argument("--seconds", type=float, default=0.5, help="how long the race lasts")
    parser.add_argument("--poll-every", type=float, default=0.25, help="REST's polling interval")
    parser.add_argument("--language", choices=sorted(compare.TEXT), default="en")
    args = parser.parse_args(argv)

    with compare.start_all() as servers:
        comparison = compare.measure_all(servers, repeat=args.repeat)
        print(comparison.table(args.language))
        print()
        print(comparison.setup_table(args.language))
        print()
        for layout in (True, False):
            for question in compare.QUESTIONS:
                styles = comparison.smallest_first(question, layout=layout)
                order = " < ".join(compare.NAMES[s] for s in styles)
                what = "all bytes" if layout else "without layout bytes"
                print(f"{compare.TEXT[args.language][question]} ({what}): {order}")
        print()
        for question in compare.QUESTIONS:
            layout = ", ".join(
                f"{compare.NAMES[s]} {comparison[s, question].formatting}/"
                f"{comparison[s, question].payload}"
                for s in compare.STYLES
            )
            print(f"{compare.TEXT[args.language][question]}, layout/body bytes: {layout}")
        print()
        print("forecast for a day, median time: connection kept / a new connection per call")
        for style in compare.HTTP1_STYLES:
            kept, new = compare.connection_cost(servers, style, args.repeat)
            print(
                f"  {compare.NAMES[style]:<9} {compare.milliseconds(kept, args.language):>8}"
                f" / {compare.milliseconds(new, args.language):>8}"
            )
        print()
        race = compare.race(servers, seconds=args.seconds, poll_every=args.poll_every)
        print(race.summary(args.language))


if __name__ == "__main__":
    main()
