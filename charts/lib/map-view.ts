/**
 * A read-only map that answers lookups itself and lists its entries from `whole()` only when it is
 * walked or counted.
 */
export abstract class MapView implements ReadonlyMap<string, string> {
  abstract get(key: string): string | undefined;

  /** Every entry: called whenever the map is walked or counted. */
  protected abstract whole(): ReadonlyMap<string, string>;

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  get size(): number {
    return this.whole().size;
  }

  forEach(fn: (value: string, key: string, map: ReadonlyMap<string, string>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.whole()) fn.call(thisArg, v, k, this);
  }

  entries(): MapIterator<[string, string]> {
    return this.whole().entries();
  }

  keys(): MapIterator<string> {
    return this.whole().keys();
  }

  values(): MapIterator<string> {
    return this.whole().values();
  }

  [Symbol.iterator](): MapIterator<[string, string]> {
    return this.entries();
  }
}
