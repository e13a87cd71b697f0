"""Every sentence the grader writes for people, in English and Russian, and the statuses."""

from __future__ import annotations

from dataclasses import dataclass, field

# Worse first: a notebook's status is the worst of its problems.
STATUSES = [
    "symlink",
    "too_large",
    "name_clash",
    "duplicate",
    "not_a_notebook",
    "unknown_assignment",
    "wrong_assignment",
    "no_hidden_tests",
    "error",
    "memory_limit",
    "process_limit",
    "file_limit",
    "kernel_died",
    "timed_out",
    "needs_review",
    "tests_restored",
    "ok",
]

TEXT = {
    "en": {
        "symlink": "The file {file} is a symbolic link, not a file; it was not read.",
        "too_large": "The file is larger than {megabytes} MB; it was not read.",
        "name_clash": "The folder name {learner!r} gives the same results name as {other!r}; "
        "rename one of the folders.",
        "duplicate": "Another file of this learner, {other}, is also {assignment}; that one "
        "was graded, this one was not.",
        "not_a_notebook": "This file is not a Jupyter notebook: {detail}.",
        "not_text": "it is not UTF-8 text",
        "not_json": "it is not valid JSON ({detail})",
        "not_nbformat": "it is JSON, but not in the notebook format ({detail})",
        "unknown_assignment": "None of this notebook's cells come from an exercise of the "
        "course, so it cannot be graded; submit the notebook you got from exercises/.",
        "wrong_assignment": "This is the notebook of {actual}, not of {expected}; "
        "it was not graded. Submit the notebook of {expected}.",
        "renamed": "The file name {file} is not an assignment's; it was graded as {actual}, "
        "the assignment its cells come from.",
        "no_hidden_tests": "The teacher has no hidden tests for {assignment} yet; nothing was "
        "graded.",
        "tests_deleted": "Read-only cells had been deleted ({count}); they were put back.",
        "tests_changed": "Read-only cells had been changed ({count}); the originals were used.",
        "cell_timed_out": "A cell ran longer than {seconds} s and was stopped ({where}).",
        "unstoppable": "A cell ran longer than {seconds} s and could not be stopped "
        "({where}); nothing could be graded. Does a loop catch KeyboardInterrupt?",
        "notebook_timed_out": "The notebook ran longer than {seconds} s in all and was "
        "stopped; nothing could be graded. Is there an endless loop?",
        "kernel_died": "The notebook's Python process ended while it ran (os._exit or a "
        "crash); nothing could be graded.",
        "memory_limit": "The notebook used more than {megabytes} MB of memory (the limit) and "
        "was stopped.",
        "process_limit": "The notebook tried to run more than {count} processes or threads at "
        "once (the limit); starting more failed.",
        "file_limit": "The notebook wrote a file larger than {megabytes} MB (the limit); the "
        "file was cut short.",
        "needs_review": "The notebook changed how Python or IPython runs code ({what}); its "
        "automatic points are held until your teacher has looked at it.",
        "accepted": "Your teacher looked at it and accepted the points.",
        "no_sandbox": "Graded without the sandbox (--no-sandbox): trusted work only.",
        "error": "Grading failed: {detail}",
        "check_failed": "this check did not pass",
        "check_error": "your code did not give what this check needs",
        "title": "Feedback for {learner}",
        "points": "{score} / {max_score} points",
        "by_teacher": "graded by your teacher (up to {points})",
        "written_mark": "{points} / {max_score} points from your teacher",
        "no_written_answer": "no answer written yet",
        "manual_note": "+ up to {points} points for the written answer, from your teacher.",
        "task": "task {number}",
        "answer": "answer cell",
        "added_cell": "a cell you added: {line}",
        "named_cell": "the cell {name}",
        "written_title": "{assignment}: written answers",
        "rubric": "Rubric",
        "record_marks": "Record your marks in written_marks.csv, one line each: "
        "`learner,assignment,points`, for example `anna,01_rest_en,2.5`.",
        "where": "{task}, {kind}",
    },
    "ru": {
        "symlink": "Файл {file} — символическая ссылка, а не файл; он не прочитан.",
        "too_large": "Файл больше {megabytes} МБ; он не прочитан.",
        "name_clash": "Имя папки {learner!r} даёт то же имя результатов, что и {other!r}; "
        "переименуйте одну из папок.",
        "duplicate": "Другой файл этого учащегося, {other}, — тоже {assignment}; оценён тот, "
        "а этот — нет.",
        "not_a_notebook": "Этот файл — не блокнот Jupyter: {detail}.",
        "not_text": "это не текст в UTF-8",
        "not_json": "это не JSON ({detail})",
        "not_nbformat": "это JSON, но не в формате блокнота ({detail})",
        "unknown_assignment": "Ни одна ячейка этого блокнота не взята из заданий курса, "
        "поэтому оценить его нельзя; сдайте блокнот, полученный из exercises/.",
        "wrong_assignment": "Это блокнот задания {actual}, а не {expected}; он не оценён. "
        "Сдайте блокнот задания {expected}.",
        "renamed": "Имя файла {file} не совпадает ни с одним заданием; он оценён как "
        "{actual} — задание, из которого его ячейки.",
        "no_hidden_tests": "У преподавателя пока нет скрытых тестов для {assignment}; ничего "
        "не оценено.",
        "tests_deleted": "Ячейки только для чтения были удалены ({count}); они возвращены.",
        "tests_changed": "Ячейки только для чтения были изменены ({count}); взяты исходные версии.",
        "cell_timed_out": "Ячейка работала дольше {seconds} с и была остановлена ({where}).",
        "unstoppable": "Ячейка работала дольше {seconds} с, и остановить её не удалось "
        "({where}); ничего не оценено. Может быть, цикл перехватывает KeyboardInterrupt?",
        "notebook_timed_out": "Блокнот работал дольше {seconds} с и был остановлен; ничего не "
        "оценено. Нет ли бесконечного цикла?",
        "kernel_died": "Процесс Python блокнота завершился во время работы (os._exit или "
        "сбой); ничего не оценено.",
        "memory_limit": "Блокнот занял больше {megabytes} МБ памяти (это предел) и был остановлен.",
        "process_limit": "Блокнот пытался запустить больше {count} процессов или потоков сразу "
        "(это предел); лишние не запустились.",
        "file_limit": "Блокнот записал файл больше {megabytes} МБ (это предел); файл обрезан.",
        "needs_review": "Блокнот изменил то, как Python или IPython выполняет код ({what}); "
        "его автоматические баллы ждут, пока блокнот посмотрит преподаватель.",
        "accepted": "Преподаватель посмотрел блокнот и засчитал баллы.",
        "no_sandbox": "Оценено без песочницы (--no-sandbox): только для проверенных работ.",
        "error": "Оценить не удалось: {detail}",
        "check_failed": "эта проверка не пройдена",
        "check_error": "ваш код не дал того, что нужно этой проверке",
        "title": "Отзыв для {learner}",
        "points": "{score} из {max_score} баллов",
        "by_teacher": "оценит преподаватель (максимум {points})",
        "written_mark": "{points} из {max_score} баллов от преподавателя",
        "no_written_answer": "ответ ещё не написан",
        "manual_note": "+ до {points} баллов за письменный ответ выставит преподаватель.",
        "task": "задача {number}",
        "answer": "ячейка с ответом",
        "added_cell": "добавленная вами ячейка: {line}",
        "named_cell": "ячейка {name}",
        "written_title": "{assignment}: письменные ответы",
        "rubric": "Критерии оценки",
        "record_marks": "Оценки запишите в written_marks.csv, по строке на ответ: "
        "`learner,assignment,points`, например `anna,01_rest_ru,2.5`.",
        "where": "{task}, {kind}",
    },
}


@dataclass
class Problem:
    """Something wrong with a submission, said in either language; stored as plain data."""

    key: str
    values: dict = field(default_factory=dict)

    def text(self, language: str) -> str:
        values = {
            name: Problem(**value).text(language) if isinstance(value, dict) else value
            for name, value in self.values.items()
        }
        return TEXT[language][self.key].format(**values)

    def data(self) -> dict:
        return {"key": self.key, "values": self.values}


def nested(key: str, **values) -> dict:
    """A Problem's value that is itself a text (a reason's detail, a cell's place)."""
    return {"key": key, "values": values}


def worse(a: str, b: str) -> str:
    return a if STATUSES.index(a) < STATUSES.index(b) else b
