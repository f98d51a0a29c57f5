/**
 * The comparison point of the benchmark: the same tenant charts synthesized the stock cdk8s way,
 * every chart in one App and `app.synth()` writing one file per chart.
 *
 *   node scripts/launch.cjs scripts/bench/stock.ts --root <dir> --out <dir>
 *
 * Only the tenants' charts are built (not the platform or Argo CD objects), which favours stock
 * cdk8s in the comparison.
 */
import { App } from 'cdk8s';
import { isMainThread } from 'node:worker_threads';
import { TenantChart } from '../../charts/tenant-chart';
import { hasWorkloads, TenantWorkloadsChart } from '../../charts/tenant-workloads-chart';
import { tenantSegments } from '../../charts/synth/synthesize';
import { flag, loadInput } from './input';

export function main(argv: readonly string[]): number {
  const input = loadInput(flag(argv, 'root'));
  const app = new App({ outdir: flag(argv, 'out') });
  const segments = tenantSegments(input.tenants);
  for (const environment of input.environments) {
    const infra = input.infra.get(environment.name);
    for (const tenant of input.tenants) {
      new TenantChart(app, `${environment.name}-${tenant.name}`, { tenant, environment, infra });
      if (hasWorkloads(tenant))
        new TenantWorkloadsChart(app, `${environment.name}-${tenant.name}-workloads`, {
          tenant,
          environment,
          segments,
        });
    }
  }
  app.synth();
  return 0;
}

if (require.main === module && isMainThread) process.exitCode = main(process.argv.slice(2));
