/**
 * A coalescing wake-up: any number of `notify()` calls before a `wait()` wake it once. `wait`
 * resolves false when the signal aborts, so stream loops end with their call.
 *
 * @module
 */
export class Notifier {
  #pending = false;
  #wake: (() => void) | undefined;

  notify(): void {
    this.#pending = true;
    this.#wake?.();
  }

  async wait(signal: AbortSignal): Promise<boolean> {
    while (!this.#pending) {
      if (signal.aborted) return false;
      await new Promise<void>((resolve) => {
        const done = () => {
          signal.removeEventListener("abort", done);
          this.#wake = undefined;
          resolve();
        };
        this.#wake = done;
        signal.addEventListener("abort", done, { once: true });
      });
    }
    this.#pending = false;
    return !signal.aborted;
  }
}
