/** A rule as `GET /rules` lists it: the fields the tests read. */
export interface RuleStatusReply {
  name: string;
  lastFiredAt: string | null;
  firedInWindow: number;
  firedTotal: number;
  suppressed: number;
  nextPossibleAt: string | null;
  lastReading: number | string | null;
  artifacts: Array<{ id: string; kind: string | null; status: string }>;
}
