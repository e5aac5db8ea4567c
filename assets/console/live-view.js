// The live view: the endpoint's Server-Sent Events read with fetch() and a ReadableStream, since
// EventSource cannot send an Authorization header. Reconnects after a drop; shows when the app's
// main thread is blocked (its figures stop changing and say how old they are).
'use strict';
(function (ME) {
  const f = ME.format;
  const WINDOW_MS = 15 * 60 * 1000;
  const RECONNECT_MS = 2000;

  class LiveView {
    constructor() {
      this.samples = [];
      this.charts = undefined;
      this.controller = undefined;
      this.section = document.getElementById('live');
      this.status = document.getElementById('live-status');
    }

    start() {
      this.stop();
      this.charts ??= new ME.LiveCharts();
      this.controller = new AbortController();
      void this.run(this.controller.signal);
    }

    stop() {
      this.controller?.abort();
      this.controller = undefined;
    }

    async run(signal) {
      while (!signal.aborted) {
        try {
          this.status.textContent = 'Connecting…';
          const response = await ME.api.request('events', { signal });
          this.status.textContent = 'Live';
          await this.read(response.body, signal);
          if (!signal.aborted) this.status.textContent = 'The stream ended; reconnecting…';
        } catch (error) {
          if (signal.aborted) return;
          this.status.textContent = `${error}; reconnecting…`;
          if (error.status === 401 || error.status === 403) return;
        }
        await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS));
      }
    }

    /** Splits the stream into events: blocks separated by a blank line, `event:` and `data:` lines. */
    async read(body, signal) {
      const reader = body.pipeThrough(new TextDecoderStream()).getReader();
      signal.addEventListener('abort', () => void reader.cancel().catch(() => {}), { once: true });
      let buffer = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          const data = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event:')) event = line.slice(6).trim();
            else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
          }
          if (data.length > 0) this.onEvent(event, JSON.parse(data.join('\n')));
        }
      }
    }

    onEvent(event, data) {
      if (event === 'verdict') {
        this.verdicts = (this.verdicts || 0) + 1;
        this.section.dataset.verdicts = String(this.verdicts);
        ME.leaks.showTile(data);
        return;
      }
      if (event === 'history') this.samples = data.samples;
      else if (event === 'sample') this.samples.push(data);
      else return;
      const newest = this.samples[this.samples.length - 1];
      if (newest) this.samples = this.samples.filter((s) => s.t >= newest.t - WINDOW_MS);
      this.charts.setSamples(this.samples);
      this.section.dataset.samples = String(this.samples.length);
      if (newest) {
        this.section.dataset.lastSampleAt = String(newest.t);
        this.showTiles(newest);
      }
    }

    showTiles(s) {
      const tile = document.getElementById('tile-main-thread');
      const state = document.getElementById('main-thread-state');
      if (s.mainThreadResponsive === null) {
        tile.dataset.state = 'unknown';
        state.textContent = 'no probe';
      } else if (s.mainThreadResponsive) {
        tile.dataset.state = 'responsive';
        state.textContent = 'responsive';
      } else {
        tile.dataset.state = 'blocked';
        state.textContent = `BLOCKED for ${s.figuresAgeSeconds.toFixed(0)} s`;
      }
      document.getElementById('tile-heap').textContent = `${f.bytes(s.heapUsed)} / ${f.bytes(s.heapLimit)}`;
      document.getElementById('tile-rss').textContent = f.bytes(s.rss);
      document.getElementById('tile-eld').textContent = s.eventLoopDelay ? f.ms(s.eventLoopDelay.p99) : '–';
      document.getElementById('tile-elu').textContent = f.percent(s.eventLoopUtilization);
      document.getElementById('tile-major-gc').textContent = s.source === 'inspector' ? 'no probe' : f.ago(s.lastMajorGcAt, s.t);
      // A sidecar's target runs no probe: the stream carries no verdict, and the tile says why.
      if (s.source === 'inspector') ME.leaks.showNoProbe();
    }
  }

  ME.LiveView = LiveView;
})((window.ME = window.ME || {}));
