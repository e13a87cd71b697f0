// The course's JupyterLab extension: a tab says which language its lesson is in.
//
// The lessons have the same file name in both languages (notebooks/en/01_rest.ipynb and
// notebooks/ru/01_rest.ipynb: that is how a lesson is paired with its twin), and JupyterLab's tab
// shows only the file name, so two open lessons looked the same. A document whose folder is a
// language (en or ru) gets that folder in its tab title: "ru/01_rest.ipynb", and in the browser's
// tab while it is the current document. The language comes first because a narrow tab cuts off the
// end. Every other document keeps JupyterLab's own titles.
//
// Plain JavaScript with no imports: it uses only the application object that JupyterLab passes
// to every plugin, so it builds with nothing but @jupyterlab/builder (see README.md here).

const LANGUAGE_FOLDER = /(?:^|\/)(en|ru)\/([^/]+)$/;

function titleFor(path) {
  const match = LANGUAGE_FOLDER.exec(path || '');
  return match ? `${match[1]}/${match[2]}` : null;
}

function keepTitle(widget, watched) {
  const context = widget.context; // only documents have one
  if (!context || watched.has(widget)) {
    return;
  }
  watched.add(widget);
  const update = () => {
    const title = titleFor(context.localPath || context.path);
    // JupyterLab sets the bare file name again after a rename; this puts the language back.
    // Setting the label fires "changed" once more, which then finds nothing to do.
    if (title && widget.title.label !== title) {
      widget.title.label = title;
    }
  };
  widget.title.changed.connect(update);
  update();
}

// The browser tab: JupyterLab writes "01_rest.ipynb - JupyterLab" (a name over 15 characters cut to
// 12 and "…", and " (2)" when several documents are open) whenever the current document or
// workspace changes, so the language is added after each such write, not instead of it.
function keepBrowserTitle(shell) {
  const element = document.querySelector('title');
  if (!element || typeof MutationObserver === 'undefined') {
    return;
  }
  const update = () => {
    const current = shell.currentWidget;
    const context = current && current.context;
    const title = context && titleFor(context.localPath || context.path);
    if (!title) {
      return;
    }
    const [language, name] = title.split('/');
    const shown = name.length > 15 ? name.slice(0, 12) + '…' : name;
    if (document.title.startsWith(shown)) {
      document.title = `${language}/${document.title}`; // fires the observer, which then stops
    }
  };
  new MutationObserver(update).observe(element, { childList: true });
  update();
}

const plugin = {
  id: 'api-course-tabs:plugin',
  description: 'Shows the language of a lesson in its tab title (ru/01_rest.ipynb).',
  autoStart: true,
  activate: (app) => {
    const shell = app.shell;
    if (!shell.layoutModified || !shell.widgets) {
      return; // not JupyterLab's own shell (Notebook 7, for instance): nothing to change
    }
    const watched = new WeakSet();
    const updateAll = () => {
      for (const widget of shell.widgets('main')) {
        keepTitle(widget, watched);
      }
    };
    shell.layoutModified.connect(updateAll);
    app.restored.then(() => {
      updateAll();
      keepBrowserTitle(shell);
    });
  }
};

export default plugin;
