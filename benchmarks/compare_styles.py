"""The evidence of lesson 05, printed: every style asked the same questions on this machine.

    PYTHONPATH=. python benchmarks/compare_styles.py [--repeat 15] [--language ru]

Prints what the lesson's cells print, from the same functions
(mock_servers.compare): bytes, messages, round trips and median time for
each style and question; what each client sends before its first question;
which styles need the fewest bytes; and REST polling against WebSocket push
over about a second.  Byte and message counts are the same on every machine
(gRPC's may differ by a few HTTP/2 frames); times are this machine's.
"""

from __future__ import annotations

import argparse

from mock_servers import compare


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="timed calls per style and question")
    parser.add_argument("--seconds", type=float, default=1.0, help="how long to watch for changes")
    parser.add_argument("--poll-every", type=float, default=0.25, help="REST's polling interval")
    parser.add_argument("--language", choices=sorted(compare.TEXT), default="en")
    args = parser.parse_args(argv)

    with compare.start_all() as servers:
        comparison = compare.measure_all(servers, repeat=args.repeat)
        print(comparison.table(args.language))
        print()
        print(comparison.setup_table(args.language))
        print()
        for question in compare.QUESTIONS:
            order = " < ".join(compare.NAMES[s] for s in comparison.smallest_first(question))
            print(f"{compare.TEXT[args.language][question]}: {order}")
        print()
        race = compare.poll_vs_push(servers, seconds=args.seconds, poll_every=args.poll_every)
        print(race.summary(args.language))


if __name__ == "__main__":
    main()
