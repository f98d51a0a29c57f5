/**
 * Sync waves from the declared dependency graph: a component's wave is one more than the highest
 * wave among the components it depends on (roots are wave 0). A missing dependency or a cycle is
 * a synth error that names the components involved.
 */
export interface GraphNode {
  readonly name: string;
  readonly dependsOn: readonly string[];
}

export class DependencyError extends Error {}

export function computeWaves(nodes: readonly GraphNode[]): Map<string, number> {
  const byName = new Map<string, GraphNode>();
  for (const n of nodes) {
    if (byName.has(n.name))
      throw new DependencyError(`platform component "${n.name}" is declared twice; give each component a unique name`);
    byName.set(n.name, n);
  }
  for (const n of nodes) {
    for (const d of n.dependsOn) {
      if (!byName.has(d)) {
        throw new DependencyError(
          `platform component "${n.name}" depends on "${d}", which is not a component; declare it or remove the dependency`,
        );
      }
    }
  }
  const waves = new Map<string, number>();
  const visiting: string[] = [];
  const visit = (name: string): number => {
    const known = waves.get(name);
    if (known !== undefined) return known;
    const at = visiting.indexOf(name);
    if (at >= 0) {
      const cycle = [...visiting.slice(at), name].join(' -> ');
      throw new DependencyError(
        `platform components depend on each other in a cycle: ${cycle}; remove one of these dependencies`,
      );
    }
    visiting.push(name);
    const deps = [...byName.get(name)!.dependsOn].sort();
    const wave = deps.length === 0 ? 0 : Math.max(...deps.map(visit)) + 1;
    visiting.pop();
    waves.set(name, wave);
    return wave;
  };
  for (const n of [...nodes].sort((a, b) => a.name.localeCompare(b.name))) visit(n.name);
  return waves;
}
