import { contained } from '../contained.js';

/**
 * A question asked of the target in the background, one at a time however slowly it answers: a slow or
 * stuck target never has questions piling up. `latest()` returns the last answer at once and asks again
 * when nothing is in flight; a failed question (the target gone) leaves no answer.
 */
export class BackgroundQuestion<T> {
  readonly #ask: () => Promise<T>;
  #asking = false;
  #answer: T | undefined;

  constructor(ask: () => Promise<T>) {
    this.#ask = ask;
  }

  latest(): T | undefined {
    if (!this.#asking) {
      this.#asking = true;
      this.#ask()
        .then(
          (answer) => void (this.#answer = answer),
          () => void (this.#answer = undefined),
        )
        .finally(contained('a question to the target', () => (this.#asking = false)));
    }
    return this.#answer;
  }

  /** The answers so far belong to a target that is gone (a lost connection). */
  forget(): void {
    this.#answer = undefined;
  }
}
