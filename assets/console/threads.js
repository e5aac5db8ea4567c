// The app's threads: the picker that sends the actions to a worker thread (`?thread=ID`) and the chart of
// each thread's heap, read from GET /threads every few seconds while the page is signed in.
'use strict';
(function (ME) {
  const POLL_MS = 3000;
  /** Fifteen minutes of readings, as the live view keeps. */
  const KEPT_MS = 15 * 60 * 1000;

  class Threads {
    constructor() {
      this.picker = document.getElementById('thread-picker');
      this.chart = new ME.ThreadHeapChart(document.getElementById('chart-threads'));
      this.readings = [];
      this.timer = undefined;
    }

    /** The chosen thread's id: 0 for the main thread. */
    selected() {
      return Number(this.picker.value) || 0;
    }

    /** `path` for the chosen thread: unchanged for the main thread, with `thread=ID` for a worker. */
    path(path) {
      const id = this.selected();
      if (id === 0) return path;
      return `${path}${path.includes('?') ? '&' : '?'}thread=${id}`;
    }

    /** The chosen thread in words, for the results the panels print. */
    describe() {
      const option = this.picker.selectedOptions[0];
      return this.selected() === 0 ? 'the main thread' : `worker thread ${option ? option.textContent : this.selected()}`;
    }

    start() {
      this.stop();
      void this.refresh();
      this.timer = setInterval(() => void this.refresh(), POLL_MS);
    }

    stop() {
      clearInterval(this.timer);
      this.timer = undefined;
    }

    async refresh() {
      let threads;
      try {
        threads = (await ME.api.json('threads')).threads;
      } catch {
        return; // the picker and the chart keep what they had; the next reading may succeed
      }
      this.showChoices(threads);
      const now = Date.now();
      this.readings.push({ t: now, heaps: new Map(threads.map((thread) => [thread.id, thread.heapUsedBytes])) });
      while (this.readings.length > 0 && this.readings[0].t < now - KEPT_MS) this.readings.shift();
      this.chart.setReadings(this.readings, threads);
    }

    /** One option per live thread; a chosen worker that has exited falls back to the main thread. */
    showChoices(threads) {
      const chosen = this.selected();
      const label = (thread) => (thread.id === 0 ? 'main' : `${thread.id}${thread.name ? ` (${thread.name})` : ''}`);
      const wanted = threads.map((thread) => `${thread.id}:${label(thread)}`).join('|');
      if (this.picker.dataset.threads === wanted) return;
      this.picker.replaceChildren(
        ...threads.map((thread) => {
          const option = document.createElement('option');
          option.value = String(thread.id);
          option.textContent = label(thread);
          return option;
        }),
      );
      this.picker.value = threads.some((thread) => thread.id === chosen) ? String(chosen) : '0';
      this.picker.dataset.threads = wanted;
    }
  }

  ME.Threads = Threads;
})((window.ME = window.ME || {}));
