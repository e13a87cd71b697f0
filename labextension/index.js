// The course's JupyterLab extension: a tab says which language its lesson is in.
//
// The lessons have the same file name in both languages (notebooks/en/01_rest.ipynb and
// notebooks/ru/01_rest.ipynb: that is how a lesson is paired with its twin), and JupyterLab's tab
// shows only the file name, so two open lessons looked the same. A document whose folder is a
// language (en or ru) gets that folder in its tab title: "ru/01_rest.ipynb". The title is put
// first because a narrow tab cuts off the end. Every other document keeps JupyterLab's own title.
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
    app.restored.then(updateAll);
  }
};

export default plugin;
