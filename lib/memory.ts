// A full garbage collection between the stages of a long run. V8 lets a process's heap grow far
// past what it holds alive before it collects the old generation (its limit here is gigabytes):
// after a range's ordered pass over millions of messages, the store phase then piled its own
// garbage on the pass's and the process peaked 60-90 MB above what it needed. Collecting once
// when a stage's garbage is known to be dead lowers the limit V8 grows the heap to next.
import v8 from 'node:v8';
import vm from 'node:vm';

let collect: (() => void) | null | undefined;

/** Collect now, if the engine lets us (otherwise nothing happens). */
export function collectGarbage(): void {
  if (collect === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc');
      collect = vm.runInNewContext('gc') as () => void;
    } catch {
      collect = null;
    }
  }
  collect?.();
}

/**
 * How far past what it holds alive V8 lets every heap of the process grow before it collects
 * again: 1 + percent/100 times (V8 picks up to 4 times for a fast collector). For `serve`, which
 * lives long and makes a page's garbage on every request: the server's thread grew to ~100 MB of
 * heap for ~36 MB alive, each chart thread likewise. The only heap setting V8 reads again after
 * the process started; it applies to the threads started later too.
 */
export function keepHeapsNearLive(percent = 50): void {
  v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}
