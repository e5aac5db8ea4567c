// Number and time formatting shared by the console's views.
'use strict';
(function (ME) {
  const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

  ME.format = {
    bytes(value) {
      if (value === null || value === undefined || !Number.isFinite(value)) return '–';
      let v = Math.abs(value);
      let unit = 0;
      while (v >= 1024 && unit < UNITS.length - 1) {
        v /= 1024;
        unit += 1;
      }
      const digits = v >= 100 || unit === 0 ? 0 : 1;
      return `${value < 0 ? '-' : ''}${v.toFixed(digits)} ${UNITS[unit]}`;
    },
    ms(seconds) {
      if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '–';
      const ms = seconds * 1000;
      return ms >= 100 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(1)} ms`;
    },
    percent(ratio) {
      if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '–';
      return `${(ratio * 100).toFixed(1)} %`;
    },
    ago(timeMs, now = Date.now()) {
      if (timeMs === null || timeMs === undefined) return 'none seen';
      const s = Math.max(0, (now - timeMs) / 1000);
      if (s < 90) return `${s.toFixed(0)} s ago`;
      if (s < 5400) return `${(s / 60).toFixed(0)} min ago`;
      return `${(s / 3600).toFixed(1)} h ago`;
    },
    time(iso) {
      if (!iso) return '–';
      const d = new Date(iso);
      return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleString();
    },
    count(n) {
      return Number(n).toLocaleString();
    },
  };
})((window.ME = window.ME || {}));
