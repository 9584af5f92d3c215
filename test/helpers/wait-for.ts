// Waits for a condition a test can observe (a file's bytes, a status field), polling it,
// instead of sleeping a fixed time and hoping it happened.

/** Resolves once `check()` is true; throws with `what` (text, or a function giving it) after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string | (() => string), timeoutMs = 30_000, everyMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
