/** Assertions on a computed topology layout, shared by the layout test files. */
import { strict as assert } from 'node:assert';

interface Box {
  readonly id: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** No two node boxes intersect. */
export function assertNoOverlap(nodes: readonly Box[]): void {
  for (let i = 0; i < nodes.length; i++) {
    for (let j = i + 1; j < nodes.length; j++) {
      const a = nodes[i]!;
      const b = nodes[j]!;
      const overlap = a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
      assert.equal(overlap, false, `${a.id} overlaps ${b.id}`);
    }
  }
}
