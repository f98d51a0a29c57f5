/**
 * "Did you mean" for configuration files: the allowed word closest to a misspelt one by edit
 * distance, ignoring case.
 */

/**
 * Edit distance (optimal string alignment): insertions, deletions, substitutions and swaps of two
 * neighbouring characters each cost 1, so `sytemMessage` is 1 from `systemMessage`.
 */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    rows.push([i]);
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        rows[0].push(j);
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2][j - 2] + 1);
      rows[i].push(d);
    }
  }
  return rows[a.length][b.length];
}

/**
 * The candidate `word` most likely meant: the only one at the smallest distance (case ignored),
 * when that distance is at most a third of the longer word (at least 1). Undefined when nothing is
 * that close, when two candidates tie, or when `word` is itself a candidate.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  if (word.length === 0 || candidates.includes(word)) return undefined;
  let best: string | undefined;
  let bestDistance = Infinity;
  let tie = false;
  for (const c of new Set(candidates)) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d > Math.max(1, Math.floor(Math.max(word.length, c.length) / 3))) continue;
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
      tie = false;
    } else if (d === bestDistance) tie = true;
  }
  return tie ? undefined : best;
}

/**
 * The allowed keys that a mapping's unknown keys were most likely meant to be: `{sytemMessage: x}`
 * with `systemMessage` allowed gives `systemMessage`. A check that misses such a key is a
 * follow-on of the misspelling.
 */
export function misspeltKeys(mapping: unknown, allowed: readonly string[]): Set<string> {
  const out = new Set<string>();
  if (typeof mapping !== 'object' || mapping === null || Array.isArray(mapping) || allowed.length === 0) return out;
  for (const key of Object.keys(mapping)) {
    if (allowed.includes(key)) continue;
    const meant = closest(key, allowed);
    if (meant !== undefined && !(meant in mapping)) out.add(meant);
  }
  return out;
}
