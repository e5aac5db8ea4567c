import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'puppeteer-core';
import { launchChromium } from './helpers/chromium.js';
import { startFixture, type Fixture } from './helpers/fixture.js';
import { eventually } from './helpers/http.js';

// The page's globals, as seen from callbacks that run in it (this project compiles without the DOM library).
declare const window: any;

/**
 * The console's thread picker and its chart of each thread's heap, in a real headless Chromium, against an
 * app with a worker thread: the picker lists the worker, the actions go to the thread it names, and the chart
 * plots each thread's own heap. Photographed at 1280x900 into a temporary directory (CONSOLE_SHOTS_DIR keeps a copy).
 */
describe('web console: the thread picker and the heap of each thread (worker mode)', () => {
  let app: Fixture;
  let browser: Browser;
  let page: Page;
  let profileDir: string;
  let downloads: string;
  let worker: number;

  before(async () => {
    app = await startFixture({ mode: 'worker', script: 'threads-app.js', options: { rateLimit: { heavy: { limit: 100 } }, eval: { enabled: true } } });
    profileDir = mkdtempSync(join(tmpdir(), 'me-chromium-'));
    downloads = mkdtempSync(join(tmpdir(), 'me-downloads-'));
    browser = await launchChromium(profileDir, downloads);
    page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    await page.goto(`${app.url}/console`, { waitUntil: 'load' });
    await page.type('#token', app.tokens.admin);
    await page.click('#sign-in-form button[type="submit"]');
    await page.waitForSelector('body[data-ready="true"]');
  });

  after(async () => {
    await browser?.close();
    rmSync(profileDir, { recursive: true, force: true });
    rmSync(downloads, { recursive: true, force: true });
    await app?.stop();
  });

  /** The last point of each thread's series, as uPlot plots it: thread label to bytes. */
  const lastHeaps = () =>
    page.evaluate(() => {
      const chart = window.ME.threads.chart.chart;
      return Object.fromEntries(chart.series.slice(1).map((series: any, index: number) => [series.label, chart.data[index + 1].at(-1)]));
    }) as Promise<Record<string, number>>;

  test('the picker lists the main thread and the worker; the chart plots the heap of each, the worker its own', async () => {
    const choices = await eventually(async () => {
      const options = await page.$$eval('#thread-picker option', (list: any[]) => list.map((option: any) => [option.value, option.textContent]));
      return options.length === 2 && options;
    }, 20_000, 'the worker in the picker');
    worker = Number(choices[1]![0]);
    assert.deepEqual(choices, [['0', 'main'], [String(worker), `${worker} (renderer)`]]);
    await eventually(async () => Number(await page.$eval('#chart-threads', (el: any) => el.dataset.points)) >= 2, 20_000, 'two readings');
    assert.equal(await page.$eval('#chart-threads', (el: any) => el.dataset.series), 'main,renderer');
    const before = await lastHeaps();
    assert.ok(before.main! > 0 && before[`${worker} renderer`]! > 0, JSON.stringify(before));
    // The worker's heap grows past the main thread's: its own series follows, the main thread's does not.
    await app.command({ cmd: 'thread-hold', count: 300_000 }, 'thread-holding');
    const grown = await eventually(async () => {
      const heaps = await lastHeaps();
      return heaps[`${worker} renderer`]! > heaps.main! + 10 * 2 ** 20 && heaps;
    }, 20_000, "the worker's heap to grow in the chart");
    assert.ok(grown.main! < before.main! + 10 * 2 ** 20, `the main thread's heap stays: ${JSON.stringify({ before, grown })}`);
  });

  test('with the worker picked, the snapshot, the stack and the GC are the worker\'s', async () => {
    assert.equal(await page.$eval('#snapshot-estimate', (el: any) => el.hidden), false, "the main thread's estimate");
    await page.select('#thread-picker', String(worker));
    await eventually(async () => page.$eval('#snapshot-estimate', (el: any) => el.hidden), 10_000, "the main thread's estimate to leave with a worker picked");
    await page.click('#take-snapshot');
    await page.waitForSelector('#panel-heapsnapshot[data-outcome]:not([aria-busy])', { timeout: 60_000 });
    assert.equal(await page.$eval('#panel-heapsnapshot', (el: any) => el.dataset.outcome), 'ok');
    assert.match(await page.$eval('#panel-heapsnapshot .result', (el: any) => el.textContent), new RegExp(`^Saved .+\\.heapsnapshot \\(.+\\), of worker thread ${worker} \\(renderer\\)\\.$`));
    const file = await eventually(async () => readdirSync(downloads).find((name) => name.endsWith('.heapsnapshot')), 30_000, 'the download');
    const { strings } = JSON.parse(readFileSync(join(downloads, file), 'utf8')) as { strings: string[] };
    assert.ok(strings.includes('WorkerThreadMarker') && !strings.includes('PlantedMarker'), "the worker's heap, not the main thread's");

    await page.click('#refresh-stack');
    await eventually(async () => (await page.$eval('#stack-view', (el: any) => el.textContent)).startsWith(`Worker thread ${worker}: `), 20_000, "the worker's stack");
    await page.click('#run-gc');
    await page.waitForSelector('#panel-gc[data-outcome]:not([aria-busy])', { timeout: 30_000 });
    assert.match(await page.$eval('#panel-gc .result', (el: any) => el.textContent), new RegExp(`^Worker thread ${worker} \\(renderer\\): freed `));

    const shots = mkdtempSync(join(tmpdir(), 'me-shots-'));
    try {
      const shot = join(shots, 'console-threads.png');
      await page.screenshot({ path: shot as `${string}.png`, fullPage: false });
      assert.ok(readFileSync(shot).length > 10_000);
      if (process.env.CONSOLE_SHOTS_DIR) {
        mkdirSync(process.env.CONSOLE_SHOTS_DIR, { recursive: true });
        copyFileSync(shot, join(process.env.CONSOLE_SHOTS_DIR, 'console-threads.png'));
      }
    } finally {
      rmSync(shots, { recursive: true, force: true });
    }
  });
});
