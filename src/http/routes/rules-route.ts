import { defineRoute } from './route.js';

/**
 * `GET {base}/rules`: each collection rule, what it watches and does, its last reading, when it last
 * fired, how often within its limit's window, when it may fire next, and the dumps it left.
 */
export const rulesRoute = defineRoute({
  method: 'GET',
  path: '/rules',
  scope: 'read',
  summary: 'The collection rules: each one\'s condition, actions, last firing, firings in its window, next possible firing and its dumps.',
  handle({ res, context }) {
    res.json({ memoryLimitBytes: context.rules.memoryBudgetBytes ?? null, rules: context.rules.list() });
  },
});
