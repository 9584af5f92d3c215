// Delta debugging (Zeller's ddmin): the smallest sub-list of a failing list that still
// fails, found by running candidates with chunks removed. Generic over the items, so the
// fuzzer (test/fuzz) and any other seeded runner can shrink their operation lists with it.
// A run of the real processes takes seconds, so the search stops at a time budget and
// returns the smallest failing list found by then.

export interface DdminOptions {
  /** Stop trying candidates once this many milliseconds have passed (default: no limit). */
  budgetMs?: number;
  /** The clock the budget is measured on (default: Date.now). */
  now?: () => number;
  /** Called after each candidate run: its size and whether it failed. */
  onTry?: (size: number, failed: boolean) => void;
}

export interface DdminResult<T> {
  items: T[];
  /** Candidates run (the list given is not run again: it is known to fail). */
  tries: number;
  /** True when the budget ran out before the list was 1-minimal. */
  outOfBudget: boolean;
}

/**
 * Shrinks `items`, which must fail, to a sub-list (order kept) that still fails and from
 * which no single item can be removed without passing, unless the budget runs out first.
 * `fails` runs a candidate; each distinct candidate is run at most once.
 */
export async function ddmin<T>(items: readonly T[], fails: (candidate: T[]) => Promise<boolean>, options: DdminOptions = {}): Promise<DdminResult<T>> {
  const now = options.now ?? Date.now;
  const deadline = now() + (options.budgetMs ?? Infinity);
  const tried = new Map<string, boolean>();
  let tries = 0;
  let outOfBudget = false;
  // Candidates are lists of indices into `items`, so a candidate has a cheap, exact key.
  const test = async (indices: number[]): Promise<boolean> => {
    const key = indices.join(',');
    const known = tried.get(key);
    if (known !== undefined) return known;
    if (now() >= deadline) {
      outOfBudget = true;
      return false;
    }
    tries++;
    const failed = await fails(indices.map((i) => items[i]));
    options.onTry?.(indices.length, failed);
    tried.set(key, failed);
    return failed;
  };

  let current = items.map((_, i) => i);
  let n = 2;
  while (current.length >= 2 && !outOfBudget) {
    const chunks = split(current, n);
    let reduced = false;
    for (const chunk of chunks) {
      if (await test(chunk)) {
        current = chunk;
        n = 2;
        reduced = true;
        break;
      }
    }
    if (!reduced && n > 2) {
      for (let c = 0; c < chunks.length && !reduced; c++) {
        const complement = chunks.flatMap((chunk, k) => (k === c ? [] : chunk));
        if (await test(complement)) {
          current = complement;
          n = Math.max(n - 1, 2);
          reduced = true;
        }
      }
    }
    if (reduced) continue;
    if (n >= current.length) break;
    n = Math.min(current.length, n * 2);
  }
  // A single item left may still be removable (the failure needs none of them).
  if (current.length === 1 && !outOfBudget && (await test([]))) current = [];
  return { items: current.map((i) => items[i]), tries, outOfBudget };
}

/** `list` in `n` chunks of near-equal size, in order. */
function split(list: number[], n: number): number[][] {
  const out: number[][] = [];
  let start = 0;
  for (let k = 0; k < n; k++) {
    const end = start + Math.floor((list.length - start) / (n - k));
    out.push(list.slice(start, end));
    start = end;
  }
  return out.filter((chunk) => chunk.length > 0);
}
