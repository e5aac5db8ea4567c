// Flame graphs of a .cpuprofile (width: samples) or a .heapprofile (width: bytes still allocated),
// drawn on a canvas: the call tree merged by call frame, the root on top, each frame as wide as its
// total. The heaviest frames by self value, and the widest with no self value, are also listed in a table, for
// the keyboard and for tests.
'use strict';
(function (ME) {
  const ROW = 18;
  const PSEUDO = /^\((root|program|idle|garbage collector)\)$/;

  function frameKey(callFrame) {
    return `${callFrame.functionName}\u0000${callFrame.url}\u0000${callFrame.lineNumber}\u0000${callFrame.columnNumber}`;
  }

  function newFrame(callFrame) {
    return {
      name: callFrame.functionName || '(anonymous)',
      url: callFrame.url || '',
      line: callFrame.lineNumber + 1,
      column: callFrame.columnNumber + 1,
      key: frameKey(callFrame),
      self: 0,
      total: 0,
      children: new Map(),
    };
  }

  /** Merges a source tree into frames keyed by call frame under each parent, without recursion. */
  function merge(rootNode, childrenOf, selfOf) {
    const root = newFrame(rootNode.callFrame);
    const stack = [[rootNode, root]];
    while (stack.length > 0) {
      const [node, frame] = stack.pop();
      frame.self += selfOf(node);
      for (const child of childrenOf(node)) {
        const key = frameKey(child.callFrame);
        let childFrame = frame.children.get(key);
        if (!childFrame) frame.children.set(key, (childFrame = newFrame(child.callFrame)));
        stack.push([child, childFrame]);
      }
    }
    sumTotals(root);
    return root;
  }

  function sumTotals(root) {
    const order = [];
    const stack = [root];
    while (stack.length > 0) {
      const frame = stack.pop();
      order.push(frame);
      for (const child of frame.children.values()) stack.push(child);
    }
    for (let i = order.length - 1; i >= 0; i--) {
      const frame = order[i];
      frame.total = frame.self;
      for (const child of frame.children.values()) frame.total += child.total;
    }
  }

  function fromCpuProfile(profile) {
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const childIds = new Set(profile.nodes.flatMap((node) => node.children || []));
    const rootNode = profile.nodes.find((node) => !childIds.has(node.id));
    // Samples are the truth; hitCount is V8's own tally of them and is used when samples are absent.
    const hits = new Map();
    if (Array.isArray(profile.samples) && profile.samples.length > 0) {
      for (const id of profile.samples) hits.set(id, (hits.get(id) || 0) + 1);
    } else {
      for (const node of profile.nodes) hits.set(node.id, node.hitCount || 0);
    }
    return merge(rootNode, (node) => (node.children || []).map((id) => byId.get(id)), (node) => hits.get(node.id) || 0);
  }

  function fromHeapProfile(profile) {
    return merge(profile.head, (node) => node.children || [], (node) => node.selfSize || 0);
  }

  /** Rows of the table kept for the widest frames with no self value of their own. */
  const WIDEST_WITHOUT_SELF = 5;

  /**
   * Self values summed over every place a function appears, heaviest first; then the widest of the
   * functions whose value is all in what they call (a handler whose time goes into a native hash has no
   * self samples, and is the frame to look for), so the table names them too.
   */
  function heaviest(root, limit) {
    const sums = new Map();
    const stack = [[root, new Set()]];
    while (stack.length > 0) {
      const [frame, onPath] = stack.pop();
      const entry = sums.get(frame.key) || { name: frame.name, url: frame.url, line: frame.line, self: 0, total: 0 };
      entry.self += frame.self;
      // A recursive function's total counts once per path, not once per level.
      if (!onPath.has(frame.key)) entry.total += frame.total;
      sums.set(frame.key, entry);
      const path = new Set(onPath).add(frame.key);
      for (const child of frame.children.values()) stack.push([child, path]);
    }
    const entries = [...sums.values()];
    const bySelf = entries.filter((e) => e.self > 0).sort((a, b) => b.self - a.self);
    // The tree's root is not a function.
    const widest = entries.filter((e) => e.self === 0 && e.total > 0 && e !== sums.get(root.key)).sort((a, b) => b.total - a.total);
    const widestRows = Math.min(WIDEST_WITHOUT_SELF, widest.length);
    return [...bySelf.slice(0, limit - widestRows), ...widest.slice(0, widestRows)];
  }

  function hue(name) {
    let h = 0;
    for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
    return h;
  }

  function colour(frame) {
    if (PSEUDO.test(frame.name)) return 'hsl(220, 10%, 62%)';
    const h = hue(frame.name + frame.url);
    return `hsl(${10 + (h % 45)}, ${70 + (h % 20)}%, ${55 + ((h >> 8) % 12)}%)`;
  }

  class FlameGraph {
    constructor({ container, canvas, tooltip, table, summary }) {
      this.container = container;
      this.canvas = canvas;
      this.tooltip = tooltip;
      this.table = table;
      this.summary = summary;
      this.root = undefined;
      this.focus = undefined;
      this.boxes = [];
      canvas.addEventListener('mousemove', (event) => this.hover(event));
      canvas.addEventListener('mouseleave', () => (this.tooltip.hidden = true));
      canvas.addEventListener('click', (event) => {
        const box = this.boxAt(event);
        if (box) this.zoom(box.frame);
      });
      new ResizeObserver(() => this.draw()).observe(container);
    }

    show(root, { unit, format }) {
      this.root = root;
      this.focus = root;
      this.unit = unit;
      this.format = format;
      this.draw();
      this.list();
      this.summary.textContent = `${format(root.total)} ${unit === 'samples' ? 'samples' : 'still allocated'} in total. Click a frame to zoom in.`;
    }

    zoom(frame) {
      this.focus = frame || this.root;
      this.draw();
    }

    draw() {
      if (!this.root) return;
      const width = this.container.clientWidth;
      if (width === 0) return;
      const ratio = window.devicePixelRatio || 1;
      const rows = [];
      const layout = (frame, x, w, depth) => {
        if (w < 0.5) return;
        rows.push({ frame, x, w, depth });
        let offset = x;
        const children = [...frame.children.values()].sort((a, b) => a.name.localeCompare(b.name));
        for (const child of children) {
          const cw = frame.total === 0 ? 0 : (w * child.total) / frame.total;
          layout(child, offset, cw, depth + 1);
          offset += cw;
        }
      };
      // The path from the root to the focused frame stays visible as full-width rows above it.
      const path = this.pathTo(this.focus);
      path.slice(0, -1).forEach((frame, depth) => rows.push({ frame, x: 0, w: width, depth }));
      layout(this.focus, 0, width, path.length - 1);
      const depth = rows.reduce((max, row) => Math.max(max, row.depth), 0) + 1;
      this.canvas.width = Math.round(width * ratio);
      this.canvas.height = Math.round(depth * ROW * ratio);
      this.canvas.style.height = `${depth * ROW}px`;
      const ctx = this.canvas.getContext('2d');
      ctx.scale(ratio, ratio);
      ctx.font = '11px system-ui, sans-serif';
      ctx.textBaseline = 'middle';
      for (const row of rows) {
        const y = row.depth * ROW;
        ctx.fillStyle = colour(row.frame);
        ctx.fillRect(row.x, y, Math.max(0.5, row.w - 0.5), ROW - 1);
        if (row.w > 28) {
          ctx.fillStyle = '#15171a';
          ctx.save();
          ctx.beginPath();
          ctx.rect(row.x, y, row.w - 2, ROW);
          ctx.clip();
          ctx.fillText(row.frame.name, row.x + 3, y + ROW / 2);
          ctx.restore();
        }
      }
      this.boxes = rows;
      this.canvas.dataset.frames = String(rows.length);
    }

    pathTo(target) {
      const path = [];
      const visit = (frame) => {
        path.push(frame);
        if (frame === target) return true;
        for (const child of frame.children.values()) if (visit(child)) return true;
        path.pop();
        return false;
      };
      visit(this.root);
      return path;
    }

    boxAt(event) {
      const rect = this.canvas.getBoundingClientRect();
      const x = event.clientX - rect.left;
      const depth = Math.floor((event.clientY - rect.top) / ROW);
      return this.boxes.find((box) => box.depth === depth && x >= box.x && x < box.x + box.w);
    }

    hover(event) {
      const box = this.boxAt(event);
      if (!box) {
        this.tooltip.hidden = true;
        return;
      }
      const { frame } = box;
      const share = this.root.total === 0 ? 0 : (100 * frame.total) / this.root.total;
      this.tooltip.textContent =
        `${frame.name}\n${frame.url ? `${frame.url}:${frame.line}:${frame.column}\n` : ''}` +
        `total ${this.format(frame.total)} (${share.toFixed(1)} %), self ${this.format(frame.self)}`;
      this.tooltip.hidden = false;
      const rect = this.container.getBoundingClientRect();
      const left = Math.min(event.clientX - rect.left + 12, rect.width - 300);
      this.tooltip.style.left = `${Math.max(0, left)}px`;
      this.tooltip.style.top = `${event.clientY - rect.top + 14}px`;
    }

    list() {
      const body = this.table.tBodies[0];
      body.replaceChildren();
      for (const entry of heaviest(this.root, 25)) {
        const row = body.insertRow();
        row.dataset.function = entry.name;
        row.dataset.self = String(entry.self);
        row.dataset.total = String(entry.total);
        row.insertCell().textContent = entry.name;
        const where = row.insertCell();
        where.className = 'where';
        // The file's name is enough to read; the whole URL is in the tooltip.
        where.textContent = entry.url ? `${entry.url.split('/').pop()}:${entry.line}` : '';
        if (entry.url) where.title = `${entry.url}:${entry.line}`;
        const self = row.insertCell();
        self.className = 'num';
        self.textContent = this.format(entry.self);
        const total = row.insertCell();
        total.className = 'num';
        total.textContent = this.format(entry.total);
      }
    }
  }

  ME.flame = { fromCpuProfile, fromHeapProfile, heaviest, FlameGraph };
})((window.ME = window.ME || {}));
