import { listThreads } from '../../operations/thread-list.js';
import { defineRoute } from './route.js';

/** `GET {base}/threads`: the app's main thread and live worker threads, with each one's heap and event-loop figures. */
export const threadsRoute = defineRoute({
  method: 'GET',
  path: '/threads',
  scope: 'read',
  summary: "The app's threads (main and live workers, not the endpoint's own): id, name, script URL, heap bytes and event-loop utilization of each.",
  async handle({ res, context, audit }) {
    const threads = await listThreads(context.target, context.threads);
    audit.auditResult = { threads: threads.length };
    res.json({ threads });
  },
});
