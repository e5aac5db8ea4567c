// The profile the page holds, as gzipped pprof (profile.proto), encoded here so that "Download pprof"
// saves the very profile on screen rather than taking another. Mirrors the endpoint's own converter
// (src/operations/pprof/): the same sample types, functions deduplicated by name, file and position.
'use strict';
(function (ME) {
  class Writer {
    constructor() {
      this.bytes = [];
    }
    varint(value) {
      let v = BigInt.asUintN(64, BigInt(value));
      while (v >= 0x80n) {
        this.bytes.push(Number(v & 0x7fn) | 0x80);
        v >>= 7n;
      }
      this.bytes.push(Number(v));
    }
    tag(field, wire) {
      this.varint((field << 3) | wire);
    }
    int(field, value) {
      if (!value) return;
      this.tag(field, 0);
      this.varint(value);
    }
    bytesField(field, bytes) {
      this.tag(field, 2);
      this.varint(bytes.length);
      for (const b of bytes) this.bytes.push(b);
    }
    message(field, write) {
      const inner = new Writer();
      write(inner);
      this.bytesField(field, inner.bytes);
    }
    packed(field, values) {
      const inner = new Writer();
      for (const v of values) inner.varint(v);
      this.bytesField(field, inner.bytes);
    }
  }

  class Builder {
    constructor() {
      this.strings = [''];
      this.stringIds = new Map([['', 0]]);
      this.locations = new Map();
      this.samples = [];
    }
    string(text) {
      let id = this.stringIds.get(text);
      if (id === undefined) {
        id = this.strings.length;
        this.strings.push(text);
        this.stringIds.set(text, id);
      }
      return id;
    }
    location(callFrame) {
      const name = callFrame.functionName || '(anonymous)';
      const line = callFrame.lineNumber >= 0 ? callFrame.lineNumber + 1 : 0;
      const key = `${name}\u0000${callFrame.url}\u0000${line}\u0000${callFrame.columnNumber}`;
      let location = this.locations.get(key);
      if (!location) {
        location = { id: this.locations.size + 1, name: this.string(name), file: this.string(callFrame.url || ''), line };
        this.locations.set(key, location);
      }
      return location.id;
    }
    sample(stack, values) {
      this.samples.push({ stack, values });
    }
    async encode({ sampleTypes, period, timeNanos, durationNanos }) {
      const valueType = ([type, unit]) => (w) => {
        w.int(1, this.string(type));
        w.int(2, this.string(unit));
      };
      const w = new Writer();
      const types = sampleTypes.map(valueType);
      const periodType = valueType([period[0], period[1]]);
      for (const t of types) w.message(1, t);
      for (const s of this.samples) {
        w.message(2, (m) => {
          m.packed(1, s.stack);
          m.packed(2, s.values);
        });
      }
      for (const loc of this.locations.values()) {
        w.message(4, (m) => {
          m.int(1, loc.id);
          m.message(4, (l) => {
            l.int(1, loc.id);
            l.int(2, loc.line);
          });
        });
      }
      for (const loc of this.locations.values()) {
        w.message(5, (m) => {
          m.int(1, loc.id);
          m.int(2, loc.name);
          m.int(3, loc.name);
          m.int(4, loc.file);
          m.int(5, loc.line);
        });
      }
      for (const text of this.strings) w.bytesField(6, new TextEncoder().encode(text));
      w.int(9, timeNanos);
      w.int(10, durationNanos);
      w.message(11, periodType);
      w.int(12, period[2]);
      const raw = new Blob([new Uint8Array(w.bytes)]);
      return new Response(raw.stream().pipeThrough(new CompressionStream('gzip'))).blob();
    }
  }

  /** A .cpuprofile as pprof: one sample per distinct stack, valued in samples and CPU nanoseconds. */
  function cpuProfileToPprof(profile, intervalUs, startedAtMs) {
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const parents = new Map();
    for (const n of profile.nodes) for (const c of n.children || []) parents.set(c, n.id);
    const totals = new Map();
    (profile.samples || []).forEach((id, i) => {
      const t = totals.get(id) || { count: 0, nanos: 0 };
      t.count += 1;
      t.nanos += Math.max(0, (profile.timeDeltas || [])[i] ?? intervalUs) * 1000;
      totals.set(id, t);
    });
    const b = new Builder();
    for (const [id, total] of totals) {
      const stack = [];
      for (let at = id; at !== undefined; at = parents.get(at)) {
        const node = byId.get(at);
        if (parents.has(at) || node.callFrame.functionName !== '(root)') stack.push(b.location(node.callFrame));
      }
      b.sample(stack, [total.count, Math.round(total.nanos)]);
    }
    return b.encode({
      sampleTypes: [['samples', 'count'], ['cpu', 'nanoseconds']],
      period: ['cpu', 'nanoseconds', intervalUs * 1000],
      timeNanos: BigInt(Math.round(startedAtMs)) * 1000000n,
      durationNanos: Math.max(0, Math.round((profile.endTime - profile.startTime) * 1000)),
    });
  }

  /** A .heapprofile as pprof: live sampled objects and their bytes, by allocating stack. */
  function heapProfileToPprof(profile, intervalBytes, startedAtMs, durationMs) {
    const counts = new Map();
    for (const s of profile.samples || []) counts.set(s.nodeId, (counts.get(s.nodeId) || 0) + 1);
    const b = new Builder();
    const stack = [[profile.head, []]];
    while (stack.length > 0) {
      const [node, parentStack] = stack.pop();
      const own = node === profile.head ? parentStack : [b.location(node.callFrame), ...parentStack];
      if (node.selfSize > 0) b.sample(own, [counts.get(node.id) || 0, node.selfSize]);
      for (const child of node.children || []) stack.push([child, own]);
    }
    return b.encode({
      sampleTypes: [['objects', 'count'], ['space', 'bytes']],
      period: ['space', 'bytes', intervalBytes],
      timeNanos: BigInt(Math.round(startedAtMs)) * 1000000n,
      durationNanos: Math.round(durationMs * 1e6),
    });
  }

  ME.pprof = { cpuProfileToPprof, heapProfileToPprof };
})((window.ME = window.ME || {}));
