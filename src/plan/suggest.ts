// "did you mean …?" for misspelt field names: the known name at the smallest edit distance.

export function closest(word: string, candidates: readonly string[]): string | undefined {
  // Accept up to a third of the word's length in edits: `packetSize` → packetSizes, not `foo` → name.
  const allowed = Math.max(1, Math.floor(word.length / 3));
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = allowed + 1;
  for (const candidate of candidates) {
    // The distance is at least the difference in length: a long key (hostile input, 1 MiB) costs nothing.
    if (Math.abs(candidate.length - word.length) >= bestDistance) continue;
    const d = editDistance(lower, candidate.toLowerCase(), bestDistance - 1);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

/** The two rows of `editDistance`, kept between calls: a hostile file asks for a hint on 150,000 keys. */
let rows = [new Uint32Array(64), new Uint32Array(64)] as const;

/**
 * Levenshtein distance, one row at a time; once every entry of a row exceeds `limit`, the
 * distance does too, and `limit + 1` is returned at once.
 */
export function editDistance(a: string, b: string, limit = Infinity): number {
  if (rows[0].length <= b.length) rows = [new Uint32Array(b.length + 1), new Uint32Array(b.length + 1)];
  let [previous, current] = rows;
  for (let j = 0; j <= b.length; j++) previous[j] = j;
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    let rowMin = i;
    const ai = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (ai === b.charCodeAt(j - 1) ? 0 : 1);
      const d = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution);
      current[j] = d;
      if (d < rowMin) rowMin = d;
    }
    if (rowMin > limit) return limit + 1;
    [previous, current] = [current, previous];
  }
  return previous[b.length]!;
}
