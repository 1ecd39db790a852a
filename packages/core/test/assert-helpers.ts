/** Test helper: asserts that an async call rejects with a given error type and message. */
import type test from 'tape';

/** Passes when `fn` rejects with an instance of `type` whose message matches `pattern`; fails if it resolves. */
export async function rejects(
  t: test.Test,
  fn: () => Promise<unknown>,
  type: new (...a: never[]) => Error,
  pattern: RegExp,
  msg: string,
): Promise<void> {
  try {
    await fn();
    t.fail(`${msg}: did not throw`);
  } catch (err) {
    t.ok(err instanceof type, `${msg}: ${(err as Error).name}`);
    t.match((err as Error).message, pattern, `${msg}: ${(err as Error).message}`);
  }
}
