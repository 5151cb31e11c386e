export interface DependencyNode {
  qualifiedName: string;
  foreignKeys: { references: string }[];
}

/**
 * Parents before children. Among the tables ready at each step the smallest name goes first, so the order is the
 * same on every run and every replica. Self-references and references to tables outside `tables` are ignored.
 * A foreign-key cycle across tables has no valid order: the waiting table with the fewest unplaced parents (then the
 * smallest name) goes next, and whoever writes rows in this order has to defer those constraints.
 */
export function orderByDependencies<T extends DependencyNode>(tables: readonly T[]): T[] {
  const names = new Set(tables.map((t) => t.qualifiedName));
  const parents = new Map(
    tables.map((t) => [t.qualifiedName, new Set(t.foreignKeys.map((fk) => fk.references).filter((r) => r !== t.qualifiedName && names.has(r)))]),
  );
  const waiting = [...tables].sort((a, b) => compareNames(a.qualifiedName, b.qualifiedName));
  const placed = new Set<string>();
  const ordered: T[] = [];
  const unplacedParents = (t: T) => [...parents.get(t.qualifiedName)!].filter((p) => !placed.has(p)).length;

  while (waiting.length > 0) {
    let next = waiting.findIndex((t) => unplacedParents(t) === 0);
    if (next === -1) {
      next = 0;
      for (let i = 1; i < waiting.length; i++) if (unplacedParents(waiting[i]) < unplacedParents(waiting[next])) next = i;
    }
    const [table] = waiting.splice(next, 1);
    placed.add(table.qualifiedName);
    ordered.push(table);
  }
  return ordered;
}

/** Code-point order, not locale order: the same on every machine. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
