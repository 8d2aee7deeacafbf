/**
 * The engines the extension shows, replaced as a whole when the settings change. Replacements can
 * overlap — "Choose Docker engine" writes two settings in a row, and each write reconnects — so
 * each one has a generation: only the newest starts its connections (event streams, first
 * snapshots); an older one that finishes disposing the engines before it learns it was superseded
 * and stops there. Two writes make one connection per engine, not two event streams.
 */
import type { EngineConnection } from './engineConnection';
import type { EngineSpec } from './engineSpecs';

export class EngineSet {
  private list: EngineConnection[] = [];
  private generation = 0;
  private disposed = false;

  constructor(private readonly make: (spec: EngineSpec) => EngineConnection) {}

  get connections(): readonly EngineConnection[] {
    return this.list;
  }

  /**
   * Makes one connection per spec and disposes the previous ones; then, unless a newer replace()
   * came meanwhile, starts them. Returns the started connections, or undefined when superseded.
   */
  async replace(specs: readonly EngineSpec[]): Promise<readonly EngineConnection[] | undefined> {
    if (this.disposed) return undefined;
    const generation = ++this.generation;
    const old = this.list;
    const fresh = specs.map((s) => this.make(s));
    this.list = fresh;
    await Promise.all(old.map((c) => c.dispose()));
    if (generation !== this.generation || this.disposed) return undefined;
    for (const c of fresh) c.start();
    return fresh;
  }

  /** Whether `connections` are still the ones of the newest replace(). */
  isCurrent(connections: readonly EngineConnection[]): boolean {
    return connections === this.list;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.generation++;
    const old = this.list;
    this.list = [];
    await Promise.all(old.map((c) => c.dispose()));
  }
}
