// The report of a stored heap snapshot, and the growth between two, as the sidecar computes them
// (GET dumps/{id}/analysis): the summary by constructor, the leak suspects with their retainer paths,
// duplicated strings, the biggest collections; or the classes that grew. Nothing is computed here.
'use strict';
(function (ME) {
  const f = ME.format;
  const { el, table } = ME.dom;
  const TOP = 15;

  function share(bytes, total) {
    return total > 0 ? f.percent(bytes / total) : '–';
  }

  /** One stored snapshot's report into `view`. */
  function renderReport(view, dump, report) {
    const total = report.snapshot.totalSize;
    view.replaceChildren(
      el('h3', '', `Heap snapshot ${dump.id}`),
      el('p', 'muted', `${f.bytes(report.snapshot.bytes)} read, ${f.count(report.snapshot.nodes)} objects, ${f.count(report.snapshot.edges)} references; heap ${f.bytes(total)}. Analyzed in the sidecar.`),
      el('h4', '', 'Summary by constructor (by retained size)'),
      table(
        'report-classes',
        [['Constructor', false], ['Count', true], ['Self size', true], ['Retained size', true], ['Share', true]],
        report.classes.map((c) => [c.name, f.count(c.count), f.bytes(c.selfSize), f.bytes(c.retainedSize), share(c.retainedSize, total)]),
      ),
      el('h4', '', 'Leak suspects (objects holding at least 1% of the heap)'),
      suspectList(report.suspects),
      el('h4', '', 'Duplicated strings'),
      report.duplicateStrings.length === 0
        ? el('p', 'muted', 'none')
        : table('report-strings', [['Value', false], ['Copies', true], ['Wasted', true]], report.duplicateStrings.map((d) => [d.preview, f.count(d.count), f.bytes(d.wastedBytes)])),
      el('h4', '', 'Biggest collections'),
      report.collections.length === 0
        ? el('p', 'muted', 'none')
        : table('report-collections', [['Collection', false], ['Entries', true], ['Retained', true], ['Path', false]], report.collections.map((c) => [`${c.name} @${c.id}`, f.count(c.entries), f.bytes(c.retainedSize), c.path])),
    );
  }

  function suspectList(suspects) {
    if (suspects.length === 0) return el('p', 'muted', 'none');
    const list = el('ol', 'report-suspects');
    for (const s of suspects) {
      const item = el('li');
      item.append(el('strong', '', `${s.name} @${s.id}`), document.createTextNode(` retains ${f.bytes(s.retainedSize)} (${f.percent(s.share)} of the heap)`));
      item.append(el('code', 'path', s.path));
      if (s.holds.length > 0) item.append(el('span', 'muted holds', `holds ${s.holds.map((h) => `${f.count(h.count)} ${h.name} (${f.bytes(h.retainedSize)})`).join(', ')}`));
      list.append(item);
    }
    return list;
  }

  /** The growth by constructor from `base` to `dump` into `view`. */
  function renderGrowth(view, base, dump, answer) {
    view.replaceChildren(
      el('h3', '', `Growth from ${base.id} to ${dump.id}`),
      el('p', 'muted', `By constructor only: the classes whose count or self size grew, largest first (objects are not matched between the two). Computed in the sidecar.`),
      answer.growth.length === 0
        ? el('p', 'muted', 'No class grew.')
        : table(
            'report-growth',
            [['Constructor', false], ['Count +/-', true], ['Size +/-', true], ['Count now', true], ['Self size now', true]],
            answer.growth.map((g) => [g.name, signed(g.countDelta, f.count), signed(g.sizeDelta, f.bytes), f.count(g.count), f.bytes(g.selfSize)]),
          ),
    );
  }

  function signed(n, format) {
    return n > 0 ? `+${format(n)}` : format(n);
  }

  ME.heapReport = {
    async analyze(view, dump) {
      const report = await ME.api.json(`dumps/${encodeURIComponent(dump.id)}/analysis?top=${TOP}`);
      renderReport(view, dump, report);
      view.hidden = false;
      view.dataset.kind = 'report';
      return `Analyzed ${dump.id}.`;
    },
    async diff(view, base, dump) {
      const answer = await ME.api.json(`dumps/${encodeURIComponent(dump.id)}/analysis?top=${TOP}&base=${encodeURIComponent(base.id)}`);
      renderGrowth(view, base, dump, answer);
      view.hidden = false;
      view.dataset.kind = 'growth';
      return `Compared ${base.id} with ${dump.id}.`;
    },
  };
})((window.ME = window.ME || {}));
