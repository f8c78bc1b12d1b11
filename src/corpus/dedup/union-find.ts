/**
 * Union-find over document nodes (see `nodeId`), created only when a document first appears in
 * a duplicate pair, so memory grows with the number of duplicates, not with the corpus. The root
 * of each set is always its smallest node: that is the document a cluster keeps, whatever the
 * order in which pairs arrive.
 */
export class UnionFind {
  /** Node id of each slot. */
  readonly nodes: number[] = [];
  private readonly slots = new Map<number, number>();
  private parent = new Int32Array(1024);

  get size(): number {
    return this.nodes.length;
  }

  union(a: number, b: number): void {
    const ra = this.find(this.slot(a));
    const rb = this.find(this.slot(b));
    if (ra === rb) return;
    if (this.nodes[ra]! < this.nodes[rb]!) this.parent[rb] = ra;
    else this.parent[ra] = rb;
  }

  /** Root slot of a slot (path halving keeps trees shallow without ranks). */
  find(slot: number): number {
    const parent = this.parent;
    while (parent[slot] !== slot) {
      parent[slot] = parent[parent[slot]!]!;
      slot = parent[slot]!;
    }
    return slot;
  }

  private slot(node: number): number {
    let slot = this.slots.get(node);
    if (slot === undefined) {
      slot = this.nodes.length;
      this.slots.set(node, slot);
      this.nodes.push(node);
      if (slot === this.parent.length) {
        const grown = new Int32Array(2 * slot);
        grown.set(this.parent);
        this.parent = grown;
      }
      this.parent[slot] = slot;
    }
    return slot;
  }
}
