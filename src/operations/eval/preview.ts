/**
 * A bounded, JSON-ready picture of a value in the target, built by `buildPreview` inside the target
 * itself (its source is sent with the expression), so only the capped picture crosses the protocol:
 * a 1 GB string, a million-element array or `globalThis` answer in a few kilobytes.
 *
 * Why not the protocol's RemoteObject and Runtime.getProperties: they carry every primitive in full
 * (a string property of any length, every index of an array), so the size could not be capped.
 */
export interface PreviewLimits {
  /** Nesting shown: 0 shows the value's own kind and size only. */
  depth: number;
  /** Properties, elements or entries shown per object. */
  properties: number;
  /** Characters of the top-level string shown. */
  topStringLength: number;
  /** Characters of any nested string, key or function source shown. */
  stringLength: number;
  /** Rough characters of the whole picture; past it, objects are shown collapsed. */
  totalChars: number;
  /**
   * List property names only, reading no value: the fallback for objects whose values V8 cannot read
   * without a possible side effect (native accessors such as `process.ppid` look like data properties).
   */
  namesOnly?: boolean;
}

export const DEFAULT_PREVIEW_LIMITS: PreviewLimits = { depth: 2, properties: 100, topStringLength: 16_384, stringLength: 1_024, totalChars: 64 * 1024 };

export interface PreviewNode {
  type: 'string' | 'number' | 'bigint' | 'boolean' | 'undefined' | 'symbol' | 'function' | 'object';
  /** Strings, finite numbers, booleans, null. */
  value?: string | number | boolean | null;
  /** Numbers JSON cannot carry (NaN, -0, Infinity), bigints, symbols, functions, dates, errors. */
  description?: string;
  /** A string's or array's full length, a Map's or Set's size. */
  length?: number;
  size?: number;
  /** The string or the list of properties was cut. */
  truncated?: boolean;
  className?: string;
  subtype?: 'null' | 'array' | 'map' | 'set' | 'date' | 'error' | 'typedarray';
  /** Each property's value, or how it is read (an accessor is never called); names only in a names-only picture. */
  properties?: Array<{ name: string; value?: PreviewNode; accessor?: 'getter' | 'setter' | 'getter/setter' }>;
  entries?: Array<{ key?: PreviewNode; value: PreviewNode }>;
  /** Properties not shown (beyond the count, or beyond the total size). */
  omitted?: number;
  /** Not expanded: deeper than the depth limit, or past the total size. */
  collapsed?: boolean;
  /** The object is one of its own ancestors in this picture. */
  circular?: boolean;
}

/**
 * Runs in the target, under V8's side-effect check in read-only mode: it only reads (property
 * descriptors, never getters; brand checks through built-in getters, never `instanceof` or
 * Symbol.toStringTag) and builds new objects of its own. It must stay self-contained: its source text
 * is what is sent.
 */
export function buildPreview(root: unknown, limits: PreviewLimits): string {
  const gopd = Object.getOwnPropertyDescriptor;
  const getProto = Object.getPrototypeOf;
  const ownKeys = Reflect.ownKeys;
  const fnToString = Function.prototype.toString;
  const mapSize = gopd(Map.prototype, 'size')!.get!;
  const setSize = gopd(Set.prototype, 'size')!.get!;
  const mapEntries = Map.prototype.entries;
  const setValues = Set.prototype.values;
  const dateTime = Date.prototype.getTime;
  const dateIso = Date.prototype.toISOString;
  const typedLength = gopd(getProto(Uint8Array.prototype), 'length')!.get!;
  let budget = limits.totalChars;
  const path: object[] = [];

  const brand = (getter: (this: unknown) => unknown, value: unknown): boolean => {
    try {
      getter.call(value);
      return true;
    } catch {
      return false;
    }
  };
  // No object spread, String#split or RegExp (not even its getters) here: V8 counts them as possible side effects.
  const text = (value: string, max: number): PreviewNode => {
    const cut = value.length > max;
    const shown = cut ? value.slice(0, max) : value;
    budget -= shown.length + 16;
    const result: PreviewNode = { type: 'string', value: shown };
    if (cut) {
      result.length = value.length;
      result.truncated = true;
    }
    return result;
  };
  const short = (value: string) => text(value, limits.stringLength).value as string;
  const className = (value: object): string => {
    try {
      const proto = getProto(value);
      if (proto === null) return 'Object';
      const ctor = gopd(proto, 'constructor');
      const name = ctor !== undefined && typeof ctor.value === 'function' ? gopd(ctor.value, 'name')?.value : undefined;
      return typeof name === 'string' && name !== '' ? short(name) : 'Object';
    } catch {
      return 'Object';
    }
  };
  const keyName = (key: string | symbol) => short(typeof key === 'symbol' ? String(key) : key);

  const node = (value: unknown, depth: number): PreviewNode => {
    budget -= 12;
    switch (typeof value) {
      case 'string':
        return text(value, depth === 0 ? limits.topStringLength : limits.stringLength);
      case 'number':
        return Number.isFinite(value) && !Object.is(value, -0) ? { type: 'number', value } : { type: 'number', description: Object.is(value, -0) ? '-0' : String(value) };
      case 'boolean':
        return { type: 'boolean', value };
      case 'undefined':
        return { type: 'undefined' };
      case 'bigint':
        return { type: 'bigint', description: `${short(String(value))}n` };
      case 'symbol':
        return { type: 'symbol', description: short(String(value)) };
      case 'function': {
        let source = 'function';
        try {
          source = fnToString.call(value);
        } catch {
          // a revoked proxy, say: its kind is enough
        }
        const newline = source.indexOf('\n');
        const head = newline < 0 ? source : source.slice(0, newline);
        return { type: 'function', className: className(value), description: short(head.length > 120 ? `${head.slice(0, 120)}…` : head) };
      }
    }
    if (value === null) return { type: 'object', subtype: 'null', value: null };
    const object = value as object;
    const result: PreviewNode = { type: 'object', className: className(object) };
    const isArray = Array.isArray(object);
    const isMap = !isArray && brand(mapSize, object);
    const isSet = !isArray && !isMap && brand(setSize, object);
    const isTyped = !isArray && !isMap && !isSet && ArrayBuffer.isView(object) && brand(typedLength, object);
    if (isArray) {
      result.subtype = 'array';
      result.length = (object as unknown[]).length;
    } else if (isMap) {
      result.subtype = 'map';
      result.size = mapSize.call(object) as number;
    } else if (isSet) {
      result.subtype = 'set';
      result.size = setSize.call(object) as number;
    } else if (isTyped) {
      result.subtype = 'typedarray';
      result.length = typedLength.call(object) as number;
    } else if (brand(dateTime, object)) {
      result.subtype = 'date';
      const time = dateTime.call(object) as number;
      result.description = Number.isNaN(time) ? 'Invalid Date' : (dateIso.call(object) as string);
      return result;
    } else if (!limits.namesOnly) {
      const stack = gopd(object, 'stack');
      const message = gopd(object, 'message');
      if (stack !== undefined && typeof stack.value === 'string' && message !== undefined) {
        result.subtype = 'error';
        result.description = short(stack.value);
      }
    }
    if (path.includes(object)) {
      result.circular = true;
      return result;
    }
    if (depth >= limits.depth || budget <= 0) {
      result.collapsed = true;
      return result;
    }
    path.push(object);
    try {
      let shown = 0;
      let total = 0;
      if ((isMap || isSet) && limits.namesOnly) {
        total = 0;
      } else if (isMap || isSet) {
        const entries: NonNullable<PreviewNode['entries']> = [];
        const iterator = (isMap ? mapEntries : setValues).call(object as Map<unknown, unknown>) as Iterator<unknown>;
        total = (result.size ?? 0);
        for (let step = iterator.next(); !step.done && shown < limits.properties && budget > 0; step = iterator.next(), shown++) {
          if (isMap) {
            const [key, entry] = step.value as [unknown, unknown];
            entries.push({ key: node(key, depth + 1), value: node(entry, depth + 1) });
          } else {
            entries.push({ value: node(step.value, depth + 1) });
          }
        }
        result.entries = entries;
      } else {
        const properties: NonNullable<PreviewNode['properties']> = [];
        const length = isArray || isTyped ? (result.length ?? 0) : 0;
        // Elements by index first, without listing a huge array's keys; then the other own keys.
        for (let index = 0; index < length && shown < limits.properties && budget > 0; index++, shown++) {
          if (limits.namesOnly) {
            properties.push(nameOnly(String(index)));
            continue;
          }
          const descriptor = gopd(object, index);
          properties.push(descriptor === undefined ? { name: String(index), value: { type: 'undefined' } } : describeProperty(String(index), descriptor, depth));
        }
        // The other own keys, unless the elements already filled the picture: a huge array's keys are never listed.
        let other: Array<string | symbol> = [];
        if (shown < limits.properties && budget > 0) {
          const keys = length > 0 ? ownKeys(object).filter((key) => !(typeof key === 'string' && String(Number(key) >>> 0) === key && Number(key) < length)) : ownKeys(object);
          other = isArray ? keys.filter((key) => key !== 'length') : keys;
        }
        for (const key of other) {
          if (shown >= limits.properties || budget <= 0) break;
          if (limits.namesOnly) {
            properties.push(nameOnly(keyName(key)));
            shown++;
            continue;
          }
          const descriptor = gopd(object, key);
          if (descriptor === undefined) continue;
          properties.push(describeProperty(keyName(key), descriptor, depth));
          shown++;
        }
        total = length + other.length;
        result.properties = properties;
      }
      if (total > shown) {
        result.omitted = total - shown;
        result.truncated = true;
      }
    } finally {
      path.pop();
    }
    return result;
  };

  const nameOnly = (name: string): NonNullable<PreviewNode['properties']>[number] => {
    budget -= name.length + 8;
    return { name };
  };

  const describeProperty = (name: string, descriptor: PropertyDescriptor, depth: number): NonNullable<PreviewNode['properties']>[number] => {
    budget -= name.length + 8;
    if ('value' in descriptor) return { name, value: node(descriptor.value, depth + 1) };
    return { name, accessor: descriptor.get && descriptor.set ? 'getter/setter' : descriptor.get ? 'getter' : 'setter' };
  };

  return JSON.stringify(node(root, 0));
}
