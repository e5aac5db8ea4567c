/**
 * The load generator, run as its own process so it never competes with the app's thread:
 *   node load.js URL SECONDS CONNECTIONS
 * Prints `{ "requests": n, "rps": mean, "p99": ms, "errors": n }`.
 */
import autocannon from 'autocannon';

const [url, seconds = '10', connections = '8'] = process.argv.slice(2);
const result = await autocannon({ url: url!, duration: Number(seconds), connections: Number(connections) });
console.log(
  JSON.stringify({
    requests: result.requests.total,
    rps: result.requests.average,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
  }),
);
