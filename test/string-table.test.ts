import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StringTable } from '../src/heapsnapshot/string-table.js';

test('the string table keeps strings across its 4 MiB blocks: one that runs over a block end reads whole', () => {
  const table = new StringTable();
  const strings: string[] = [];
  // 3 MiB strings of distinct multi-byte text: the second runs over the first block's end, and the
  // blocks before the last go to the file as the table grows.
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
  // Sealed, the last block goes to the file too: every string reads the same from there.
  table.seal();
  strings.forEach((text, index) => assert.equal(table.get(index), text, `string ${index} once sealed`));
  // In descending order, so the read window moves back each time.
  for (let index = strings.length - 1; index >= 0; index--) assert.equal(table.get(index), strings[index], `string ${index} read backwards`);
  table.close();
});

test('the string table reads short strings back from its file in any order, across block ends', () => {
  const table = new StringTable();
  const strings: string[] = [];
  // 60,000 strings of 2 to 1,200 bytes, ASCII and multi-byte: about 23 MiB, so five blocks go to the
  // file while the table grows and the last when it is sealed; some run over a block's end.
  for (let i = 0; i < 60_000; i++) {
    const text = `${i}:${(i % 3 === 0 ? 'ü' : 'x').repeat((i * 7919) % 600)}`;
    strings.push(text);
    table.addString(text);
  }
  table.seal();
  assert.equal(table.count, strings.length);
  // A fixed pseudo-random order: the window moves forwards and backwards.
  for (let k = 0, index = 0; k < strings.length; k++, index = (index + 7_717) % strings.length) {
    assert.equal(table.get(index), strings[index], `string ${index}`);
    assert.equal(table.firstByte(index), Buffer.from(strings[index]!)[0]);
  }
  strings.forEach((text, index) => assert.equal(table.get(index), text, `string ${index} in order`));
  table.close();
});
