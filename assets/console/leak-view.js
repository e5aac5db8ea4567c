// The leak verdict as a person reads it: its word and reason, what the data rules out, the heap left
// after each full GC as a small chart and table, and where retained memory was allocated. Everything
// from the API goes in through textContent and attributes, never as markup.
'use strict';
(function (ME) {
  const f = ME.format;
  const { el } = ME.dom;
  const SVG = 'http://www.w3.org/2000/svg';
  /** Frames of a call path shown before "… N more"; the whole path is in the tooltip. */
  const PATH_FRAMES = 6;
  /** Floors listed in the table (the newest); the chart draws them all. */
  const FLOOR_ROWS = 8;

  const WORDS = {
    leak: 'Leak',
    'no-leak': 'No leak',
    'insufficient-data': 'Undecided',
  };

  function rate(bytesPerSecond) {
    return `${f.bytes(bytesPerSecond)}/s`;
  }

  /** `ruledOut` and `retryAfterSeconds` in words. */
  function ruledOutText(verdict) {
    const parts = [];
    const out = verdict.ruledOut;
    if (out) {
      parts.push(
        verdict.verdict === 'no-leak'
          ? `Ruled out: any leak of ${rate(out.leaksFasterThanBytesPerSecond)} or more, over the last ${out.seconds} s.`
          : `Ruled out so far: a leak faster than ${rate(out.leaksFasterThanBytesPerSecond)}, over the last ${out.seconds} s. Slower ones are not ruled out.`,
      );
    } else if (verdict.verdict !== 'leak') {
      parts.push('Nothing is ruled out yet.');
    }
    if (verdict.retryAfterSeconds !== undefined) parts.push(`Ask again in about ${verdict.retryAfterSeconds} s.`);
    return parts.join(' ');
  }

  /** The short line under the dashboard tile. */
  function tileNote(verdict) {
    if (verdict.verdict === 'leak') return 'the heap left after full GCs keeps growing';
    if (verdict.ruledOut) return `nothing above ${rate(verdict.ruledOut.leaksFasterThanBytesPerSecond)} in ${verdict.ruledOut.seconds} s`;
    return verdict.retryAfterSeconds !== undefined ? `ask again in ${verdict.retryAfterSeconds} s` : 'waiting for full GCs';
  }

  /** The dashboard tile: the verdict at a glance, its reason in the tooltip. */
  function showTile(verdict) {
    const tile = document.getElementById('tile-leak');
    tile.dataset.verdict = verdict.verdict;
    tile.title = verdict.reason || '';
    document.getElementById('leak-state').textContent = WORDS[verdict.verdict] || String(verdict.verdict);
    document.getElementById('leak-note').textContent = tileNote(verdict);
  }

  function showNoProbe() {
    const tile = document.getElementById('tile-leak');
    tile.dataset.verdict = 'unknown';
    document.getElementById('leak-state').textContent = 'no probe';
    document.getElementById('leak-note').textContent = 'add the package to the app';
  }

  function renderLeaks(container, verdict) {
    container.replaceChildren();
    const head = el('p', 'leak-verdict');
    head.dataset.verdict = verdict.verdict;
    head.append(el('span', 'leak-word', WORDS[verdict.verdict] || String(verdict.verdict)));
    container.append(head);
    container.append(el('p', 'leak-reason', verdict.reason || ''));
    const ruledOut = ruledOutText(verdict);
    if (ruledOut) container.append(el('p', 'leak-ruled-out', ruledOut));
    for (const [title, pair] of [
      ['Confirmation you asked for', verdict.confirmation],
      ['Full GCs the endpoint forced to decide', verdict.automaticConfirmation],
    ]) {
      if (pair) container.append(el('p', 'muted', `${title}: two full GCs ${pair.intervalSeconds} s apart, heap ${f.bytes(pair.heapAfterFirst)} → ${f.bytes(pair.heapAfterSecond)}; each paused the app ${pair.pauseMs.map((ms) => `${Math.round(ms)} ms`).join(' and ')}.`));
    }
    const evidence = verdict.evidence;
    if (evidence && typeof evidence === 'object') {
      container.append(evidenceList(evidence));
      if (Array.isArray(evidence.floors) && evidence.floors.length > 0) container.append(floorsView(evidence.floors));
    }
    if (verdict.where) container.append(whereView(verdict.where));
  }

  function evidenceList(evidence) {
    const list = el('dl', 'evidence');
    const add = (term, value) => list.append(el('dt', '', term), el('dd', '', value));
    add('Growth along the trend', `${rate(evidence.growthBytesPerSecond)} (fit R² ${Number(evidence.fit).toFixed(2)})`);
    add('Heap left after full GCs', `${f.bytes(evidence.heapAfterGcStart)} → ${f.bytes(evidence.heapAfterGcEnd)}`);
    add('Judged over', `${evidence.windowSeconds} s: ${evidence.majorGcCount} full GCs of ${f.count(evidence.gcCount)} GCs`);
    if (evidence.missedGcEvents > 0) add('GC events missed', `${f.count(evidence.missedGcEvents)} (the floors may lack some)`);
    return list;
  }

  /** The floors (heap left after each full GC) as a sparkline over time and a table of the newest. */
  function floorsView(floors) {
    const figure = el('figure', 'floors');
    figure.append(el('figcaption', 'muted', `Heap left after each full GC (${floors.length} floors)`));
    figure.append(sparkline(floors));
    const newest = floors.slice(-FLOOR_ROWS).reverse();
    const rows = newest.map((floor) => [`${Math.round(floor.secondsAgo)} s ago`, f.bytes(floor.heapAfter), f.bytes(floor.oldGenerationAfter)]);
    const table = ME.dom.table('floors-table', [['When', false], ['Heap', true], ['Old generation', true]], rows);
    figure.append(table);
    if (floors.length > newest.length) figure.append(el('p', 'muted', `and ${floors.length - newest.length} earlier`));
    return figure;
  }

  function sparkline(floors) {
    const width = 320;
    const height = 64;
    const pad = 4;
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('class', 'sparkline');
    svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    svg.setAttribute('role', 'img');
    const values = floors.map((floor) => floor.heapAfter);
    const low = Math.min(...values);
    const high = Math.max(...values);
    svg.setAttribute('aria-label', `from ${f.bytes(values[0])} to ${f.bytes(values[values.length - 1])}, lowest ${f.bytes(low)}, highest ${f.bytes(high)}`);
    const oldest = floors[0].secondsAgo;
    const span = Math.max(1, oldest - floors[floors.length - 1].secondsAgo);
    const x = (floor) => pad + ((oldest - floor.secondsAgo) / span) * (width - 2 * pad);
    const y = (value) => height - pad - (high === low ? 0.5 : (value - low) / (high - low)) * (height - 2 * pad);
    const line = document.createElementNS(SVG, 'polyline');
    line.setAttribute('points', floors.map((floor) => `${x(floor).toFixed(1)},${y(floor.heapAfter).toFixed(1)}`).join(' '));
    svg.append(line);
    for (const floor of floors) {
      const dot = document.createElementNS(SVG, 'circle');
      dot.setAttribute('cx', x(floor).toFixed(1));
      dot.setAttribute('cy', y(floor.heapAfter).toFixed(1));
      dot.setAttribute('r', '2.5');
      const title = document.createElementNS(SVG, 'title');
      title.textContent = `${Math.round(floor.secondsAgo)} s ago: ${f.bytes(floor.heapAfter)}`;
      dot.append(title);
      svg.append(dot);
    }
    return svg;
  }

  /** Where retained memory was allocated: one entry per site, its call path wrapped and cut, whole on hover. */
  function whereView(where) {
    const section = el('div', 'where');
    section.append(el('p', 'muted', `Where: allocation sites of the last ${where.seconds} s still alive after a full GC.`));
    const sites = Array.isArray(where.sites) ? where.sites : [];
    if (sites.length === 0) {
      section.append(el('p', '', 'No site retained sampled memory.'));
      return section;
    }
    const list = el('ol', 'sites');
    for (const site of sites) {
      const item = el('li', 'site');
      const head = el('div', 'site-head');
      head.append(el('span', 'site-name', `${site.functionName || '(anonymous)'} ${site.url}:${site.line}`), el('span', 'num', f.bytes(site.bytes)));
      item.append(head);
      const stack = Array.isArray(site.stack) ? site.stack : [];
      // The path starts at the site itself, named just above: the line shows its callers.
      const callers = stack[0] === `${site.functionName} ${site.url}:${site.line}` ? stack.slice(1) : stack;
      if (callers.length > 0) {
        const path = el('div', 'site-path');
        const shown = callers.slice(0, PATH_FRAMES).join(' ← ');
        path.textContent = `called from ${shown}${callers.length > PATH_FRAMES ? ` ← … ${callers.length - PATH_FRAMES} more` : ''}`;
        path.title = stack.join('\n← ');
        item.append(path);
      }
      list.append(item);
    }
    section.append(list);
    if (Array.isArray(where.types) && where.types.length > 0) section.append(typesTable(where.types));
    return section;
  }

  /** With types=count: the growing types, in whatever fields the answer gives them. */
  function typesTable(types) {
    const keys = Object.keys(types[0]);
    const text = (key, value) => (typeof value === 'number' && /bytes|size/i.test(key) ? f.bytes(value) : String(value));
    return ME.dom.table('types', keys.map((key) => [key, typeof types[0][key] === 'number']), types.map((type) => keys.map((key) => text(key, type[key]))));
  }

  ME.leaks = { renderLeaks, showTile, showNoProbe, WORDS };
})((window.ME = window.ME || {}));
