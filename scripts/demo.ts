/**
 * npm start: a small service with the maintenance endpoint started out of band. Prints the endpoint's
 * URL, a freshly generated token and curl lines that work as printed.
 *
 * PORT is the service's port and MAINTENANCE_PORT the endpoint's (both default to 0: any free port;
 * the lines printed name the real ones). MAINTENANCE_ENDPOINT_TOKENS, when set, replaces the fresh token.
 */
import express from 'express';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startMaintenanceServer } from '../src/index.js';

/** A port from the environment, or a clear exit: a typo must not become a random port. */
function portFrom(name: string): number {
  const text = process.env[name];
  if (text === undefined || text === '') return 0;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) fail(`${name} must be a port number from 0 to 65535, not "${text}".`);
  return port;
}

function fail(message: string): never {
  process.stderr.write(`demo: ${message}\n`);
  process.exit(1);
}

function listenError(error: NodeJS.ErrnoException, name: string, port: number): string {
  if (error.code === 'EADDRINUSE') return `port ${port} is already in use; set ${name} to another port (0 picks a free one).`;
  return `cannot listen on 127.0.0.1:${port} (${name}): ${error.message}`;
}

const appPort = portFrom('PORT');
const maintenancePort = portFrom('MAINTENANCE_PORT');
const token = randomBytes(32).toString('base64url');
const cache: unknown[] = [];
const app = express();
app.get('/', (_req, res) => void res.send('demo service: try /grow and /block?ms=5000\n'));
app.get('/grow', (_req, res) => {
  for (let i = 0; i < 100_000; i++) cache.push({ i, text: `cached-${i}` });
  res.send(`cache holds ${cache.length} objects\n`);
});
app.get('/block', (req, res) => {
  const end = Date.now() + Math.min(Number(req.query.ms ?? 5000), 60_000);
  while (Date.now() < end) {
    // a stuck event loop: the maintenance endpoint still answers
  }
  res.send('unblocked\n');
});

// Tokens from MAINTENANCE_ENDPOINT_TOKENS when set (then the curl lines use $TOKEN), else a fresh one.
const ownTokens = process.env.MAINTENANCE_ENDPOINT_TOKENS === undefined || process.env.MAINTENANCE_ENDPOINT_TOKENS === '';
const ops = await startMaintenanceServer({
  port: maintenancePort,
  ...(ownTokens ? { tokens: [{ id: 'demo', token, scopes: ['read', 'heap', 'profile'] }] } : {}),
}).catch((error: NodeJS.ErrnoException) => fail(error.code === 'EADDRINUSE' ? listenError(error, 'MAINTENANCE_PORT', maintenancePort) : error.message));

const listener: Server = await new Promise((resolve) => {
  const server = app.listen(appPort, '127.0.0.1', (error?: Error) => {
    if (error) {
      void ops.close().finally(() => fail(listenError(error as NodeJS.ErrnoException, 'PORT', appPort)));
      return;
    }
    resolve(server);
  });
});

const appUrl = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
const auth = `-H "Authorization: Bearer ${ownTokens ? token : '$TOKEN'}"`;
console.log(`Demo service:          ${appUrl}
Maintenance endpoint:  ${ops.url}
${ownTokens ? `Token (scopes read, heap, profile): ${token}` : 'Tokens: from MAINTENANCE_ENDPOINT_TOKENS (set TOKEN to one of them)'}

The docs' examples (README.md, docs/when-*.md) use $BASE and $TOKEN: paste
  export BASE=${ops.url}${ownTokens ? ` TOKEN=${token}` : ''}

Try:
  curl ${auth} ${ops.url}/
  curl ${auth} -o demo.heapsnapshot ${ops.url}/heapsnapshot
  curl ${auth} --compressed -o demo-gz.heapsnapshot ${ops.url}/heapsnapshot
  curl "${appUrl}/block?ms=3000" & curl ${auth} -o demo.cpuprofile "${ops.url}/cpuprofile?seconds=5"
  curl ${auth} ${ops.url}/memory
  curl ${ops.url}/                                       # 401 without a token
  curl "${appUrl}/block?ms=10000" & sleep 1; curl ${auth} "${ops.url}/stack?format=text"
  curl ${auth} "${ops.url}/heapsnapshot?delay=20s"      # scheduled; then GET ${ops.url}/dumps

Or with the CLI (npx maintenance-endpoint help):
  export MAINTENANCE_ENDPOINT_URL=${ops.url} MAINTENANCE_ENDPOINT_TOKEN=${ownTokens ? token : '$TOKEN'}
  npx maintenance-endpoint heapsnapshot -o demo-cli.heapsnapshot

Open a .heapsnapshot in Chrome DevTools (Memory tab, Load profile), a .cpuprofile in its Performance tab.
Ctrl-C to stop.`);

const stop = () => {
  listener.close();
  void ops.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
