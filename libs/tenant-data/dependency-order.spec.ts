import { orderByDependencies } from './dependency-order';

const node = (qualifiedName: string, ...parents: string[]) => ({ qualifiedName, foreignKeys: parents.map((references) => ({ references })) });
const names = (nodes: { qualifiedName: string }[]) => nodes.map((n) => n.qualifiedName);

describe('orderByDependencies', () => {
  it('puts parents before children, ties by name', () => {
    const tables = [node('items', 'invoices', 'categories'), node('invoices', 'tenants'), node('categories', 'tenants'), node('tenants')];
    expect(names(orderByDependencies(tables))).toEqual(['tenants', 'categories', 'invoices', 'items']);
  });

  it('gives the same order whatever the input order', () => {
    const tables = [node('c', 'a'), node('b', 'a'), node('a'), node('d', 'b', 'c'), node('e')];
    const expected = names(orderByDependencies(tables));
    expect(expected).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(names(orderByDependencies([...tables].reverse()))).toEqual(expected);
  });

  it('ignores self-references and tables outside the set', () => {
    const tables = [node('categories', 'categories', 'tenants'), node('tenants', 'currencies')];
    expect(names(orderByDependencies(tables))).toEqual(['tenants', 'categories']);
  });

  it('breaks a cycle deterministically and keeps the rest ordered', () => {
    // x and y reference each other; z hangs under both; w has an unrelated parent in the set.
    const tables = [node('z', 'x', 'y'), node('y', 'x', 'root'), node('x', 'y'), node('root'), node('w', 'root')];
    const order = names(orderByDependencies(tables));
    expect(order).toEqual(['root', 'w', 'x', 'y', 'z']);
    expect(names(orderByDependencies([...tables].reverse()))).toEqual(order);
  });
});
