/**
 * Shortest paths over the mesh: Dijkstra with a binary heap, O((V + E) log V). Nodes that may
 * not carry traffic (isolated or critical) are skipped as hops; the endpoints are checked by
 * the caller, which knows why a route is impossible.
 */
export interface Edge {
  a: string;
  b: string;
  weight: number;
}

export interface Route {
  path: string[];
  cost: number;
}

class MinHeap {
  private readonly items: [number, string][] = [];
  get size() {
    return this.items.length;
  }
  push(item: [number, string]) {
    const a = this.items;
    a.push(item);
    for (let i = a.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (a[p]![0] <= a[i]![0]) break;
      [a[p], a[i]] = [a[i]!, a[p]!];
      i = p;
    }
  }
  pop(): [number, string] | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length && last) {
      a[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l]![0] < a[m]![0]) m = l;
        if (r < a.length && a[r]![0] < a[m]![0]) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
}

export function shortestPath(edges: readonly Edge[], source: string, target: string, blocked: ReadonlySet<string>): Route | null {
  const adjacency = new Map<string, [string, number][]>();
  for (const { a, b, weight } of edges) {
    (adjacency.get(a) ?? adjacency.set(a, []).get(a)!).push([b, weight]);
    (adjacency.get(b) ?? adjacency.set(b, []).get(b)!).push([a, weight]);
  }
  const dist = new Map<string, number>([[source, 0]]);
  const previous = new Map<string, string>();
  const heap = new MinHeap();
  heap.push([0, source]);
  while (heap.size) {
    const [d, node] = heap.pop()!;
    if (d > (dist.get(node) ?? Infinity)) continue;
    if (node === target) break;
    for (const [next, w] of adjacency.get(node) ?? []) {
      if (next !== target && blocked.has(next)) continue;
      const candidate = d + w;
      if (candidate < (dist.get(next) ?? Infinity)) {
        dist.set(next, candidate);
        previous.set(next, node);
        heap.push([candidate, next]);
      }
    }
  }
  if (!dist.has(target)) return null;
  const path = [target];
  while (path[0] !== source) path.unshift(previous.get(path[0]!)!);
  return { path, cost: dist.get(target)! };
}
