/**
 * Waiting for something of ours without ever holding the host up: the wait
 * ends when the promise settles (either way) or after `ms`, whichever is first.
 * The timer is unref'd, so the wait alone never keeps the process alive.
 */
export function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    promise.then(done, done);
  });
}
