/** The states of an evaluation under a heap watchdog, in the first Int32 of their shared buffer. */
export const WATCH_STATE = { running: 0, done: 1, terminating: 2, terminated: 3 } as const;

/** What the watchdog's thread is started with. */
export interface WatchdogData {
  state: SharedArrayBuffer;
  budgetBytes: number;
  pollMs: number;
}
