import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { startFixture, type Fixture } from './helpers/fixture.js';
import { eventually, request } from './helpers/http.js';

const CAP = 64;
const VALID_REQUESTS = 60;

/**
 * Another local process that holds every connection slot idle, reopening each socket as it closes, for
 * at most `seconds`. It prints `holding` once it has had CAP sockets open, and at its end how many it opened.
 */
function slotHolder(url: string, seconds: number, token?: string): ChildProcess {
  const { hostname, port, pathname } = new URL(url);
  // With a token, each socket first carries one valid request, then one without a token, and stays open.
  const requests = token === undefined ? [] : [
    `GET ${pathname}/memory HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAuthorization: Bearer ${token}\r\n\r\n`,
    `GET ${pathname}/memory HTTP/1.1\r\nHost: ${hostname}:${port}\r\n\r\n`,
  ];
  const script = `
    const { connect } = require('node:net');
    const deadline = Date.now() + ${seconds * 1000};
    let opened = 0, connected = 0, said = false;
    const hold = () => {
      if (Date.now() > deadline) return;
      opened++;
      const requests = ${JSON.stringify(requests)};
      const socket = connect({ host: ${JSON.stringify(hostname)}, port: ${Number(port)} }, () => {
        if (requests.length > 0) socket.write(requests.shift());
        else if (++connected >= ${CAP} && !said) { said = true; console.log('holding'); }
      });
      socket.on('data', () => {
        if (requests.length > 0) socket.write(requests.shift());
        else if (++connected >= ${CAP} && !said) { said = true; console.log('holding'); }
      });
      socket.on('error', () => {});
      socket.on('close', () => setImmediate(hold));
    };
    for (let i = 0; i < ${CAP}; i++) hold();
    const end = () => { console.log('opened ' + opened); process.exit(0); };
    process.on('SIGINT', end);
    setTimeout(end, ${seconds * 1000}).unref();
    setInterval(() => {}, 1000);
  `;
  return spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
}

/** One valid request on a fresh connection, as the CLI makes it: served (200) within 5 s or not. */
async function served(app: Fixture): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), 5_000)));
  try {
    return await Promise.race([request(`${app.url}/memory`, { token: app.tokens.reader }).then((reply) => reply.status === 200, () => false), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Another local process holds every slot: with sockets that never send a request, and with sockets that each
 * carried one valid request and then one without a token (a slot is kept for a connection whose latest
 * request carried a valid token, not for one that did once).
 */
for (const holder of [
  { name: 'a local process holding every connection slot', token: (_app: Fixture): string | undefined => undefined },
  { name: 'a local client that presented a valid token once, then holds every slot', token: (app: Fixture): string | undefined => app.tokens.reader },
]) {
  describe(holder.name, () => {
    let app: Fixture;
    let child: ChildProcess | undefined;
    before(async () => {
      app = await startFixture({ mode: 'worker', options: { connections: { maxConnections: CAP } } });
    });
    after(async () => {
      if (child && child.exitCode === null && child.signalCode === null) {
        child.kill();
        await once(child, 'exit');
      }
      await app.stop();
    });

    test(`cannot stop valid requests: at least 95% of ${VALID_REQUESTS} are served while it holds them`, async () => {
      child = slotHolder(app.url, 60, holder.token(app));
      const lines = createInterface({ input: child.stdout! });
      const output: string[] = [];
      lines.on('line', (line) => output.push(line));
      await new Promise<void>((resolve, reject) => {
        lines.on('line', (line) => line === 'holding' && resolve());
        child!.once('exit', () => reject(new Error('the slot holder ended before holding every slot')));
      });
      let ok = 0;
      for (let i = 0; i < VALID_REQUESTS; i++) if (await served(app)) ok++;
      if (child.exitCode === null && child.signalCode === null) {
        const ended = once(child, 'exit');
        child.kill('SIGINT');
        await ended;
      }
      assert.ok(ok >= Math.ceil(VALID_REQUESTS * 0.95), `${ok} of ${VALID_REQUESTS} valid requests served`);
      assert.equal(app.child.exitCode, null, 'the app is alive');
      // Counted once a second: the holder met the cap, and its sockets were evicted.
      await eventually(async () => app.auditLines().some((line) => line.msg === 'connections refused: maxConnections reached'), 10_000, 'the evictions in the audit log');
      const opened = Number(/^opened (\d+)$/.exec(output.at(-1) ?? '')?.[1]);
      assert.ok(opened > CAP, `the holder reopened what was closed (${opened} connections opened)`);
      console.log(`served ${ok} of ${VALID_REQUESTS} while the holder opened ${opened} connections`);
    });
  });
}
