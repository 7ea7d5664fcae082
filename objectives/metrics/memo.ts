/**
 * Bounded string-keyed memos (cleared wholesale when full: cheap, and captions repeat), and
 * one switch to empty every cache of the metrics module.
 */
const clearers: Array<() => void> = [];

/** Register a cache so `clearMetricCaches()` empties it. */
export function registerCache(clear: () => void): void {
  clearers.push(clear);
}

/**
 * Empty the tokenization, stemming and WordNet lookup caches (not WordNet itself). For
 * benchmarks, tests, or to release memory after scoring a very large corpus.
 */
export function clearMetricCaches(): void {
  for (const clear of clearers) clear();
}

export function memoize<T>(fn: (text: string) => T, limit = 200_000): (text: string) => T {
  let cache = new Map<string, T>();
  registerCache(() => {
    cache = new Map();
  });
  return (text: string): T => {
    let value = cache.get(text);
    if (value === undefined) {
      value = fn(text);
      if (cache.size >= limit) cache = new Map();
      cache.set(text, value);
    }
    return value;
  };
}
