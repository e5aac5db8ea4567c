// The action panels: each runs one API call with its button disabled meanwhile, a progress bar
// (timed for profiles, bytes for downloads) and the API's own message when it fails.
'use strict';
(function (ME) {
  const f = ME.format;

  /** Runs `work` for a panel: progress shown, button disabled, result or error written to the panel. */
  async function runTask(panel, button, work) {
    const line = panel.querySelector('.progress-line');
    const bar = line.querySelector('progress');
    const text = line.querySelector('.progress-text');
    const result = panel.querySelector('.result');
    const progress = (value, max, label) => {
      if (max) {
        bar.max = max;
        bar.value = Math.min(value, max);
      } else {
        bar.removeAttribute('value');
      }
      text.textContent = label || '';
    };
    button.disabled = true;
    panel.setAttribute('aria-busy', 'true');
    result.classList.remove('error');
    result.textContent = '';
    line.hidden = false;
    progress(0, 0, 'Starting…');
    try {
      const message = await work(progress);
      result.textContent = message || 'Done.';
      panel.dataset.outcome = 'ok';
    } catch (error) {
      result.classList.add('error');
      result.textContent = String(error);
      panel.dataset.outcome = 'error';
    } finally {
      line.hidden = true;
      panel.removeAttribute('aria-busy');
      ME.scopes.apply(button);
    }
  }

  /** Progress of a download: a share of the size when known, the bytes so far otherwise. */
  function byteProgress(progress, verb) {
    return (received, total) => progress(received, total, total ? `${verb} ${f.bytes(received)} of ${f.bytes(total)}` : `${verb} ${f.bytes(received)}`);
  }

  /** A timed operation: the bar follows the clock until the server answers. */
  function timed(progress, seconds, label) {
    const started = performance.now();
    const timer = setInterval(() => {
      const elapsed = (performance.now() - started) / 1000;
      if (elapsed <= seconds) progress(elapsed, seconds, `${label} ${elapsed.toFixed(0)} of ${seconds} s`);
      else progress(0, 0, 'Waiting for the result…');
    }, 200);
    return () => clearInterval(timer);
  }

  function secondsOf(input) {
    const value = Number(input.value);
    return Number.isInteger(value) && value > 0 ? value : 5;
  }

  class Actions {
    constructor() {
      this.flame = new ME.flame.FlameGraph({
        container: document.getElementById('flame'),
        canvas: document.getElementById('flame-canvas'),
        tooltip: document.getElementById('flame-tooltip'),
        table: document.getElementById('flame-frames'),
        summary: document.getElementById('flame-summary'),
      });
      this.profile = undefined;
      this.on('take-snapshot', 'panel-heapsnapshot', (p) => this.snapshot(p));
      this.on('take-cpuprofile', 'panel-cpuprofile', (p) => this.cpuProfile(p));
      this.on('take-heapprofile', 'panel-heapprofile', (p) => this.heapProfile(p));
      this.on('run-gc', 'panel-gc', (p) => this.gc(p));
      this.on('get-report', 'panel-report', (p) => this.report(p));
      this.on('get-leaks', 'panel-leaks', (p) => this.leaks(p));
      this.on('refresh-stack', 'panel-stack', (p) => this.stack(p));
      document.getElementById('flame-reset').addEventListener('click', () => this.flame.zoom());
      document.getElementById('save-profile').addEventListener('click', () => this.profile && ME.api.save(this.profile.blob, this.profile.name));
      document.getElementById('save-pprof').addEventListener('click', () => void this.savePprof());
    }

    on(buttonId, panelId, work) {
      const button = document.getElementById(buttonId);
      button.addEventListener('click', () => void runTask(document.getElementById(panelId), button, work));
    }

    /** What the index says a snapshot would cost, when it says so, shown before the click. */
    showEstimate(index) {
      const estimate = index && index.heapSnapshotEstimate;
      const element = document.getElementById('snapshot-estimate');
      // The index estimates the main thread's snapshot: with a worker picked it would mislead.
      element.hidden = !estimate || ME.threads.selected() !== 0;
      if (!estimate) return;
      element.textContent = describeEstimate(estimate);
      element.dataset.fits = String(estimate.fits);
    }

    /** A snapshot or a GC changes what the next snapshot would need: the estimate is read again after them. */
    async refreshEstimate() {
      try {
        this.showEstimate(await ME.api.json(''));
      } catch {
        // the estimate stays as it was; the action's own result says what happened
      }
    }

    async snapshot(progress) {
      const file = await ME.api.fetchFile(ME.threads.path('heapsnapshot'), { fallbackName: 'heap.heapsnapshot', onProgress: byteProgress(progress, 'Received') });
      ME.api.save(file.blob, file.name);
      void this.refreshEstimate();
      return `Saved ${file.name} (${f.bytes(file.blob.size)}), of ${ME.threads.describe()}.`;
    }

    async cpuProfile(progress) {
      const seconds = secondsOf(document.getElementById('cpu-seconds'));
      const startedAt = Date.now();
      const stop = timed(progress, seconds, 'Profiling');
      let file;
      try {
        file = await ME.api.fetchFile(ME.threads.path(`cpuprofile?seconds=${seconds}`), { fallbackName: 'cpu.cpuprofile' });
      } finally {
        stop();
      }
      const profile = JSON.parse(await file.blob.text());
      const interval = estimateInterval(profile);
      this.profile = { ...file, kind: 'cpu', pprof: () => ME.pprof.cpuProfileToPprof(profile, interval, startedAt) };
      this.showFlame(`CPU profile, ${seconds} s`, ME.flame.fromCpuProfile(profile), { unit: 'samples', format: f.count });
      const warning = file.headers.get('Maintenance-Warning');
      return `${profile.samples ? profile.samples.length : 0} samples.${warning ? ` ${warning}` : ''}`;
    }

    async heapProfile(progress) {
      const seconds = secondsOf(document.getElementById('heap-seconds'));
      const startedAt = Date.now();
      const stop = timed(progress, seconds, 'Sampling');
      let file;
      try {
        file = await ME.api.fetchFile(ME.threads.path(`heapprofile?seconds=${seconds}`), { fallbackName: 'heap.heapprofile' });
      } finally {
        stop();
      }
      const profile = JSON.parse(await file.blob.text());
      // The endpoint samples every 32 KiB unless told otherwise, and the page does not tell it.
      this.profile = { ...file, kind: 'heap', pprof: () => ME.pprof.heapProfileToPprof(profile, 32768, startedAt, seconds * 1000) };
      this.showFlame(`Allocation profile, ${seconds} s (still allocated at its end)`, ME.flame.fromHeapProfile(profile), { unit: 'bytes', format: f.bytes });
      return `${(profile.samples || []).length} sampled allocations still alive.`;
    }

    showFlame(title, root, options) {
      const panel = document.getElementById('panel-profile-view');
      panel.hidden = false;
      document.getElementById('profile-title').textContent = title;
      document.getElementById('save-profile').textContent = `Download ${this.profile.kind === 'cpu' ? '.cpuprofile' : '.heapprofile'}`;
      this.flame.show(root, options);
      panel.dataset.profile = this.profile.kind;
      panel.scrollIntoView({ block: 'nearest' });
    }

    async savePprof() {
      if (!this.profile) return;
      const blob = await this.profile.pprof();
      const name = this.profile.name.replace(/\.(cpuprofile|heapprofile)$/, this.profile.kind === 'cpu' ? '.cpu.pb.gz' : '.heap.pb.gz');
      ME.api.save(blob, name);
    }

    async gc() {
      const result = await ME.api.json(ME.threads.path('gc'), { method: 'POST' });
      void this.refreshEstimate();
      return `${capitalized(ME.threads.describe())}: freed ${f.bytes(result.freedBytes)} in ${Number(result.durationMs).toFixed(0)} ms: heap ${f.bytes(result.before.usedSize)} → ${f.bytes(result.after.usedSize)}.`;
    }

    async report(progress) {
      const file = await ME.api.fetchFile('report', { fallbackName: 'report.json', onProgress: byteProgress(progress, 'Received') });
      const name = /\.json$/.test(file.name) ? file.name : `report-${new Date().toISOString().replace(/[:.]/g, '')}.json`;
      ME.api.save(file.blob, name);
      return `Saved ${name} (${f.bytes(file.blob.size)}).`;
    }

    async leaks(progress) {
      const input = document.getElementById('leak-seconds');
      const seconds = input.value === '' ? undefined : secondsOf(input);
      const stop = seconds ? timed(progress, seconds, 'Sampling') : () => {};
      let verdict;
      try {
        verdict = await ME.api.json(seconds ? `memory/leaks?seconds=${seconds}` : 'memory/leaks');
      } finally {
        stop();
      }
      ME.leaks.renderLeaks(document.getElementById('leak-view'), verdict);
      ME.leaks.showTile(verdict);
      return `Verdict at ${new Date().toLocaleTimeString()}${seconds ? `, with ${seconds} s of allocation sampling` : ''}:`;
    }

    async stack() {
      const stack = await ME.api.json(ME.threads.path('stack'));
      const view = document.getElementById('stack-view');
      const header = `${stack.thread === 0 ? 'Main thread' : `Worker thread ${stack.thread}`}: ${stack.state} at ${f.time(stack.capturedAt)} (${Number(stack.latencyMs).toFixed(1)} ms to capture)`;
      const frames = (stack.frames || []).map((fr) => `    at ${fr.async ? 'async ' : ''}${fr.functionName || '<anonymous>'} (${fr.url}:${fr.line}:${fr.column})`);
      view.textContent = [header, ...frames].join('\n');
      view.dataset.state = stack.state;
      return '';
    }
  }

  function capitalized(text) {
    return text.charAt(0).toUpperCase() + text.slice(1);
  }

  /** The sampling interval the profile used, from its own time deltas (the median). */
  function estimateInterval(profile) {
    const deltas = (profile.timeDeltas || []).filter((d) => d > 0).sort((a, b) => a - b);
    return deltas.length > 0 ? Math.max(1, Math.round(deltas[Math.floor(deltas.length / 2)])) : 1000;
  }

  const BUDGET_SOURCES = {
    option: 'under the memoryLimit option',
    'process.constrainedMemory': "under the process's memory constraint",
    'cgroup-v1': "under the container's limit",
    'cgroup-v2': "under the container's limit",
    physical: 'on the machine',
  };

  /** The index's `heapSnapshotEstimate` in a sentence: what a snapshot would need, what is free, whether it fits. */
  function describeEstimate(estimate) {
    const need = `A snapshot now would need about ${f.bytes(estimate.estimateBytes)} more memory at its peak`;
    if (!estimate.checked || estimate.availableBytes === null) return `${need}; the free memory cannot be read here, so it is not checked.`;
    const free = `${f.bytes(estimate.availableBytes)} free ${BUDGET_SOURCES[estimate.source] || `(${estimate.source})`}`;
    return estimate.fits ? `${need}; ${free}: it fits.` : `${need}; only ${free}: the endpoint would refuse it (force=1 takes it anyway).`;
  }

  ME.Actions = Actions;
  ME.runTask = runTask;
  ME.byteProgress = byteProgress;
})((window.ME = window.ME || {}));
