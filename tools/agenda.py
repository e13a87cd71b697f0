"""Write the one-day and two-day agendas of the instructor guides from the lessons' stated times.

    python tools/agenda.py          # update docs/instructor-guide.{en,ru}.md
    python tools/agenda.py --check  # exit 1 if an agenda no longer matches the lessons

Each guide holds its agendas between ``<!--AGENDA:one-day-->`` / ``<!--AGENDA:two-day-->`` and
``<!--/AGENDA-->``.  A lesson's minutes are the time its notebook states (``tools/lesson_time.py``
reads it), so when a lesson grows or shrinks the agendas follow, and a test fails until they are
written again.  Everything else in a day (setup, exercises, homework in class, breaks) has its
minutes here, in one place, with the activity named.
"""

from __future__ import annotations

import argparse
import datetime
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import lesson_time  # noqa: E402 - the sibling module, found through the line above

ROOT = Path(__file__).resolve().parent.parent
GUIDES = {language: ROOT / "docs" / f"instructor-guide.{language}.md" for language in ("en", "ru")}
LESSONS = {
    "00": "00_what_is_an_api",
    "01": "01_rest",
    "02": "02_soap",
    "03": "03_rpc",
    "04": "04_websocket",
    "05": "05_comparison",
}
TITLES = {
    "en": {
        "00": "Lesson 00 · What is an API",
        "01": "Lesson 01 · REST",
        "02": "Lesson 02 · SOAP",
        "03": "Lesson 03 · RPC",
        "04": "Lesson 04 · WebSocket",
        "05": "Lesson 05 · The styles compared",
    },
    "ru": {
        "00": "Урок 00 · Что такое API",
        "01": "Урок 01 · REST",
        "02": "Урок 02 · SOAP",
        "03": "Урок 03 · RPC",
        "04": "Урок 04 · WebSocket",
        "05": "Урок 05 · Сравнение стилей",
    },
}
# (key, minutes) for what is not a lesson; a lesson is ("lesson", "NN").
ACTIVITIES = {
    "en": {
        "setup": "Welcome; everyone runs `python -m mock_servers.setup_check` "
        "(pairs where it fails)",
        "recap": "Recap of day 1; setup check again on any new laptop",
        "hw01": "Homework 01, task 1 in pairs (the teacher walks round)",
        "hw02": "Homework 02, task 1 in pairs",
        "hw01_full": "Homework 01 in class, tasks 1–2 in pairs",
        "hw02_full": "Homework 02 in class, tasks 1–2 in pairs",
        "hw35": "Homework 03–05 handed out: task 1 of 04 in pairs",
        "break": "Break",
        "lunch": "Lunch",
        "wrap": "Wrap-up: homework, deadlines, how grading works, questions",
    },
    "ru": {
        "setup": "Знакомство; все запускают `python -m mock_servers.setup_check` "
        "(где не вышло — работа в паре)",
        "recap": "Повторение первого дня; проверка установки на новых ноутбуках",
        "hw01": "Домашнее задание 01, задача 1 в парах (преподаватель обходит класс)",
        "hw02": "Домашнее задание 02, задача 1 в парах",
        "hw01_full": "Домашнее задание 01 в классе, задачи 1–2 в парах",
        "hw02_full": "Домашнее задание 02 в классе, задачи 1–2 в парах",
        "hw35": "Выдача домашних заданий 03–05: задача 1 из 04 в парах",
        "break": "Перерыв",
        "lunch": "Обед",
        "wrap": "Итоги: домашние задания, сроки, как их проверяют, вопросы",
    },
}
PLANS = {
    "one-day": [
        [
            ("setup", 15),
            ("lesson", "00"),
            ("lesson", "01"),
            ("break", 15),
            ("hw01", 20),
            ("lesson", "02"),
            ("lunch", 60),
            ("lesson", "03"),
            ("break", 15),
            ("lesson", "04"),
            ("break", 10),
            ("lesson", "05"),
            ("wrap", 15),
        ]
    ],
    "two-day": [
        [
            ("setup", 15),
            ("lesson", "00"),
            ("lesson", "01"),
            ("break", 15),
            ("hw01_full", 40),
            ("lunch", 60),
            ("lesson", "02"),
            ("break", 15),
            ("hw02_full", 40),
            ("wrap", 15),
        ],
        [
            ("recap", 15),
            ("lesson", "03"),
            ("break", 15),
            ("lesson", "04"),
            ("lunch", 60),
            ("lesson", "05"),
            ("break", 15),
            ("hw35", 40),
            ("wrap", 15),
        ],
    ],
}
START = datetime.datetime(2026, 1, 1, 9, 30)
HEADERS = {
    "en": ("Time", "Activity", "Minutes", "Day {n}", "Total: {total} ({work} without breaks)"),
    "ru": ("Время", "Что делаем", "Минут", "День {n}", "Всего: {total} (без перерывов {work})"),
}


def stated_minutes(language: str) -> dict[str, int]:
    """Each lesson's stated time in one language (the agendas take the Russian and English
    lessons' times alike: the test of lesson_time keeps them equal)."""
    minutes = {}
    for number, name in LESSONS.items():
        path = lesson_time.NOTEBOOKS / language / f"{name}.ipynb"
        stated = lesson_time.estimate_file(path).stated
        if stated is None:
            raise SystemExit(f"{path}: states no time")
        minutes[number] = stated
    return minutes


def duration(minutes: int, language: str) -> str:
    hours, rest = divmod(minutes, 60)
    if language == "ru":
        return f"{hours}\u00a0ч {rest:02d}\u00a0мин"  # no break between a number and its unit
    return f"{hours} h {rest:02d} min"


def table(plan: list, language: str, minutes: dict[str, int]) -> tuple[str, int, int]:
    time_h, activity_h, minutes_h, *_ = HEADERS[language]
    lines = [f"| {time_h} | {activity_h} | {minutes_h} |", "|---|---|---:|"]
    clock, total, work = START, 0, 0
    for kind, value in plan:
        if kind == "lesson":
            length, name = minutes[value], TITLES[language][value]
        else:
            length, name = value, ACTIVITIES[language][kind]
        end = clock + datetime.timedelta(minutes=length)
        dash = "–"
        lines.append(f"| {clock:%H:%M}{dash}{end:%H:%M} | {name} | {length} |")
        clock, total = end, total + length
        work += 0 if kind in ("break", "lunch") else length
    return "\n".join(lines), total, work


def agenda(name: str, language: str, minutes: dict[str, int]) -> str:
    *_, day_h, total_h = HEADERS[language]
    days = PLANS[name]
    parts = []
    for number, plan in enumerate(days, start=1):
        text, total, work = table(plan, language, minutes)
        if len(days) > 1:
            parts.append(f"**{day_h.format(n=number)}**\n")
        total_line = total_h.format(total=duration(total, language), work=duration(work, language))
        parts.append(f"{text}\n\n{total_line}\n")
    return "\n".join(parts)


def render(text: str, language: str) -> str:
    minutes = stated_minutes(language)

    def replace(match: re.Match) -> str:
        return f"{match.group(1)}\n{agenda(match.group(2), language, minutes)}{match.group(3)}"

    return re.sub(r"(<!--AGENDA:([a-z-]+)-->)\n.*?(<!--/AGENDA-->)", replace, text, flags=re.DOTALL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if an agenda is stale")
    args = parser.parse_args(argv)
    stale = []
    for language, path in GUIDES.items():
        text = path.read_text(encoding="utf-8")
        new = render(text, language)
        if new != text:
            stale.append(path)
            if not args.check:
                path.write_text(new, encoding="utf-8")
    if args.check and stale:
        print("stale agendas (run python tools/agenda.py):", *stale, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
