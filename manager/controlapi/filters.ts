/** The name/ID filters every List RPC shares. */
export interface NameFilters {
  readonly names: readonly string[];
  readonly idPrefixes: readonly string[];
  readonly namePrefixes: readonly string[];
  readonly labels?: { readonly [key: string]: string };
}

/** Keep objects matching every given filter; an empty filter matches everything. */
export function filterByName<T extends { id: string }>(
  objects: readonly T[],
  nameOf: (o: T) => string,
  filters: NameFilters | undefined,
): T[] {
  if (!filters) return [...objects];
  return objects.filter((o) => {
    const name = nameOf(o);
    if (filters.names.length && !filters.names.includes(name)) return false;
    if (filters.idPrefixes.length && !filters.idPrefixes.some((p) => o.id.startsWith(p))) {
      return false;
    }
    if (filters.namePrefixes.length && !filters.namePrefixes.some((p) => name.startsWith(p))) {
      return false;
    }
    return true;
  });
}
