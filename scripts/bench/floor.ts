/**
 * The floor of the benchmark: the cost of serializing the same objects to YAML and writing one
 * file each, without constructs. The objects of each tenant are built first (not timed); only
 * serialization and writing are timed, tenant by tenant, so memory stays flat at any size. The
 * platform and Argo CD files are built as text (not timed) and only their writing is timed; the
 * tenant folders' READMEs are left out. Both make the floor lower, never higher.
 *
 *   node scripts/launch.cjs scripts/bench/floor.ts --root <dir> --out <dir>
 *
 * Prints `{"ms": <timed milliseconds>, "files": <count>}`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { hasWorkloads } from '../../charts/tenant-workloads-chart';
import { objectFileName, toYaml } from '../../charts/lib/serialize';
import {
  contentOf,
  environmentParts,
  tenantObjects,
  tenantSegments,
  workloadObjects,
} from '../../charts/synth/synthesize';
import { DIRS } from '../../charts/lib/constants';
import { platformTenantObjects } from '../../charts/platform/build';
import { tenantProjects } from '../../charts/argocd/generate';
import { flag, loadInput } from './input';

export function main(argv: readonly string[]): number {
  const input = loadInput(flag(argv, 'root'));
  const out = flag(argv, 'out');
  const segments = tenantSegments(input.tenants);
  let ns = 0n;
  let files = 0;
  for (const part of environmentParts(input)) {
    const started = process.hrtime.bigint();
    for (const [rel, content] of [...part.head, ...part.tail]) {
      fs.mkdirSync(path.dirname(path.join(out, rel)), { recursive: true });
      fs.writeFileSync(path.join(out, rel), contentOf(content));
      files++;
    }
    ns += process.hrtime.bigint() - started;
  }
  for (const env of input.environments) {
    const infra = input.infra.get(env.name);
    for (const t of input.tenants) {
      const dir = path.join(out, DIRS.dist, env.name, DIRS.tenants, t.name);
      const groups: [string, Record<string, unknown>[]][] = [[dir, tenantObjects(t, env, infra)]];
      if (hasWorkloads(t)) groups.push([path.join(dir, DIRS.workloads), workloadObjects(t, env, segments)]);
      // The tenant's objects in the platform components' folders, and its Argo CD projects.
      for (const { component, objects } of platformTenantObjects({ env, infra: infra!, tenant: t }))
        groups.push([path.join(out, DIRS.dist, env.name, DIRS.platform, component.name), objects]);
      groups.push([path.join(out, DIRS.argocd, env.name, DIRS.projects), tenantProjects(env, t)]);
      const started = process.hrtime.bigint();
      for (const [d, objects] of groups) {
        fs.mkdirSync(d, { recursive: true });
        for (const o of objects) {
          fs.writeFileSync(
            path.join(d, objectFileName(o as { kind?: string; metadata?: { name?: string } })),
            toYaml(o),
          );
          files++;
        }
      }
      ns += process.hrtime.bigint() - started;
    }
  }
  console.log(JSON.stringify({ ms: Number(ns / 1000n) / 1000, files }));
  return 0;
}

if (require.main === module && isMainThread) process.exitCode = main(process.argv.slice(2));
