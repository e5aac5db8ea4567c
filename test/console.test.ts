import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { KEEP_FUNCTION_NAMES, startFixture, type Fixture } from './helpers/fixture.js';
import { eventually } from './helpers/http.js';
import { decodePprof } from './helpers/pprof.js';

/**
 * The web console driven in a real headless Chromium (Debian's `chromium`), one browser for the whole
 * file: sign-in, live charts that keep updating while the app's loop is blocked, a CPU profile drawn
 * as a flame graph, downloads, the dump store, scopes, and a page that breaks no CSP rule and talks to
 * no other origin. UPDATE_SCREENSHOT=1 rewrites docs/console.png from this run.
 */
const CHROMIUM = '/usr/bin/chromium';
// The page's globals, as seen from callbacks that run in it (this project compiles without the DOM library).
declare const document: any, window: any, sessionStorage: any;

const SCREENSHOT = new URL('../../docs/console.png', import.meta.url);

interface Watched {
  page: Page;
  violations: string[];
  foreignRequests: string[];
}

describe('web console in headless Chromium (worker mode)', () => {
  let app: Fixture;
  let browser: Browser;
  let profileDir: string;
  let downloads: string;
  let admin: Watched;
  const pages: Watched[] = [];

  before(async () => {
    app = await startFixture({ mode: 'worker', nodeArgs: KEEP_FUNCTION_NAMES, options: { rateLimit: { heavy: { limit: 100 } } } });
    profileDir = mkdtempSync(join(tmpdir(), 'me-chromium-'));
    downloads = mkdtempSync(join(tmpdir(), 'me-downloads-'));
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      userDataDir: profileDir,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const session = await browser.target().createCDPSession();
    await session.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });
    admin = await signedIn(app.tokens.admin);
  });

  after(async () => {
    await browser?.close();
    rmSync(profileDir, { recursive: true, force: true });
    rmSync(downloads, { recursive: true, force: true });
    await app?.stop();
  });

  /** A new tab (its own sessionStorage) on `{base}/`, as a browser asks for it, signed in with `token`. */
  async function signedIn(token: string): Promise<Watched> {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    const watched: Watched = { page, violations: [], foreignRequests: [] };
    pages.push(watched);
    const origin = new URL(app.url).origin;
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.origin !== origin && url.protocol !== 'blob:' && url.protocol !== 'data:') watched.foreignRequests.push(request.url());
    });
    page.on('console', (message) => {
      if (/Content.Security.Policy|Refused to/i.test(message.text())) watched.violations.push(message.text());
    });
    await page.exposeFunction('reportViolation', (text: string) => watched.violations.push(text));
    await page.evaluateOnNewDocument(() => {
      document.addEventListener('securitypolicyviolation', (event: any) => {
        window.reportViolation(`${event.violatedDirective} ${event.blockedURI}`);
      });
    });
    const response = await page.goto(`${app.url}/`, { waitUntil: 'load' });
    assert.equal(new URL(page.url()).pathname, '/ops/console', 'a browser asking for the index is sent to the console');
    assert.equal(response?.headers()['cache-control'], 'no-store');
    await page.type('#token', token);
    await page.click('#sign-in-form button[type="submit"]');
    await page.waitForSelector('body[data-ready="true"]');
    return watched;
  }

  const samplesOf = (page: Page) => page.$eval('#live', (el: any) => Number(el.dataset.samples));
  const lastSampleAt = (page: Page) => page.$eval('#live', (el: any) => Number(el.dataset.lastSampleAt ?? 0));

  test('the token lives in sessionStorage only and goes out as a bearer header', async () => {
    const { page } = admin;
    const stored = await page.evaluate(() => Object.values(sessionStorage));
    assert.deepEqual(stored, [app.tokens.admin]);
    assert.deepEqual(await page.cookies(), []);
    assert.ok(!page.url().includes(app.tokens.admin));
    assert.ok(!app.auditText().includes(app.tokens.admin));
    assert.match(await page.$eval('#who', (el: any) => el.textContent ?? ''), /admin/);
  });

  test('the charts receive points, and keep receiving them while the app loop is blocked for 10 s', async () => {
    const { page } = admin;
    await eventually(async () => (await samplesOf(page)) >= 3, 20_000, 'three samples');
    const plotted = await page.$$eval('.chart', (charts: any[]) => charts.map((c: any) => Number(c.dataset.points)));
    assert.ok(plotted.every((points) => points >= 3), `every chart plots the samples: ${plotted}`);
    assert.equal(await page.$eval('#tile-main-thread', (el: any) => el.dataset.state), 'responsive');

    // The page says blocked once three probe updates are missed (~3 s): the block lasts long enough past
    // that for two one-second samples to arrive and be read, even on a loaded machine.
    const { unblocked } = await app.block(10_000);
    let blockedUpdates = 0;
    const seen = new Set<number>();
    // While the loop spins, samples keep arriving and the page says the main thread is blocked.
    await eventually(async () => {
      const state = await page.$eval('#tile-main-thread', (el: any) => el.dataset.state);
      const at = await lastSampleAt(page);
      if (state === 'blocked' && !seen.has(at)) {
        seen.add(at);
        blockedUpdates += 1;
      }
      return blockedUpdates >= 2;
    }, 20_000, 'two samples while blocked');
    assert.match(await page.$eval('#main-thread-state', (el: any) => el.textContent ?? ''), /^BLOCKED for \d+ s$/);
    await unblocked;
    await eventually(async () => (await page.$eval('#tile-main-thread', (el: any) => el.dataset.state)) === 'responsive', 20_000, 'responsive again');
  });

  test("a 2 s CPU profile renders a flame graph in which the app's hot function spans most of the widest stack; it downloads as .cpuprofile and pprof", async () => {
    const { page } = admin;
    // Busy until told to rest, so the profile falls inside the work however late it starts.
    await app.command({ cmd: 'work', work: 'hot' }, 'working');
    await page.$eval('#cpu-seconds', (el: any) => (el.value = '2'));
    await page.click('#take-cpuprofile');
    await page.waitForSelector('#panel-profile-view:not([hidden]) #flame-frames tbody tr', { timeout: 30_000 });
    const frames = await page.$$eval('#flame-frames tbody tr', (rows: any[]) =>
      rows.map((row: any) => ({ name: row.dataset.function!, self: Number(row.dataset.self), total: Number(row.dataset.total) })),
    );
    // hotFunction's time is spent in the native hash it calls, so its own self time is small: what the
    // flame graph shows is its width (total), which spans most of the widest stack of the profile. V8's
    // pseudo-frames ((program), (garbage collector), (idle)) are not the app's code.
    const widest = Math.max(...frames.filter((frame) => !frame.name.startsWith('(')).map((frame) => frame.total));
    const hot = frames.find((frame) => frame.name === 'hotFunction');
    assert.ok(hot !== undefined && hot.total >= 0.5 * widest, JSON.stringify(frames.slice(0, 8)));
    assert.ok(Number(await page.$eval('#flame-canvas', (el: any) => el.dataset.frames)) > 3, 'the canvas drew frames');

    if (process.env.UPDATE_SCREENSHOT === '1') {
      await eventually(async () => (await samplesOf(page)) >= 20, 60_000, 'a screenful of samples');
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: SCREENSHOT.pathname as `${string}.png`, fullPage: true });
    }

    await page.click('#save-profile');
    const cpuprofile = await downloaded(/\.cpuprofile$/);
    const profile = JSON.parse(readFileSync(cpuprofile, 'utf8')) as { nodes: unknown[]; samples: number[] };
    assert.ok(profile.nodes.length > 1 && profile.samples.length > 0);
    await page.click('#save-pprof');
    const pprof = decodePprof(readFileSync(await downloaded(/\.cpu\.pb\.gz$/)));
    assert.deepEqual(pprof.sampleTypes, ['samples/count', 'cpu/nanoseconds']);
    const samples = pprof.samples.reduce((sum, sample) => sum + sample.values[0]!, 0);
    assert.equal(samples, profile.samples.length, 'the pprof holds the same samples as the .cpuprofile');
    assert.ok(pprof.samples.some((sample) => sample.stack.some((frame) => frame.name === 'hotFunction')));
    await app.command({ cmd: 'rest' }, 'rested');
  });

  test('a heap snapshot download completes and parses', async () => {
    const { page } = admin;
    await page.click('#take-snapshot');
    const file = await downloaded(/\.heapsnapshot$/, 60_000);
    const snapshot = JSON.parse(readFileSync(file, 'utf8')) as { snapshot: { meta: { node_fields: string[] }; node_count: number } };
    assert.ok(snapshot.snapshot.meta.node_fields.includes('name'));
    assert.ok(snapshot.snapshot.node_count > 1000);
    assert.match(await page.$eval('#panel-heapsnapshot .result', (el: any) => el.textContent ?? ''), /^Saved .+\.heapsnapshot/);
  });

  test('a scheduled dump appears in the list and can be deleted', async () => {
    const { page } = admin;
    await page.select('#schedule-kind', 'cpuprofile');
    await page.select('#schedule-trigger', 'delay');
    await page.$eval('#schedule-value', (el: any) => (el.value = '10m'));
    await page.click('#schedule-submit');
    const row = await page.waitForSelector('#dump-table tbody tr[data-status="scheduled"]');
    const id = await row!.evaluate((el: any) => el.dataset.id!);
    assert.match(await page.$eval('#dumps-result', (el: any) => el.textContent ?? ''), new RegExp(`Scheduled cpuprofile ${id}`));
    await page.click(`#dump-table tbody tr[data-id="${id}"] button[data-action="cancel"]`);
    await page.waitForFunction((dumpId) => !document.querySelector(`#dump-table tbody tr[data-id="${dumpId}"]`), {}, id);
    assert.match(await page.$eval('#dumps-result', (el: any) => el.textContent ?? ''), /^Removed cpuprofile/);
  });

  test('a read-only token sees the heavy actions disabled; a token without read sees the live view disabled', async () => {
    const reader = await signedIn(app.tokens.reader);
    const disabled = (selector: string) => reader.page.$eval(selector, (el: any) => el.disabled);
    for (const heavy of ['#take-snapshot', '#take-cpuprofile', '#take-heapprofile', '#run-gc', '#refresh-stack']) {
      assert.equal(await disabled(heavy), true, `${heavy} is disabled`);
      assert.match(await reader.page.$eval(heavy, (el: any) => el.title), /Needs the "(heap|profile)" scope/);
    }
    assert.equal(await disabled('#get-leaks'), false);
    assert.equal(await disabled('#get-report'), false);
    await eventually(async () => (await samplesOf(reader.page)) >= 1, 20_000, 'samples for the reader');

    const heapOnly = await signedIn(app.tokens.heap);
    assert.equal(await heapOnly.page.$eval('#live-disabled', (el: any) => el.hidden), false);
    assert.equal(await heapOnly.page.$eval('#take-snapshot', (el: any) => el.disabled), false);
    assert.equal(await heapOnly.page.$eval('#refresh-dumps', (el: any) => el.disabled), true);
    await reader.page.close();
    await heapOnly.page.close();
  });

  test('no page broke a CSP rule or asked another origin for anything', () => {
    for (const watched of pages) {
      assert.deepEqual(watched.violations, []);
      assert.deepEqual(watched.foreignRequests, []);
    }
  });

  /** The path of the one finished download matching `pattern` (Chromium writes `.crdownload` until done). */
  async function downloaded(pattern: RegExp, timeoutMs = 30_000): Promise<string> {
    const name = await eventually(async () => readdirSync(downloads).find((file) => pattern.test(file)), timeoutMs, `a download matching ${pattern}`);
    return join(downloads, name);
  }
});
