import { MaintenanceError } from '../../errors.js';
import type { LiveSample } from '../../live/live-sample.js';
import { defineRoute } from './route.js';
import { onResponseClosed } from '../response-closed.js';

/** A client this far behind is not reading: the stream ends rather than queue figures for it. */
const MAX_BACKLOG_BYTES = 1024 * 1024;

/**
 * `GET {base}/events`: Server-Sent Events for the console's live view. The first event, `history`,
 * carries the samples kept (up to fifteen minutes); then one `sample` event a second. In worker mode
 * the samples keep coming while the app's loop is blocked, with `mainThreadResponsive: false`.
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
      const unsubscribe = context.live.subscribe((sample: LiveSample) => {
        send('sample', sample);
        result.samplesSent += 1;
      });
      await closed;
      unsubscribe();
    } finally {
      release();
    }
  },
});
