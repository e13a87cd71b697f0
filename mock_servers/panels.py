"""Widget panels that read well before they run: a sentence, not a repr, in a notebook not yet run.

JupyterLab draws a widget output from its live model; until the cell has run in the current
kernel there is no model, and JupyterLab shows the output's plain-text form instead.  For an
ipywidgets box that form is a repr (``VBox(children=(HBox(children=(Dropdown(…``), which
means nothing to a learner.  ``panel(children, text)`` is a VBox whose plain-text form is
``text``, a sentence in the lesson's language saying what will appear and to run the cell.
"""

from __future__ import annotations


def panel(children, text: str, **box_options):
    """A VBox of ``children`` whose plain-text form is ``text``."""
    import ipywidgets as widgets  # only when a panel is drawn

    class Panel(widgets.VBox):
        def _repr_mimebundle_(self, **kwargs):
            bundle = super()._repr_mimebundle_(**kwargs)
            if isinstance(bundle, tuple):  # (data, metadata) from some IPython versions
                bundle = bundle[0]
            bundle = dict(bundle or {})
            bundle["text/plain"] = text
            return bundle

    return Panel(list(children), **box_options)
