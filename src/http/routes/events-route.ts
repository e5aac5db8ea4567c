import { contained } from '../../contained.js';
import { MaintenanceError } from '../../errors.js';
import type { LiveSample } from '../../live/live-sample.js';
import { defineRoute } from './route.js';
import { onResponseClosed } from '../response-closed.js';

/** A client this far behind is not reading: the stream ends rather than queue figures for it. */
const MAX_BACKLOG_BYTES = 1024 * 1024;
/** How often the stream carries the leak verdict: it changes over tens of seconds, not every second. */
const VERDICT_EVERY_MS = 5000;

/**
 * `GET {base}/events`: Server-Sent Events for the console's live view. The first event, `history`,
 * carries the samples kept (up to fifteen minutes); then one `sample` event a second. In worker mode
 * the samples keep coming while the app's loop is blocked, with `mainThreadResponsive: false`.
 * Where a probe runs, a `verdict` event follows the history and then comes every five seconds: the leak
 * verdict as `/memory/leaks` gives it without parameters, but passive always (it never has the endpoint
 * force full GCs: a dashboard left open must not pause the app), without its evidence.
 */
export const eventsRoute = defineRoute({
  method: 'GET',
  path: '/events',
  scope: 'read',
  summary: 'Server-Sent Events: the last 15 minutes of memory, event-loop and GC figures, then one sample a second.',
  async handle({ res, context, audit }) {
    const release = context.live.streams.tryAcquire();
    if (release === undefined) {
      throw new MaintenanceError('RATE_LIMITED', `Too many event streams are open (${context.live.streams.limit}); close one and retry.`, {
        retryAfterSeconds: 5,
      });
    }
    const result = { samplesSent: 0 };
    audit.auditResult = result;
    try {
      res.status(200);
      res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
      // Proxies that buffer responses (nginx) would hold the samples back.
      res.setHeader('X-Accel-Buffering', 'no');
      res.flushHeaders();
      const send = (event: string, data: unknown) => {
        if (res.writableLength > MAX_BACKLOG_BYTES) {
          res.destroy();
          return;
        }
        res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      };
      const closed = new Promise<void>((resolve) => onResponseClosed(res, resolve));
      const history = context.live.history();
      send('history', { intervalMs: context.live.intervalMs, samples: history });
      result.samplesSent += history.length;
      const leaks = context.probe?.leaks;
      let verdictSentAt = -Infinity;
      // Runs in the live history's tick (the app's thread in router mode): a failure leaves the tile as it was.
      const sendVerdict = contained('the console leak verdict', (now: number) => {
        if (leaks === undefined || now - verdictSentAt < VERDICT_EVERY_MS) return;
        verdictSentAt = now;
        const { verdict, leakSuspected, reason, ruledOut, retryAfterSeconds } = leaks.verdict({ windowSeconds: context.config.leakWindowSeconds });
        send('verdict', { verdict, leakSuspected, reason, ...(ruledOut ? { ruledOut } : {}), ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) });
      });
      sendVerdict(Date.now());
      const unsubscribe = context.live.subscribe((sample: LiveSample) => {
        send('sample', sample);
        result.samplesSent += 1;
        sendVerdict(sample.t);
      });
      await closed;
      unsubscribe();
    } finally {
      release();
    }
  },
});
