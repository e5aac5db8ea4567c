import type { Node } from 'acorn';

/** Calls `each` on every node of acorn's tree under `node`, parents before children, with its parent. */
export function visit(node: Node, parent: Node | undefined, each: (node: Node, parent: Node | undefined) => void): void {
  each(node, parent);
  for (const value of Object.values(node)) {
    if (Array.isArray(value)) {
      for (const item of value) if (isNode(item)) visit(item, node, each);
    } else if (isNode(value)) {
      visit(value, node, each);
    }
  }
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}
