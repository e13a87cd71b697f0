"""The comparison as charts: bytes per question, times, and the race over time.

Each function returns a matplotlib figure, drawn on a white background (so it
stays readable in a dark JupyterLab theme) with its legend outside the plots
(so no legend covers a bar).
"""

from __future__ import annotations

from mock_servers.compare.race import RACERS
from mock_servers.compare.styles import NAMES, QUESTIONS, STYLES
from mock_servers.compare.text import TEXT

WORDS = {
    "en": {
        "payload": "bodies: the data itself",
        "framing": "framing: HTTP and frame headers",
        "bytes": "bytes on the wire, both ways",
        "median": "median time, ms",
        "times": "Median of {repeat} calls on this machine (loopback)",
        "so far": "bytes so far",
        "messages so far": "messages so far",
        "delay": "delay until known, ms",
        "seconds": "seconds since the start",
        "race": "Hearing about changes: polling, a stream and push",
        "poll": "REST, a poll every {every} s",
    },
    "ru": {
        "payload": "тела: сами данные",
        "framing": "обвязка: заголовки HTTP и фреймов",
        "bytes": "байт в сети, в обе стороны",
        "median": "медиана времени, мс",
        "times": "Медиана на этом компьютере (loopback), вызовов: {repeat}",
        "so far": "байт с начала",
        "messages so far": "сообщений с начала",
        "delay": "задержка до получения, мс",
        "seconds": "секунд с начала",
        "race": "Как узнают об изменениях: опрос, поток и push",
        "poll": "REST, опрос раз в {every} с",
    },
}


def _number(value: float, language: str) -> str:
    return f"{value:g}".replace(".", TEXT[language]["decimal"])


def _commas(language: str):
    """A tick formatter that writes numbers with the language's decimal sign."""
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda value, _position: _number(value, language))


def bytes_chart(comparison, language: str = "en"):
    """Each style's bytes for each question, split into bodies and framing."""
    import matplotlib.pyplot as plt  # only when a chart is drawn: a slow import

    words = WORDS[language]
    names = [NAMES[style] for style in STYLES]
    fig, axes = plt.subplots(
        1, len(QUESTIONS), figsize=(9, 3.4), sharey=True, facecolor="white", squeeze=False
    )
    for ax, question in zip(axes[0], QUESTIONS):
        results = [comparison[style, question] for style in STYLES]
        payload = [result.payload for result in results]
        framing = [result.bytes - result.payload for result in results]
        ax.barh(names, payload, label=words["payload"])
        ax.barh(names, framing, left=payload, label=words["framing"])
        ax.set_title(TEXT[language][question])
        ax.set_xlabel(words["bytes"])
        ax.xaxis.set_major_locator(plt.MaxNLocator(4))
    axes[0][0].invert_yaxis()
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=2, frameon=False)
    for ax in axes[0]:
        ax.xaxis.set_major_formatter(_commas(language))
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    return fig


def time_chart(comparison, language: str = "en"):
    """Each style's median time for each question, side by side."""
    import matplotlib.pyplot as plt  # only when a chart is drawn: a slow import

    words = WORDS[language]
    names = [NAMES[style] for style in STYLES]
    fig, ax = plt.subplots(figsize=(8, 3.6), facecolor="white")
    width = 0.8 / len(QUESTIONS)
    for n, question in enumerate(QUESTIONS):
        medians = [comparison[style, question].median * 1000 for style in STYLES]
        places = [x + (n - (len(QUESTIONS) - 1) / 2) * width for x in range(len(names))]
        ax.bar(places, medians, width, label=TEXT[language][question])
    ax.set_xticks(range(len(names)), names)
    ax.set_ylabel(words["median"])
    ax.set_title(words["times"].format(repeat=comparison.repeat))
    fig.legend(loc="lower center", ncol=len(QUESTIONS), frameon=False)
    ax.yaxis.set_major_formatter(_commas(language))
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig


def race_chart(race, language: str = "en"):
    """Bytes and messages so far, and each change's delay, for every way of hearing."""
    import matplotlib.pyplot as plt  # only when a chart is drawn: a slow import

    words = WORDS[language]
    labels = dict(TEXT[language]["race"])
    labels["rest"] = words["poll"].format(every=_number(race.poll_every, language))
    fig, axes = plt.subplots(3, 1, figsize=(8, 7), sharex=True, facecolor="white")
    for style in RACERS:
        watch = race.watches[style]
        axes[0].step(*watch.cumulative_bytes(), where="post", label=labels[style])
        axes[1].step(*watch.cumulative_messages(), where="post", label=labels[style])
        if watch.delays:
            changed, delays = zip(*watch.delays)
            axes[2].plot(changed, [delay * 1000 for delay in delays], "o", label=labels[style])
    axes[0].set_ylabel(words["so far"])
    axes[1].set_ylabel(words["messages so far"])
    axes[2].set_ylabel(words["delay"])
    axes[2].set_xlabel(words["seconds"])
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="lower center", ncol=3, frameon=False)
    fig.suptitle(words["race"])
    for ax in axes:
        ax.xaxis.set_major_formatter(_commas(language))
        ax.yaxis.set_major_formatter(_commas(language))
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig
