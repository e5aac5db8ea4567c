/**
 * The heap every heap snapshot scenario takes a picture of: many small objects, each with a number, a
 * short unique string and a small packed array of numbers, retained from a global. About 270 bytes of
 * heap per item, and a little more than that of snapshot JSON.
 */
export interface Item {
  id: number;
  name: string;
  values: number[];
}

const VALUES_PER_ITEM = 16;

export function buildSmallObjectHeap(count: number): Item[] {
  const items: Item[] = [];
  for (let i = 0; i < count; i++) {
    const values: number[] = [];
    for (let k = 0; k < VALUES_PER_ITEM; k++) values.push((i + k) % 1000);
    items.push({ id: i, name: `item-${i}`, values });
  }
  // On the global, so nothing can be optimized away and the snapshot sees it from a root.
  (globalThis as { benchItems?: Item[] }).benchItems = items;
  return items;
}
