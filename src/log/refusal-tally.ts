/** A refused request as the tally counts it. */
export interface Refusal {
  client: string | undefined;
  status: number;
}

export interface RefusalSummary {
  client: string;
  count: number;
  /** Refusals by status code. */
  statuses: Record<string, number>;
  since: string;
}

/** Past this many clients in one interval, the rest are counted together under `*`, so memory stays bounded too. */
const MAX_CLIENTS = 256;
const OVERFLOW = '*';

/**
 * Counts refused requests per client per interval, so a flood leaves a bounded number of audit lines:
 * the first refusal of a client in an interval is written in full (an operator sees it at once), every
 * further one only adds to a count, written as one summary line per client when the interval ends.
 */
export class RefusalTally {
  readonly #clients = new Map<string, RefusalSummary>();

  /** True when this refusal should be written in full: the client's first in the interval. */
  add({ client, status }: Refusal): boolean {
    let key = client ?? 'unknown';
    let summary = this.#clients.get(key);
    if (summary === undefined && this.#clients.size >= MAX_CLIENTS) {
      key = OVERFLOW;
      summary = this.#clients.get(key);
    }
    if (summary === undefined) {
      this.#clients.set(key, { client: key, count: 0, statuses: {}, since: new Date().toISOString() });
      return true;
    }
    summary.count++;
    summary.statuses[status] = (summary.statuses[status] ?? 0) + 1;
    return false;
  }

  /** The interval's summaries of refusals not written in full, and a fresh interval. */
  drain(): RefusalSummary[] {
    const summaries = [...this.#clients.values()].filter((summary) => summary.count > 0);
    this.#clients.clear();
    return summaries;
  }
}
