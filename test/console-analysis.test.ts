import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { startSidecar, type Sidecar } from './helpers/cli.js';
import { startFixture, type Fixture } from './helpers/fixture.js';
import { eventually, request } from './helpers/http.js';

const CHROMIUM = '/usr/bin/chromium';
// The page's globals, as seen from callbacks that run in it (this project compiles without the DOM library).
declare const document: any;

/**
 * The console's report of stored heap snapshots, driven in real headless Chromium through a sidecar, where
 * the analysis runs: two snapshots stored with 777 GrowingRecord made between them; the report of the second
 * (summary table, suspects with their paths) and the growth from the first to the second, read as a person
 * sees them and photographed (into a temporary directory; CONSOLE_SHOTS_DIR keeps a copy).
 */
describe('console: the report and the diff of stored heap snapshots (sidecar)', () => {
  let app: Fixture;
  let sidecar: Sidecar;
  let browser: Browser;
  let profileDir: string;
  let shots: string;
  let page: Page;
  const ids: string[] = [];

  /** Schedules a heap snapshot into the sidecar's store and waits until it is ready. */
  async function storedSnapshot(): Promise<string> {
    const job = (await request(`${sidecar.url}/heapsnapshot?delay=1`, { token: sidecar.token })).json();
    assert.match(job.id, /\S/);
    await eventually(async () => (await request(`${sidecar.url}/dumps/${job.id}`, { token: sidecar.token })).json().status === 'ready' || undefined, 120_000, `dump ${job.id} to be ready`);
    return job.id as string;
  }

  before(async () => {
    app = await startFixture({ mode: 'plain', nodeArgs: ['--inspect=127.0.0.1:0'] });
    sidecar = await startSidecar(['--target', `127.0.0.1:${app.inspectorPort}`]);
    ids.push(await storedSnapshot());
    await app.command({ cmd: 'series-phase', count: 1 }, 'series-phase');
    ids.push(await storedSnapshot());
    profileDir = mkdtempSync(join(tmpdir(), 'me-chromium-'));
    shots = mkdtempSync(join(tmpdir(), 'me-shots-'));
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      userDataDir: profileDir,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    await page.goto(`${sidecar.url}/console`, { waitUntil: 'load' });
    await page.type('#token', sidecar.token);
    await page.click('#sign-in-form button[type="submit"]');
    await page.waitForSelector('body[data-ready="true"]');
    await page.waitForSelector(`#dump-table tbody tr[data-id="${ids[1]}"][data-status="ready"]`);
  });

  after(async () => {
    await browser?.close();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
    if (shots) rmSync(shots, { recursive: true, force: true });
    await sidecar?.stop();
    await app?.stop();
  });

  async function photograph(name: string): Promise<void> {
    const file = join(shots, name);
    await page.$eval('#dump-analysis', (el: any) => el.scrollIntoView());
    await page.screenshot({ path: file, fullPage: false });
    if (process.env.CONSOLE_SHOTS_DIR) await page.screenshot({ path: join(process.env.CONSOLE_SHOTS_DIR, name), fullPage: false });
  }

  test('Analyze shows the summary table, the suspects with their retainer paths, and the planted objects', async () => {
    await page.click(`#dump-table tbody tr[data-id="${ids[1]}"] button[data-action="analyze"]`);
    await page.waitForSelector('#dump-analysis[data-kind="report"]:not([hidden])', { timeout: 120_000 });
    const rows = await page.$$eval('#dump-analysis table.report-classes tbody tr', (trs: any[]) => trs.map((tr) => [...tr.cells].map((td: any) => td.textContent)));
    assert.ok(rows.length >= 5, 'a summary table');
    const growing = rows.find((row) => row[0] === 'GrowingRecord');
    assert.ok(growing === undefined || growing[1] === '777', 'counts as the snapshot has them');
    const suspects = await page.$$eval('#dump-analysis .report-suspects li', (items: any[]) => items.map((li) => ({ text: li.textContent, path: li.querySelector('.path')?.textContent })));
    assert.ok(suspects.length > 0, 'suspects are listed');
    for (const suspect of suspects) assert.match(suspect.path ?? '', /^\(GC roots\) > /, 'each with its path from the GC roots');
    assert.match(await page.$eval('#dumps-result', (el: any) => el.textContent), new RegExp(`Analyzed ${ids[1]}`));
    await photograph('console-heap-report.png');
  });

  test('Compare shows the growth by constructor between two stored snapshots: the 777 GrowingRecord made between them', async () => {
    await page.select('#diff-base', ids[0]!);
    await page.select('#diff-target', ids[1]!);
    await page.click('#diff-submit');
    await page.waitForSelector('#dump-analysis[data-kind="growth"]:not([hidden])', { timeout: 120_000 });
    const rows = await page.$$eval('#dump-analysis table.report-growth tbody tr', (trs: any[]) => trs.map((tr) => [...tr.cells].map((td: any) => td.textContent)));
    const growing = rows.find((row) => row[0] === 'GrowingRecord');
    assert.deepEqual(growing?.slice(0, 2), ['GrowingRecord', '+777'], JSON.stringify(rows.slice(0, 5)));
    for (const row of rows) assert.ok(row[1]!.startsWith('+') || row[2]!.startsWith('+'), `${row[0]} grew`);
    await photograph('console-heap-growth.png');
  });

  test('the API refuses an id that is no heap snapshot, and a base that does not exist', async () => {
    const missing = await request(`${sidecar.url}/dumps/${ids[1]}/analysis?base=nope`, { token: sidecar.token });
    assert.equal(missing.status, 404);
    const reader = await request(`${sidecar.url}/dumps/${ids[1]}/analysis`, { token: 'not-a-token-0123456789abcdefgh' });
    assert.equal(reader.status, 401);
  });
});
