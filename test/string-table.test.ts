import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
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

test('the strings the table writes to its file are encrypted: no string is found there as written', () => {
  const table = new StringTable();
  const secrets: string[] = [];
  // 20,000 distinct secrets of about 400 bytes (8 MB): a block goes to the file as the table grows, the
  // rest when it is sealed.
  for (let i = 0; i < 20_000; i++) {
    const secret = `secret-${i}-${randomBytes(192).toString('hex')}`.slice(0, 400);
    secrets.push(secret);
    table.addString(secret);
  }
  table.seal();
  // The file is unlinked: it is found through this process's descriptors.
  const files = readdirSync('/proc/self/fd')
    .map((fd) => `/proc/self/fd/${fd}`)
    .filter((path) => {
      try {
        return readlinkSync(path).includes('heap-analysis-');
      } catch {
        return false;
      }
    });
  assert.equal(files.length, 1, 'one work file is open');
  const written = readFileSync(files[0]!);
  const bytes = secrets.reduce((sum, secret) => sum + Buffer.byteLength(secret), 0);
  assert.equal(written.length, bytes, "the file holds the strings' bytes");
  const text = written.toString('latin1');
  for (const secret of secrets) assert.ok(!text.includes(secret.slice(0, 40)), 'a secret is in the file as written');
  assert.ok(!text.includes('secret-'), 'no plain text is in the file');
  // And every string still reads back whole.
  secrets.forEach((secret, index) => assert.equal(table.get(index), secret));
  table.close();
  assert.equal(readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).includes('heap-analysis-');
    } catch {
      return false;
    }
  }).length, 0, 'closing the table closes its file');
});
