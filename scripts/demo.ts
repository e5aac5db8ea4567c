/**
 * npm start: a small service with the maintenance endpoint started out of band. Prints the endpoint's
 * URL, a freshly generated token and curl lines that work as printed.
 */
import express from 'express';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { startMaintenanceServer } from '../src/index.js';

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
  port: Number(process.env.MAINTENANCE_PORT ?? 0),
  ...(ownTokens ? { tokens: [{ id: 'demo', token, scopes: ['read', 'heap', 'profile'] }] } : {}),
});
const listener = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const appUrl = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
  const auth = `-H "Authorization: Bearer ${ownTokens ? token : '$TOKEN'}"`;
  console.log(`Demo service:          ${appUrl}
Maintenance endpoint:  ${ops.url}
${ownTokens ? `Token (scopes read, heap, profile): ${token}` : 'Tokens: from MAINTENANCE_ENDPOINT_TOKENS (set TOKEN to one of them)'}

Try:
  curl ${auth} ${ops.url}/
  curl ${auth} -o demo.heapsnapshot ${ops.url}/heapsnapshot
  curl ${auth} --compressed -o demo-gz.heapsnapshot ${ops.url}/heapsnapshot
  curl "${appUrl}/block?ms=3000" & curl ${auth} -o demo.cpuprofile "${ops.url}/cpuprofile?seconds=5"
  curl ${auth} ${ops.url}/memory
  curl ${auth} "${ops.url}/heapsnapshot?delay=10s"      # scheduled; then GET ${ops.url}/dumps
  curl ${ops.url}/                                       # 401 without a token
  curl "${appUrl}/block?ms=10000" & sleep 1; curl ${auth} "${ops.url}/stack?format=text"

Open a .heapsnapshot in Chrome DevTools (Memory tab, Load profile), a .cpuprofile in its Performance tab.
Ctrl-C to stop.`);
});
const stop = () => {
  listener.close();
  void ops.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
