/**
 * Renders the endpoint's value previews (the `result` of POST /eval) the way Node's REPL shows values:
 * `{ a: 1, list: [ 1, 2, … 98 more ] }`, `Map(3) { 'k' => 1 }`, `'text…' (1048576 characters)`.
 */
export interface Preview {
  type: string;
  value?: unknown;
  description?: string;
  length?: number;
  size?: number;
  truncated?: boolean;
  className?: string;
  subtype?: string;
  properties?: Array<{ name: string; value?: Preview; accessor?: string }>;
  entries?: Array<{ key?: Preview; value: Preview }>;
  omitted?: number;
  collapsed?: boolean;
  circular?: boolean;
}

export function formatPreview(node: Preview, top = true): string {
  switch (node.type) {
    case 'string': {
      const quoted = top ? JSON.stringify(node.value) : `'${String(node.value).replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
      return node.truncated ? `${quoted}… (${node.length} characters)` : quoted;
    }
    case 'number':
    case 'boolean':
      return node.description ?? String(node.value);
    case 'undefined':
      return 'undefined';
    case 'bigint':
    case 'symbol':
      return node.description ?? node.type;
    case 'function':
      return `[Function: ${node.description ?? 'anonymous'}]`;
  }
  if (node.subtype === 'null') return 'null';
  if (node.circular) return '[Circular]';
  const name = node.className ?? 'Object';
  if (node.subtype === 'date') return node.description ?? 'Date';
  if (node.subtype === 'error' && node.collapsed) return `[${node.description?.split('\n')[0] ?? name}]`;
  const label =
    node.subtype === 'array' ? (name === 'Array' ? '' : `${name}(${node.length}) `)
    : node.subtype === 'map' || node.subtype === 'set' ? `${name}(${node.size}) `
    : node.subtype === 'typedarray' ? `${name}(${node.length}) `
    : name === 'Object' ? ''
    : `${name} `;
  if (node.collapsed) return node.subtype === 'array' ? `[Array(${node.length})]` : `[${label.trim() || 'Object'}]`;
  const more = node.omitted ? [`… ${node.omitted} more`] : [];
  if (node.entries !== undefined) {
    const items = node.entries.map((entry) => (entry.key === undefined ? formatPreview(entry.value, false) : `${formatPreview(entry.key, false)} => ${formatPreview(entry.value, false)}`));
    return `${label}{ ${[...items, ...more].join(', ')} }`.replace('{  }', '{}');
  }
  const items = (node.properties ?? []).map((property) => {
    const key = /^[A-Za-z_$][\w$]*$/.test(property.name) ? property.name : `'${property.name}'`;
    if (property.value !== undefined) return node.subtype === 'array' || node.subtype === 'typedarray' ? formatPreview(property.value, false) : `${key}: ${formatPreview(property.value, false)}`;
    if (property.accessor !== undefined) return `${key}: [${property.accessor === 'getter/setter' ? 'Getter/Setter' : property.accessor === 'getter' ? 'Getter' : 'Setter'}]`;
    return key;
  });
  const [open, close] = node.subtype === 'array' || node.subtype === 'typedarray' ? ['[', ']'] : ['{', '}'];
  const body = [...items, ...more];
  return body.length === 0 ? `${label}${open}${close}` : `${label}${open} ${body.join(', ')} ${close}`;
}
