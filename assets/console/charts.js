// The live view's four uPlot charts. Colours come from the page's CSS variables, so the charts
// follow the light or dark scheme; they are rebuilt when the scheme changes.
'use strict';
(function (ME) {
  const f = ME.format;
  const PALETTE = ['#3b82f6', '#f97316', '#a855f7', '#10b981', '#e11d48', '#eab308'];

  /** What each chart plots: series labels, how to read a value from a sample, how to show it. */
  const CHARTS = [
    {
      id: 'chart-memory',
      format: f.bytes,
      series: [
        { label: 'heap used', value: (s) => s.heapUsed },
        { label: 'heap total', value: (s) => s.heapTotal },
        { label: 'heap limit', value: (s) => s.heapLimit, show: false },
        { label: 'rss', value: (s) => s.rss },
        { label: 'external', value: (s) => s.external },
      ],
    },
    {
      id: 'chart-loop',
      format: f.ms,
      series: [
        { label: 'delay p50', value: (s) => s.eventLoopDelay && s.eventLoopDelay.p50 },
        { label: 'delay p99', value: (s) => s.eventLoopDelay && s.eventLoopDelay.p99 },
        { label: 'delay max', value: (s) => s.eventLoopDelay && s.eventLoopDelay.max },
        // While the main thread is blocked its own figures are stale: how long it has been stuck is the delay.
        { label: 'blocked for', value: (s) => (s.mainThreadResponsive === false ? s.figuresAgeSeconds : s.mainThreadResponsive === null ? null : 0) },
      ],
    },
    {
      id: 'chart-elu',
      format: f.percent,
      range: [0, 1],
      series: [{ label: 'utilization', value: (s) => s.eventLoopUtilization }],
    },
    {
      id: 'chart-gc',
      format: f.ms,
      series: ['minor', 'major', 'incremental', 'weakcb'].map((kind) => ({ label: kind, value: (s) => (s.gc ? s.gc[kind].seconds : null) })),
    },
  ];

  function cssVar(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  function options(spec, width) {
    const text = cssVar('--muted');
    const grid = cssVar('--grid');
    const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    return {
      width,
      height: 200,
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: spec.range ? { range: spec.range } : { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.1 : 1] } },
      axes: [axis, { ...axis, size: 70, values: (_u, ticks) => ticks.map((v) => spec.format(v)) }],
      series: [
        { label: 'time', value: (_u, v) => (v === null ? '–' : new Date(v * 1000).toLocaleTimeString()) },
        ...spec.series.map((series, index) => ({
          label: series.label,
          show: series.show !== false,
          stroke: PALETTE[index % PALETTE.length],
          width: 1.5,
          points: { show: false },
          spanGaps: false,
          value: (_u, v) => (v === null || v === undefined ? '–' : spec.format(v)),
        })),
      ],
    };
  }

  class LiveCharts {
    constructor() {
      this.charts = [];
      this.data = CHARTS.map((spec) => [[], ...spec.series.map(() => [])]);
      this.build();
      matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => this.build());
      this.resizer = new ResizeObserver(() => this.resize());
      for (const spec of CHARTS) this.resizer.observe(document.getElementById(spec.id));
    }

    build() {
      for (const chart of this.charts) chart.destroy();
      this.charts = CHARTS.map((spec, index) => {
        const figure = document.getElementById(spec.id);
        return new uPlot(options(spec, this.widthOf(figure)), this.data[index], figure);
      });
    }

    widthOf(figure) {
      return Math.max(280, figure.clientWidth - 16);
    }

    resize() {
      this.charts.forEach((chart, index) => {
        const width = this.widthOf(document.getElementById(CHARTS[index].id));
        if (Math.abs(chart.width - width) > 2) chart.setSize({ width, height: 200 });
      });
    }

    /** Replaces the plotted samples (kept to the last `windowMs`). */
    setSamples(samples) {
      CHARTS.forEach((spec, index) => {
        const columns = [samples.map((s) => s.t / 1000), ...spec.series.map((series) => samples.map((s) => nullable(series.value(s))))];
        this.data[index] = columns;
        this.charts[index].setData(columns);
        document.getElementById(spec.id).dataset.points = String(samples.length);
      });
    }
  }

  function nullable(value) {
    return value === undefined || value === null || !Number.isFinite(value) ? null : value;
  }

  /**
   * The heap each thread uses, one series per thread (GET /threads, read by threads.js). uPlot's series are
   * fixed when it is built: the chart is built again when a worker starts or ends.
   */
  class ThreadHeapChart {
    constructor(figure) {
      this.figure = figure;
      this.chart = undefined;
      this.key = '';
      this.build = (threads, data) => {
        this.chart?.destroy();
        const spec = { format: f.bytes, series: threads.map((thread) => ({ label: thread.id === 0 ? 'main' : `${thread.id} ${thread.name}`.trim() })) };
        this.chart = new uPlot(options(spec, Math.max(280, figure.clientWidth - 16)), data, figure);
      };
      matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => this.chart && this.build(this.threads, this.data));
    }

    /** Plots `readings` ({ t, heaps: Map of id to bytes }) for the threads live now. */
    setReadings(readings, threads) {
      const data = [readings.map((reading) => reading.t / 1000), ...threads.map((thread) => readings.map((reading) => nullable(reading.heaps.get(thread.id))))];
      const key = threads.map((thread) => `${thread.id}:${thread.name}`).join('|');
      this.threads = threads;
      this.data = data;
      if (key !== this.key || this.chart === undefined) {
        this.key = key;
        this.build(threads, data);
      } else {
        this.chart.setData(data);
      }
      this.figure.dataset.points = String(readings.length);
      this.figure.dataset.series = threads.map((thread) => (thread.id === 0 ? 'main' : thread.name || String(thread.id))).join(',');
    }
  }

  ME.LiveCharts = LiveCharts;
  ME.ThreadHeapChart = ThreadHeapChart;
})((window.ME = window.ME || {}));
