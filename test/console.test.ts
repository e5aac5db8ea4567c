import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'puppeteer-core';
import { launchChromium } from './helpers/chromium.js';
import { KEEP_FUNCTION_NAMES, startFixture, type Fixture } from './helpers/fixture.js';
import { eventually } from './helpers/http.js';
import { decodePprof } from './helpers/pprof.js';

/**
 * The web console driven in a real headless Chromium (Debian's `chromium`), one browser for the whole
 * file: sign-in, live charts that keep updating while the app's loop is blocked, a CPU profile drawn
 * as a flame graph, downloads, the dump store, scopes, and a page that breaks no CSP rule and talks to
 * no other origin. The leak card, the leak tile, the snapshot estimate and the eval and commands panels
 * are read as a person sees them and photographed at 1280x800 (into a temporary directory; set
 * CONSOLE_SHOTS_DIR to keep a copy there). UPDATE_SCREENSHOT=1 rewrites docs/console.png from this run.
 */
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
  let shots: string;
  let admin: Watched;
  const pages: Watched[] = [];

  before(async () => {
    // The flame graph and the leak card are checked for the fixture's function names: no inlining may credit their callers.
    app = await startFixture({
      mode: 'worker',
      // A rule that never fires here (no test blocks the loop for a minute), for the rules panel.
      options: { rateLimit: { heavy: { limit: 100 } }, eval: { enabled: true }, rules: [{ name: 'long-stall', when: { loopBlockedMs: 60_000 }, do: ['stack', { cpuprofile: { seconds: 2 } }] }] },
      nodeArgs: KEEP_FUNCTION_NAMES,
    });
    profileDir = mkdtempSync(join(tmpdir(), 'me-chromium-'));
    downloads = mkdtempSync(join(tmpdir(), 'me-downloads-'));
    shots = mkdtempSync(join(tmpdir(), 'me-shots-'));
    browser = await launchChromium(profileDir, downloads);
    admin = await signedIn(app.tokens.admin);
  });

  after(async () => {
    await browser?.close();
    rmSync(profileDir, { recursive: true, force: true });
    rmSync(downloads, { recursive: true, force: true });
    rmSync(shots, { recursive: true, force: true });
    await app?.stop();
  });

  /** A new tab (its own sessionStorage) on `{base}/` of `fixture`, as a browser asks for it, signed in with `token`. */
  async function signedIn(token: string, fixture: Fixture = app): Promise<Watched> {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    const watched: Watched = { page, violations: [], foreignRequests: [] };
    pages.push(watched);
    const origin = new URL(fixture.url).origin;
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
    const response = await page.goto(`${fixture.url}/`, { waitUntil: 'load' });
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
    // The threads chart has a cadence of its own (GET /threads every 3 s): console-threads.test.ts reads it.
    const plotted = await page.$$eval('.chart:not(#chart-threads)', (charts: any[]) => charts.map((c: any) => Number(c.dataset.points)));
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
    // hotFunction's time is spent in the native hash it calls, so its own self time is small, often none
    // (the table then lists it among the widest frames without self time): what the flame graph shows is
    // its width (total), which spans most of the widest stack of the profile. V8's pseudo-frames
    // ((program), (garbage collector), (idle)) are not the app's code.
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

  /** The text of the first element matching `selector`, as the page shows it. */
  const textOf = (page: Page, selector: string) => page.$eval(selector, (el: any) => (el.textContent ?? '') as string);

  /**
   * A 1280x800 picture of the page scrolled to `selector`, checked to be a PNG of that width; kept in
   * CONSOLE_SHOTS_DIR as well when it is set, for a person to look at.
   */
  async function photograph(page: Page, name: string, selector: string): Promise<void> {
    await page.setViewport({ width: 1280, height: 800 });
    await page.$eval(selector, (el: any) => el.scrollIntoView({ block: 'start' }));
    const path = join(shots, `${name}.png`) as `${string}.png`;
    await page.screenshot({ path });
    const png = readFileSync(path);
    assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
    assert.equal(png.readUInt32BE(16), 1280, 'the picture is 1280 pixels wide');
    assert.equal(png.readUInt32BE(20), 800, 'and 800 high');
    if (process.env.CONSOLE_SHOTS_DIR) {
      mkdirSync(process.env.CONSOLE_SHOTS_DIR, { recursive: true });
      copyFileSync(path, join(process.env.CONSOLE_SHOTS_DIR, `${name}.png`));
    }
  }

  /** Characters per rendered line of an element: a path squeezed into a narrow column has one or two. */
  const charactersPerLine = (page: Page, selector: string) =>
    page.$eval(selector, (el: any) => {
      const lineHeight = parseFloat(window.getComputedStyle(el).lineHeight) || 16;
      const lines = Math.max(1, Math.round(el.getBoundingClientRect().height / lineHeight));
      return (el.textContent ?? '').length / lines;
    });

  test('the snapshot estimate reads as a sentence: what a snapshot would need, what is free, whether it fits', async () => {
    const { page } = admin;
    const estimate = await textOf(page, '#snapshot-estimate');
    assert.match(estimate, /^A snapshot now would need about \d+(\.\d)? (KiB|MiB|GiB) more memory at its peak; (only )?\d+(\.\d)? (MiB|GiB|TiB) free [A-Za-z.' -]+(: it fits\.|: the endpoint would refuse it)/, estimate);
    assert.doesNotMatch(estimate, /estimateBytes|availableBytes|Estimate:|\{/);
  });

  test('the dashboard shows the leak verdict at a glance, its reason on hover, updated live', async () => {
    const { page } = admin;
    const verdictsSeen = () => page.$eval('#live', (el: any) => Number(el.dataset.verdicts ?? 0));
    const first = await eventually(async () => ((await verdictsSeen()) >= 1 ? verdictsSeen() : undefined), 20_000, 'a verdict on the stream');
    await eventually(async () => (await verdictsSeen()) > first, 20_000, 'a newer verdict on the stream');
    const tile = await page.$eval('#tile-leak', (el: any) => ({ verdict: el.dataset.verdict, title: el.title, word: el.querySelector('.tile-value').textContent, note: el.querySelector('.tile-note').textContent }));
    const words: Record<string, string> = { leak: 'Leak', 'no-leak': 'No leak', 'insufficient-data': 'Undecided' };
    assert.equal(tile.word, words[tile.verdict], JSON.stringify(tile));
    const colours: Record<string, string> = { leak: '--danger', 'no-leak': '--ok', 'insufficient-data': '--warn' };
    assert.equal(await colourOf(page, '#tile-leak .tile-value'), await themeColour(page, colours[tile.verdict]!), `the ${tile.verdict} colour`);
    assert.ok(tile.title.length > 20, `the reason is on hover: ${tile.title}`);
    assert.ok(tile.note.length > 5, `a short line under the word: ${tile.note}`);
    await photograph(page, 'dashboard', '#live');
  });

  test('the leak card says the verdict word and its reason, what is ruled out in words, the floors as a chart and table, and readable call paths', async () => {
    const { page } = admin;
    const work = await app.work('allocate');
    try {
      await page.$eval('#leak-seconds', (el: any) => (el.value = '3'));
      await page.click('#get-leaks');
      await page.waitForSelector('#leak-view .site-path', { timeout: 60_000 });
    } finally {
      await work.rest();
    }
    const word = await textOf(page, '#leak-view .leak-word');
    const verdict = await page.$eval('#leak-view .leak-verdict', (el: any) => el.dataset.verdict as string);
    assert.equal(word, { leak: 'Leak', 'no-leak': 'No leak', 'insufficient-data': 'Undecided' }[verdict]);
    assert.ok((await textOf(page, '#leak-view .leak-reason')).length > 20);
    const card = await textOf(page, '#leak-view');
    assert.doesNotMatch(card, /Leak suspected|\{"|"secondsAgo"|\[object/);
    if (verdict !== 'leak') assert.match(await textOf(page, '#leak-view .leak-ruled-out'), /^(Ruled out|Nothing is ruled out)/);
    // The floors: a point per floor on the chart, the newest in the table, in bytes a person reads.
    const floors = await page.$$eval('#leak-view .sparkline circle', (dots: any[]) => dots.length);
    assert.ok(floors >= 1, 'the chart draws the floors');
    const rows = await page.$$eval('#leak-view .floors-table tbody tr', (trs: any[]) => trs.map((tr: any) => tr.textContent as string));
    assert.equal(rows.length, Math.min(floors, 8));
    for (const row of rows) assert.match(row, /^\d+ s ago\d+(\.\d)? (KiB|MiB|GiB)\d+(\.\d)? (KiB|MiB|GiB)$/);
    // The call path reads as text across the panel, and the whole of it is on hover.
    const path = await page.$eval('#leak-view .site-path', (el: any) => ({ text: el.textContent as string, title: el.title as string, width: el.getBoundingClientRect().width as number }));
    assert.ok(path.width > 400, `the path has room: ${path.width} px`);
    assert.ok((await charactersPerLine(page, '#leak-view .site-path')) > 30, path.text);
    assert.match(path.text, /^called from /);
    assert.ok(path.title.split('\n← ').length >= path.text.split(' ← ').length, 'the tooltip holds the whole path, the site included');
    assert.ok((await textOf(page, '#leak-view')).includes('allocatingFunction'), 'the retaining function is named');
    await photograph(page, 'leak-card', '#panel-leaks');
  });

  test('the eval panel posts an expression and shows its preview, a thrown error, or the API error', async () => {
    const { page } = admin;
    assert.equal(await page.$eval('#panel-eval', (el: any) => el.hidden), false);
    assert.equal(await page.$eval('#eval-disabled', (el: any) => el.hidden), true);
    const evaluate = async (expression: string) => {
      await page.$eval('#eval-expression', (el: any, value: string) => (el.value = value), expression);
      await page.click('#run-eval');
      await page.waitForFunction(() => document.querySelector('#panel-eval').getAttribute('aria-busy') === null && document.querySelector('#panel-eval .result').textContent !== '');
      return { result: await textOf(page, '#panel-eval .result'), output: await textOf(page, '#eval-output') };
    };
    const value = await evaluate('appConfig');
    assert.match(value.result, /^Evaluated in \d+ ms\./);
    assert.match(value.output, /region: "eu-west-1"/);
    assert.match(value.output, /newCheckout: false/);
    const thrown = await evaluate('1 +');
    assert.match(thrown.output, /^Uncaught SyntaxError: /);
    const refused = await evaluate('x'.repeat(100_001));
    assert.match(refused.result, /^400 [A-Z_]+: .*expression/);
    // Markup in a value is shown as text, never parsed.
    const injected = await evaluate(`({ '<img src=x onerror="window.injected=1">': '<script>window.injected=2</script>' })`);
    assert.ok(injected.output.includes('<img src=x onerror="window.injected=1">'), injected.output);
    assert.ok(injected.output.includes('<script>window.injected=2</script>'));
    assert.equal(await page.$$eval('#eval-output img, #eval-output script', (found: any[]) => found.length), 0);
    assert.equal(await page.evaluate(() => window.injected), undefined);
    await evaluate('appConfig');
    await photograph(page, 'eval', '#panel-eval');
  });

  test("the commands panel has a form per command built from its declared parameters, and shows each answer or error", async () => {
    const { page } = admin;
    const names = await page.$$eval('#command-list form.command', (forms: any[]) => forms.map((form: any) => form.dataset.command));
    assert.deepEqual(names, ['cache-clear', 'flag-set', 'thread', 'fail', 'ping', 'echo', 'quick-timeout']);
    const form = (name: string) => `#command-list form[data-command="${name}"]`;
    // flag-set: an enum becomes a list of its values, a required boolean a true/false list.
    assert.deepEqual(await page.$$eval(`${form('flag-set')} select[data-parameter="name"] option`, (options: any[]) => options.map((o: any) => o.value)), ['newCheckout', 'darkMode']);
    assert.deepEqual(await page.$$eval(`${form('flag-set')} select[data-parameter="value"] option`, (options: any[]) => options.map((o: any) => o.value)), ['true', 'false']);
    assert.deepEqual(await page.$eval(`${form('echo')} input[data-parameter="times"]`, (el: any) => [el.type, el.min, el.max, el.step]), ['number', '1', '3', '1']);
    const run = async (name: string) => {
      await page.click(`${form(name)} button[type="submit"]`);
      await page.waitForFunction((selector: string) => document.querySelector(selector).getAttribute('aria-busy') === null && document.querySelector(`${selector} .result`).textContent !== '', {}, form(name));
      return { result: await textOf(page, `${form(name)} .result`), output: await textOf(page, `${form(name)} .command-output`) };
    };
    await page.select(`${form('flag-set')} select[data-parameter="name"]`, 'newCheckout');
    await page.select(`${form('flag-set')} select[data-parameter="value"]`, 'true');
    const set = await run('flag-set');
    assert.equal(set.result, 'flag-set ran.');
    assert.deepEqual(JSON.parse(set.output), { newCheckout: true, darkMode: true });
    assert.match((await run("fail")).result, /^\d{3} [A-Z_]+: .*unreachable/);
    // What the app answers is shown as text, markup included.
    const markup = '<img src=x onerror="window.injected=3"><script>window.injected=4</script>';
    await page.type(`${form('echo')} input[data-parameter="text"]`, markup);
    await page.type(`${form('echo')} input[data-parameter="times"]`, '2');
    const echoed = await run('echo');
    assert.deepEqual(JSON.parse(echoed.output), { text: markup.repeat(2) });
    assert.equal(await page.$$eval('#command-list img, #command-list script', (found: any[]) => found.length), 0);
    assert.equal(await page.evaluate(() => window.injected), undefined);
    await photograph(page, 'commands', '#panel-commands');
  });

  test('a token without the eval scope sees the eval panel disabled with the reason; commands follow their own scopes', async () => {
    const reader = await signedIn(app.tokens.reader);
    const { page } = reader;
    await page.waitForSelector('#command-list form.command');
    assert.equal(await page.$eval('#panel-eval', (el: any) => el.hidden), false);
    assert.equal(await page.$eval('#run-eval', (el: any) => el.disabled), true);
    assert.equal(await page.$eval('#eval-expression', (el: any) => el.disabled), true);
    assert.equal(await textOf(page, '#eval-disabled'), 'Evaluating needs the "eval" scope, which this token lacks.');
    assert.equal(await page.$eval('#eval-disabled', (el: any) => el.hidden), false);
    const buttons = await page.$$eval('#command-list form.command', (forms: any[]) =>
      Object.fromEntries(forms.map((form: any) => [form.dataset.command, form.querySelector('button[type="submit"]').disabled])),
    );
    assert.equal(buttons.thread, false, 'a read-scope command runs with a read token');
    assert.equal(buttons['cache-clear'], true, 'a command-scope command does not');
    assert.equal(await textOf(page, '#command-list form[data-command="cache-clear"] .needs-scope'), 'This command needs the "command" scope, which this token lacks.');
    await photograph(page, 'eval-disabled', '#panel-eval');
    await page.close();
  });

  test('an app that enables neither eval nor commands gets neither panel', async () => {
    const plain = await startFixture({ mode: 'router', options: { commands: {} } });
    try {
      const { page } = await signedIn(plain.tokens.admin, plain);
      await page.waitForFunction(() => document.getElementById('process-info').textContent !== '');
      assert.equal(await page.$eval('#panel-eval', (el: any) => el.hidden), true);
      assert.equal(await page.$eval('#panel-commands', (el: any) => el.hidden), true);
      assert.equal(await page.$eval('#panel-leaks', (el: any) => el.hidden), false);
      await page.close();
    } finally {
      await plain.stop();
    }
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

  test('the rules panel lists each rule: its condition, its actions, its limit, and that it has not fired', async () => {
    const { page } = admin;
    await page.waitForSelector('#rules[data-count="1"]');
    const cells = await page.$$eval('#rule-table tbody tr td', (tds: any[]) => tds.map((td) => td.textContent));
    assert.deepEqual([cells[0], cells[1], cells[3], cells[5], cells[6], cells[7]], ['long-stall', 'loopBlockedMs 60000', 'stack, cpuprofile', 'never', 'now', '–']);
    assert.match(cells[4]!, /^0 of \d+ per \d+ s$/);
    assert.equal(await page.$eval('#rules-empty', (el: any) => el.hidden), true);
  });

  test('in worker mode the dump store offers no analysis of stored snapshots and says where it runs instead', async () => {
    const { page } = admin;
    await page.waitForFunction(() => !document.getElementById('analysis-elsewhere').hidden);
    assert.match(await page.$eval('#analysis-elsewhere', (el: any) => el.textContent), /maintenance-endpoint analyze FILE.*maintenance-endpoint serve/s);
    assert.equal(await page.$('#dump-table button[data-action="analyze"]'), null);
    assert.equal(await page.$eval('#diff-form', (el: any) => el.hidden), true);
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

  test('a leaking app turns the tile and the card to Leak, drawn in the danger colour, and the card then rules nothing out', async () => {
    const { page } = admin;
    // About 1.2 MiB/s kept for good, in one step a second. A faster leak grows V8's heap so fast that its full GCs,
    // the verdict's only evidence, come minutes apart (measured: 12 MiB/s turned the verdict only after 150 s).
    await app.command({ cmd: 'leak', ms: 240_000, stepMs: 1000 }, 'started');
    await page.waitForFunction(() => document.querySelector('#tile-leak')?.dataset.verdict === 'leak', { timeout: 240_000, polling: 500 });
    assert.equal(await textOf(page, '#tile-leak .tile-value'), 'Leak');
    assert.equal(await colourOf(page, '#tile-leak .tile-value'), await themeColour(page, '--danger'));
    assert.equal(await colourOf(page, '#tile-leak', 'borderTopColor'), await themeColour(page, '--danger'));
    await photograph(page, 'dashboard-leak', '#live');
    await page.$eval('#leak-seconds', (el: any) => (el.value = '3'));
    await page.click('#get-leaks');
    await page.waitForFunction(() => document.querySelector('#leak-view .leak-verdict')?.dataset.verdict === 'leak', { timeout: 60_000, polling: 500 });
    assert.equal(await textOf(page, '#leak-view .leak-word'), 'Leak');
    assert.equal(await colourOf(page, '#leak-view .leak-verdict'), await themeColour(page, '--danger'));
    assert.equal(await page.$('#leak-view .leak-ruled-out'), null, 'a leak is not followed by what the data rules out');
    await photograph(page, 'leak-card-leak', '#panel-leaks');
  });

  /** The computed colour (`rgb(...)`) of an element's `property`. */
  const colourOf = (page: Page, selector: string, property = 'color') =>
    page.$eval(selector, (el: any, name: string) => window.getComputedStyle(el)[name] as string, property);

  /** A theme variable of the page's style sheet, resolved by the browser to the same `rgb(...)` form. */
  const themeColour = (page: Page, variable: string) =>
    page.evaluate((name: string) => {
      const probe = document.createElement('span');
      probe.style.setProperty('color', `var(${name})`);
      document.body.append(probe);
      const colour = window.getComputedStyle(probe).color as string;
      probe.remove();
      return colour;
    }, variable);

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
