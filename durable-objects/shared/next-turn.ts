/**
 * Work deferred to the isolate's next turn, and how late the last such turn came: a cheap signal of a busy
 * event loop. Every object of a class shares one isolate (and this module's state), so the signal is the
 * runtime's, not one object's.
 */
let lateMs = Infinity;

export function nextTurn(work: () => void): void {
  const at = Date.now();
  setTimeout(() => {
    lateMs = Date.now() - at;
    work();
  }, 0);
}

/** True when the last next-turn timer fired on time: the loop had nothing queued ahead of it. */
export function loopIsQuiet(): boolean {
  return lateMs <= QUIET_LATE_MS;
}

const QUIET_LATE_MS = 2;
