/** The objects tenant teams create themselves, from tenants.yaml (docs/tenant-guide.md). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTenants } from '../../charts/config/load-tenants';
import { teamProvidedObjects } from '../../scripts/cluster-tier/team-objects';
import { ROOT } from '../gates/fixture';

const ids = (objects: Record<string, unknown>[]) =>
  objects.map((o) => {
    const m = o.metadata as { name: string; namespace: string };
    return `${String(o.kind)} ${m.namespace}/${m.name} ${Object.keys((o.stringData as object | undefined) ?? {}).join(',')}`.trim();
  });

describe('teamProvidedObjects', () => {
  const text = fs.readFileSync(path.join(ROOT, 'tenants.yaml'), 'utf8');

  it("lists the Secrets the workloads name and the ServiceAccount owners, each in its team's namespace", () => {
    expect(ids(teamProvidedObjects(loadTenants(text)))).toEqual([
      'Secret tenant-alpha/kb-credentials value',
      'Secret tenant-beta/planner-github token',
      'ServiceAccount tenant-research/ci-deployer',
    ]);
  });

  it('planted fault: a new secretKeyRef in an agent is listed with its key', () => {
    const planted = text.replace(
      '          - name: GITHUB_TOKEN\n',
      '          - name: JIRA_TOKEN\n            secretKeyRef: {name: planner-jira, key: api-token}\n          - name: GITHUB_TOKEN\n',
    );
    expect(planted).not.toBe(text);
    expect(ids(teamProvidedObjects(loadTenants(planted)))).toContain('Secret tenant-beta/planner-jira api-token');
  });
});
