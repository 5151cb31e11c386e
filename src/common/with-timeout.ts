/** `promise`, or an error naming the wait once `ms` have passed: a probe of a hung dependency must not hang its caller. */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  promise.catch(() => undefined); // once the timeout has answered, a late failure has nobody to tell
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
