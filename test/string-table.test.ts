import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StringTable } from '../src/heapsnapshot/string-table.js';

test('the string table keeps strings across its 16 MiB blocks: one that runs over a block end reads whole', () => {
  const table = new StringTable();
  const strings: string[] = [];
  // 3 MiB strings of distinct multi-byte text: the sixth runs over the first block's end.
  for (let i = 0; i < 8; i++) {
    const text = `${i}-${'é'.repeat(1_572_864 - 2)}`;
    strings.push(text);
    table.addString(text);
  }
  table.addString('');
  table.addBytes(Buffer.from('tail'), 0, 4);
  strings.push('', 'tail');
  assert.equal(table.count, strings.length);
  strings.forEach((text, index) => {
    assert.equal(table.get(index), text, `string ${index}`);
    assert.equal(table.byteLengthOf(index), Buffer.byteLength(text));
    assert.equal(table.firstByte(index), text === '' ? -1 : Buffer.from(text)[0]);
  });
  assert.equal(table.get(strings.length), '', 'past the end reads empty');
});
