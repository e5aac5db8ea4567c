import { evaluate } from '../targets/protocol.js';
import type { CdpTarget } from '../targets/target.js';
import { BackgroundQuestion } from './background-question.js';

/** What the target says of its loop: how many turns it has made, and its clock when it said so. */
const LOOP_TURNS = '[performance.nodeTiming.uvMetricsInfo.loopCount, performance.now()]';

/** Whether the target counts its event loop's turns (`performance.nodeTiming.uvMetricsInfo`: Node 20.18, 22.8 and later). */
export async function targetCountsLoopTurns(target: CdpTarget): Promise<boolean> {
  return (await evaluate<boolean>(target, 'Reading the loop count', "typeof performance.nodeTiming?.uvMetricsInfo?.loopCount === 'number'")) === true;
}

/** A stretch in which every answer gave the same count of turns: the loop did not turn in between. */
interface Stall {
  turns: number;
  /** The target's clock (performance.now()) at the first and the latest answer with that count. */
  since: number;
  latest: number;
}

/**
 * A blocked loop of a target without a probe (a sidecar's), seen through its inspector. Node runs an
 * inspector message on a busy main thread by interrupting its JavaScript, so an answer alone proves
 * nothing; the answer's count of loop turns does: libuv counts a turn only when the loop goes round.
 * Two answers with the same count, the target's clock T ms apart, prove the loop stood still for at
 * least T ms; an idle loop is woken by the question itself and its count moves. Nothing is installed in
 * the target: each question is one evaluation of `LOOP_TURNS`, answered with a two-number array.
 */
export class TargetLoopWatch {
  readonly #question: BackgroundQuestion<void>;
  #stall: Stall | undefined;

  constructor(target: CdpTarget) {
    this.#question = new BackgroundQuestion(async () => {
      const [turns, at] = await evaluate<[number, number]>(target, 'Reading the loop count', LOOP_TURNS);
      if (this.#stall?.turns === turns) this.#stall.latest = at;
      else this.#stall = { turns, since: at, latest: at };
    });
    target.on('Inspector.detached', () => {
      this.#stall = undefined;
      this.#question.forget();
    });
  }

  /** How long the loop is known not to have turned (a lower bound), and the turn it stands at; asks again in the background. */
  blocked(): { ms: number; turns: number } | undefined {
    this.#question.latest();
    const stall = this.#stall;
    return stall === undefined ? undefined : { ms: stall.latest - stall.since, turns: stall.turns };
  }
}
