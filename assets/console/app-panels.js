// The panels that exist only when the app enables them: eval (`POST /eval`, when the app set
// eval.enabled) and the app's own commands (`GET /commands`, when it declared any). Which exist comes
// from the index; what the token may do, from its scopes. Values from the app (previews, names,
// descriptions, results) go in through textContent and attributes, never as markup.
'use strict';
(function (ME) {
  const { el } = ME.dom;

  /** Whether the index lists `method path` (its paths carry the endpoint's base, the folder of this page). */
  function offers(index, method, path) {
    const full = ME.api.url(path).pathname;
    return (index.endpoints || []).some((endpoint) => endpoint.method === method && endpoint.path === full);
  }

  /** Says in the panel why its controls are disabled, when the token lacks their scope. */
  function scopeNote(note, scope, what) {
    const allowed = ME.scopes.has(scope);
    note.hidden = allowed;
    note.textContent = allowed ? '' : `${what} needs the "${scope}" scope, which this token lacks.`;
  }

  // ---- eval ----

  /** A preview node (POST /eval's `result`) as a tree: objects open and close, primitives as text. */
  function previewNode(node, open) {
    const leaf = primitiveText(node);
    if (leaf !== undefined) return el('span', `pv pv-${node.type}`, leaf);
    const children = [
      ...(node.properties || []).map((property) => [property.name, property.value, property.accessor]),
      ...(node.entries || []).map((entry, i) => [entry.key === undefined ? String(i) : primitiveText(entry.key) ?? '(key)', entry.value]),
    ];
    if (node.collapsed || node.circular || children.length === 0) return el('span', 'pv pv-object', objectLabel(node, children.length === 0 && !node.collapsed && !node.circular));
    const details = el('details', 'pv-tree');
    details.open = open;
    details.append(el('summary', 'pv pv-object', objectLabel(node, false)));
    const list = el('ul');
    for (const [name, value, accessor] of children) {
      const item = el('li');
      item.append(el('span', 'pv-key', `${name}: `));
      item.append(value ? previewNode(value, false) : el('span', 'pv muted', accessor ? `[${accessor}]` : ''));
      list.append(item);
    }
    if (node.omitted) list.append(el('li', 'muted', `… ${node.omitted} more`));
    details.append(list);
    return details;
  }

  function primitiveText(node) {
    switch (node.type) {
      case 'string':
        return node.truncated ? `${JSON.stringify(node.value)}… (${node.length} characters)` : JSON.stringify(node.value);
      case 'number':
      case 'boolean':
        return node.description ?? String(node.value);
      case 'undefined':
        return 'undefined';
      case 'bigint':
      case 'symbol':
        return node.description ?? node.type;
      case 'function':
        return `[Function: ${node.description || 'anonymous'}]`;
    }
    if (node.subtype === 'null') return 'null';
    if (node.subtype === 'date') return node.description ?? 'Date';
    return undefined;
  }

  function objectLabel(node, empty) {
    if (node.circular) return '[Circular]';
    const name = node.className || 'Object';
    const count = node.length ?? node.size;
    const label = count === undefined ? name : `${name}(${count})`;
    if (node.subtype === 'error') return node.description ? node.description.split('\n')[0] : label;
    if (node.collapsed) return `[${label}]`;
    return empty ? `${label} {}` : label;
  }

  class EvalPanel {
    constructor() {
      this.panel = document.getElementById('panel-eval');
      this.output = document.getElementById('eval-output');
      this.button = document.getElementById('run-eval');
      document.getElementById('eval-form').addEventListener('submit', (event) => {
        event.preventDefault();
        void ME.runTask(this.panel, this.button, () => this.run());
      });
    }

    show(index) {
      this.panel.hidden = !offers(index, 'POST', 'eval');
      scopeNote(document.getElementById('eval-disabled'), 'eval', 'Evaluating');
    }

    async run() {
      this.output.replaceChildren();
      const expression = document.getElementById('eval-expression').value;
      const answer = await ME.api.json(ME.threads.path('eval'), { method: 'POST', body: { expression } });
      this.panel.dataset.evalOutcome = answer.outcome;
      if (answer.outcome === 'exception') {
        const thrown = answer.exception || {};
        this.output.append(el('pre', 'error', `Uncaught ${thrown.className || 'Error'}: ${thrown.message || ''}`));
        return `Threw after ${Math.round(answer.durationMs)} ms.`;
      }
      this.output.append(previewNode(answer.result, true));
      const partial = answer.preview === 'names' ? ' Only property names are shown: reading their values could have side effects.' : '';
      return `${answer.awaited ? 'Awaited' : 'Evaluated'} in ${Math.round(answer.durationMs)} ms.${partial}`;
    }
  }

  // ---- commands ----

  /** One form control for a declared parameter: a list for enums and booleans, a number or a text box. */
  function parameterInput(id, parameter) {
    if (parameter.type === 'boolean' || parameter.enum) {
      const select = el('select');
      const choices = parameter.type === 'boolean' ? ['true', 'false'] : parameter.enum;
      if (!parameter.required) select.append(new Option('(not set)', ''));
      for (const choice of choices) select.append(new Option(choice, choice));
      select.id = id;
      return select;
    }
    const input = el('input');
    input.id = id;
    input.required = Boolean(parameter.required);
    if (parameter.type === 'number' || parameter.type === 'integer') {
      input.type = 'number';
      input.step = parameter.type === 'integer' ? '1' : 'any';
      if (parameter.min !== undefined) input.min = String(parameter.min);
      if (parameter.max !== undefined) input.max = String(parameter.max);
    } else {
      input.type = parameter.secret ? 'password' : 'text';
      input.autocomplete = 'off';
    }
    return input;
  }

  /** The form's values as the command's JSON parameters: empty fields left out, types as declared. */
  function parametersOf(form, command) {
    const parameters = {};
    for (const [name, parameter] of Object.entries(command.parameters || {})) {
      const raw = form.querySelector(`[data-parameter="${CSS.escape(name)}"]`).value;
      if (raw === '') continue;
      parameters[name] = parameter.type === 'boolean' ? raw === 'true' : parameter.type === 'number' || parameter.type === 'integer' ? Number(raw) : raw;
    }
    return parameters;
  }

  class CommandsPanel {
    constructor() {
      this.panel = document.getElementById('panel-commands');
      this.list = document.getElementById('command-list');
    }

    async show(index) {
      this.list.replaceChildren();
      if (!offers(index, 'GET', 'commands')) {
        this.panel.hidden = true;
        return;
      }
      let commands;
      try {
        commands = (await ME.api.json('commands')).commands || [];
      } catch (error) {
        this.panel.hidden = false;
        this.list.append(el('p', 'error', String(error)));
        return;
      }
      this.panel.hidden = commands.length === 0;
      commands.forEach((command, i) => this.list.append(this.form(command, i)));
    }

    form(command, i) {
      const form = el('form', 'command');
      form.dataset.command = command.name;
      const head = el('div', 'section-head');
      head.append(el('h4', 'command-name', command.name), el('span', 'muted', `scope ${command.scope}`));
      form.append(head, el('p', 'muted', command.description || ''));
      const fields = el('div', 'command-fields');
      Object.entries(command.parameters || {}).forEach(([name, parameter], j) => {
        const id = `command-${i}-parameter-${j}`;
        const label = el('label', '', `${name}${parameter.required ? ' *' : ''}`);
        label.htmlFor = id;
        if (parameter.description) label.title = parameter.description;
        const input = parameterInput(id, parameter);
        input.dataset.parameter = name;
        input.dataset.scope = command.scope;
        fields.append(label, input);
      });
      const button = el('button', '', 'Run');
      button.type = 'submit';
      button.dataset.scope = command.scope;
      const note = el('p', 'needs-scope');
      scopeNote(note, command.scope, 'This command');
      fields.append(button);
      const progress = el('div', 'progress-line');
      progress.hidden = true;
      progress.append(el('progress'), el('span', 'progress-text'));
      const result = el('p', 'result');
      result.setAttribute('role', 'status');
      const output = el('pre', 'command-output');
      output.hidden = true;
      form.append(fields, note, progress, result, output);
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        void ME.runTask(form, button, async () => {
          output.hidden = true;
          const answer = await ME.api.json(`commands/${encodeURIComponent(command.name)}`, { method: 'POST', body: { parameters: parametersOf(form, command) } });
          output.textContent = JSON.stringify(answer.result, null, 2) ?? 'undefined';
          output.hidden = false;
          return `${command.name} ran.`;
        });
      });
      for (const control of form.querySelectorAll('[data-scope]')) ME.scopes.apply(control);
      return form;
    }
  }

  ME.EvalPanel = EvalPanel;
  ME.CommandsPanel = CommandsPanel;
})((window.ME = window.ME || {}));
