// The dump store: list, schedule (delay, at, when), download with progress, delete.
'use strict';
(function (ME) {
  const f = ME.format;
  const SCOPE_OF_KIND = { heapsnapshot: 'heap', cpuprofile: 'profile', heapprofile: 'profile', 'last-moments': 'profile' };

  function describeTrigger(trigger) {
    if (!trigger) return '–';
    if (trigger.type === 'at') return `at ${f.time(trigger.at)}`;
    if (trigger.type === 'gc') return `after a major GC${trigger.expiresAt ? ` (until ${f.time(trigger.expiresAt)})` : ''}`;
    if (trigger.type === 'heap-above') {
      const limit = trigger.bytes !== undefined ? f.bytes(trigger.bytes) : f.percent(trigger.ratio);
      return `heap above ${limit}${trigger.expiresAt ? ` (until ${f.time(trigger.expiresAt)})` : ''}`;
    }
    if (trigger.type === 'recorder') return "the recorder's last spill of a process that died";
    return trigger.type;
  }

  class Dumps {
    constructor() {
      this.section = document.getElementById('dumps');
      this.table = document.getElementById('dump-table');
      this.result = document.getElementById('dumps-result');
      this.form = document.getElementById('schedule-form');
      this.form.addEventListener('submit', (event) => {
        event.preventDefault();
        void this.task(document.getElementById('schedule-submit'), () => this.schedule());
      });
      document.getElementById('refresh-dumps').addEventListener('click', () => void this.refresh());
      document.getElementById('schedule-trigger').addEventListener('change', (event) => {
        const examples = { delay: '10m', at: new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, 'Z'), when: 'gc' };
        document.getElementById('schedule-value').value = examples[event.target.value];
      });
      document.getElementById('schedule-kind').addEventListener('change', () => this.syncKind());
      this.analysis = document.getElementById('dump-analysis');
      this.ready = new Map();
      // Heavy analysis never runs in the app's process: the buttons exist only where a sidecar serves.
      this.analysisHere = false;
      document.getElementById('diff-form').addEventListener('submit', (event) => {
        event.preventDefault();
        const base = this.ready.get(document.getElementById('diff-base').value);
        const target = this.ready.get(document.getElementById('diff-target').value);
        void this.task(document.getElementById('diff-submit'), async () => {
          if (!base || !target) throw new Error('Choose two stored heap snapshots.');
          return ME.heapReport.diff(this.analysis, base, target);
        });
      });
    }

    syncKind() {
      const kind = document.getElementById('schedule-kind').value;
      document.getElementById('schedule-seconds').disabled = kind === 'heapsnapshot';
      const submit = document.getElementById('schedule-submit');
      submit.dataset.scope = SCOPE_OF_KIND[kind];
      ME.scopes.apply(submit);
    }

    /** Runs one store action with the shared progress line and result. */
    async task(button, work) {
      const line = document.getElementById('dumps-progress');
      const bar = line.querySelector('progress');
      const text = line.querySelector('.progress-text');
      button.disabled = true;
      line.hidden = false;
      bar.removeAttribute('value');
      text.textContent = '';
      this.result.classList.remove('error');
      this.result.textContent = '';
      try {
        this.result.textContent = (await work((value, max, label) => {
          if (max) {
            bar.max = max;
            bar.value = value;
          } else bar.removeAttribute('value');
          text.textContent = label || '';
        })) || '';
      } catch (error) {
        this.result.classList.add('error');
        this.result.textContent = String(error);
      } finally {
        line.hidden = true;
        ME.scopes.apply(button);
      }
    }

    async schedule() {
      const kind = document.getElementById('schedule-kind').value;
      const trigger = document.getElementById('schedule-trigger').value;
      const value = document.getElementById('schedule-value').value.trim();
      const query = new URLSearchParams({ [trigger]: value });
      if (kind !== 'heapsnapshot') query.set('seconds', String(Number(document.getElementById('schedule-seconds').value) || 10));
      const job = await ME.api.json(`${kind}?${query}`);
      await this.refresh();
      return `Scheduled ${job.kind} ${job.id}: ${describeTrigger(job.trigger)}.`;
    }

    async refresh() {
      if (!ME.scopes.has('read')) return;
      try {
        const { dumps } = await ME.api.json('dumps');
        this.render(dumps);
      } catch (error) {
        this.result.classList.add('error');
        this.result.textContent = String(error);
      }
    }

    render(dumps) {
      const body = this.table.tBodies[0];
      body.replaceChildren();
      for (const dump of [...dumps].reverse()) {
        const row = body.insertRow();
        row.dataset.id = dump.id;
        row.dataset.status = dump.status;
        row.insertCell().textContent = dump.kind;
        row.insertCell().textContent = dump.status + (dump.error ? `: ${dump.error}` : '');
        row.insertCell().textContent = describeTrigger(dump.trigger);
        row.insertCell().textContent = f.time(dump.created);
        const size = row.insertCell();
        size.className = 'num';
        size.textContent = dump.size ? f.bytes(dump.size) : '–';
        const actions = row.insertCell();
        const group = document.createElement('div');
        group.className = 'row';
        const scope = SCOPE_OF_KIND[dump.kind];
        if (dump.status === 'ready') {
          group.append(this.button('Download', scope, `Download ${dump.kind} ${dump.id}`, (progress) => this.download(dump, progress)));
          if (dump.kind === 'heapsnapshot' && this.analysisHere) group.append(this.button('Analyze', scope, `Analyze ${dump.kind} ${dump.id}`, () => ME.heapReport.analyze(this.analysis, dump)));
        }
        const removable = ['scheduled', 'running', 'ready'].includes(dump.status);
        if (removable) {
          const label = dump.status === 'ready' ? 'Delete' : 'Cancel';
          group.append(this.button(label, scope, `${label} ${dump.kind} ${dump.id}`, () => this.remove(dump)));
        }
        actions.append(group);
      }
      this.section.dataset.count = String(dumps.length);
      this.syncDiffChoices(dumps.filter((dump) => dump.kind === 'heapsnapshot' && dump.status === 'ready'));
    }

    /** The two lists of stored snapshots to compare, oldest first; the later one preselected as the target. */
    syncDiffChoices(snapshots) {
      this.ready = new Map(snapshots.map((dump) => [dump.id, dump]));
      const [base, target] = ['diff-base', 'diff-target'].map((id) => document.getElementById(id));
      for (const [select, preselect] of [[base, snapshots.length - 2], [target, snapshots.length - 1]]) {
        const kept = select.value;
        select.replaceChildren(...snapshots.map((dump, index) => {
          const option = document.createElement('option');
          option.value = dump.id;
          option.textContent = `${dump.id} (${f.time(dump.created)})`;
          option.selected = kept ? dump.id === kept : index === preselect;
          return option;
        }));
      }
      document.getElementById('diff-form').hidden = !this.analysisHere || snapshots.length < 2;
    }

    /** The endpoint's mode, from the index: only a sidecar analyzes stored snapshots. */
    showMode(mode) {
      this.analysisHere = mode === 'sidecar';
      document.getElementById('analysis-elsewhere').hidden = this.analysisHere;
      void this.refresh();
    }

    button(text, scope, label, onClick) {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'secondary';
      button.textContent = text;
      button.dataset.scope = scope;
      button.dataset.action = text.toLowerCase();
      button.setAttribute('aria-label', label);
      button.addEventListener('click', () => void this.task(button, (progress) => onClick(progress)));
      ME.scopes.apply(button);
      return button;
    }

    async download(dump, progress) {
      const file = await ME.api.fetchFile(`dumps/${encodeURIComponent(dump.id)}/file`, {
        fallbackName: dump.fileName || dump.id,
        onProgress: ME.byteProgress(progress, 'Received'),
      });
      ME.api.save(file.blob, file.name);
      return `Saved ${file.name} (${f.bytes(file.blob.size)}).`;
    }

    async remove(dump) {
      await ME.api.json(`dumps/${encodeURIComponent(dump.id)}`, { method: 'DELETE' });
      await this.refresh();
      return `Removed ${dump.kind} ${dump.id}.`;
    }
  }

  ME.Dumps = Dumps;
})((window.ME = window.ME || {}));
