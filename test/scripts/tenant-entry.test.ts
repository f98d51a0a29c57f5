import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTenants } from '../../charts/config/load-tenants';
import { UsageError, UserError } from '../../scripts/lib/cli';
import { entryFromFlags, optionError } from '../../scripts/tenant/entry';
import { offboardingSteps, referencesMessage, tenantReferences } from '../../scripts/tenant/offboard';

const EXAMPLE = fs.readFileSync(path.resolve(__dirname, '..', '..', 'tenants.yaml'), 'utf8');

describe('entryFromFlags', () => {
  it('sets only what the options give, quota and limits in schema order, counts as numbers', () => {
    expect(
      entryFromFlags('gamma', {
        displayName: 'Team Gamma',
        ownerUsers: ['lead@example.com'],
        ownerGroups: ['gamma-admins'],
        ownerServiceAccounts: ['ci'],
        quota: ['pods=30', 'requests.memory=24Gi', 'requests.cpu=12'],
        limits: ['max.memory=8Gi', 'default.cpu=300m', 'max.cpu=4'],
        alias: 'fc',
      }),
    ).toEqual({
      name: 'gamma',
      displayName: 'Team Gamma',
      owners: [
        { kind: 'Group', name: 'gamma-admins' },
        { kind: 'User', name: 'lead@example.com' },
        { kind: 'ServiceAccount', name: 'ci' },
      ],
      quota: { 'requests.cpu': '12', 'requests.memory': '24Gi', pods: 30 },
      limits: { default: { cpu: '300m' }, max: { cpu: '4', memory: '8Gi' } },
      alias: 'fc',
    });
    expect(entryFromFlags('gamma', {})).toEqual({ name: 'gamma' });
  });

  it('refuses bad names like the loader does', () => {
    expect(() => entryFromFlags('Gamma', {})).toThrow(new UserError(`"Gamma" is not a DNS-1123 label; use lower-case letters, digits and '-', starting and ending with a letter or digit`));
    const long = 'a'.repeat(57);
    expect(() => entryFromFlags(long, {})).toThrow(new UserError(`"${long}" is 57 characters; the namespace tenant-${long} would exceed 63, so use at most 56`));
    expect(() => entryFromFlags('a'.repeat(56), {})).not.toThrow();
  });

  it('refuses malformed quota and limit options, naming the option', () => {
    const bad: [Parameters<typeof entryFromFlags>[1], string][] = [
      [{ quota: ['requests.cpu'] }, '--quota requests.cpu: expected <key>=<value>, such as requests.cpu=12'],
      [{ quota: ['cpu=2'] }, '--quota cpu=2: unknown quota key "cpu"; use one of requests.cpu, requests.memory, limits.cpu, limits.memory, requests.storage, persistentvolumeclaims, pods, services, secrets, configmaps, services.nodeports, services.loadbalancers'],
      [{ quota: ['requests.cpu=eight'] }, '--quota requests.cpu=eight: "eight" is not a Kubernetes quantity; write a number with an optional suffix, such as 500m, 2, 512Mi or 16Gi'],
      [{ quota: ['requests.cpu=-1'] }, '--quota requests.cpu=-1: "-1" is negative; use 0 or more'],
      [{ quota: ['pods=1.5'] }, '--quota pods=1.5: pods counts objects, so "1.5" must be a whole number, 0 or more'],
      [{ quota: ['pods=1', 'pods=2'] }, '--quota pods given twice'],
      [{ limits: ['default=1'] }, '--limit default=1: unknown limit "default"; use <default|defaultRequest|max>.<cpu|memory>, such as default.cpu=300m'],
      [{ limits: ['min.cpu=1'] }, '--limit min.cpu=1: unknown limit "min.cpu"; use <default|defaultRequest|max>.<cpu|memory>, such as default.cpu=300m'],
      [{ limits: ['default.cpu=1', 'default.cpu=2'] }, '--limit default.cpu given twice'],
      [{ limits: ['max.memory=lots'] }, '--limit max.memory=lots: "lots" is not a Kubernetes quantity; write a number with an optional suffix, such as 500m, 2, 512Mi or 16Gi'],
    ];
    for (const [flags, message] of bad) expect(() => entryFromFlags('gamma', flags)).toThrow(new UsageError(message));
  });

  it('names the option that set a field the loader refused', () => {
    const entry = entryFromFlags('gamma', { ownerUsers: ['system:admin'], quota: ['requests.cpu=20'], limits: ['max.cpu=100m'], alias: 'research' });
    expect(optionError('tenants[3].owners[0].name', 'bad owner', 'fix it', entry)).toBe('--owner-user system:admin: bad owner. Fix: fix it');
    expect(optionError('tenants[3].quota["requests.cpu"]', 'too big', 'lower it', entry)).toBe('--quota requests.cpu=20: too big. Fix: lower it');
    expect(optionError('tenants[3].limits.max.cpu', 'too small', 'raise it', entry)).toBe('--limit max.cpu=100m: too small. Fix: raise it');
    expect(optionError('tenants[3].alias', 'taken', 'choose another', entry)).toBe('--alias research: taken. Fix: choose another');
  });
});

describe('tenantReferences', () => {
  const tenants = loadTenants(EXAMPLE);

  it('finds the calls to a tenant and the allowCallsFrom that name it, with their positions', () => {
    expect(tenantReferences(tenants, 'alpha', EXAMPLE, 'tenants.yaml')).toEqual([
      { tenant: 'research', field: 'tenants[2].agents[0].calls[0].tenant', line: 132, col: 21, what: 'agent analyst calls alpha/triage' },
    ]);
    expect(EXAMPLE.split('\n')[131].slice(20)).toBe('alpha');
    expect(tenantReferences(tenants, 'research', EXAMPLE, 'tenants.yaml')).toEqual([
      { tenant: 'alpha', field: 'tenants[0].agents[0].allowCallsFrom[0]', line: 47, col: 26, what: 'agent triage allows calls from research' },
    ]);
    expect(tenantReferences(tenants, 'beta', EXAMPLE, 'tenants.yaml')).toEqual([]);
  });

  it('says in one line which tenants refer to it and where', () => {
    const refs = tenantReferences(tenants, 'alpha', EXAMPLE, 'tenants.yaml');
    expect(referencesMessage('alpha', refs, 'tenants.yaml')).toBe(
      'cannot remove alpha: tenant research still refers to it (tenants.yaml:132:21 tenants[2].agents[0].calls[0].tenant: agent analyst calls alpha/triage); remove those references first',
    );
    const two = [...refs, { ...refs[0], tenant: 'gamma', field: 'tenants[3].mcpServers[0].allowCallsFrom[1]', line: 150, col: 9, what: 'MCP server x allows calls from alpha' }];
    expect(referencesMessage('alpha', two, 'tenants.yaml')).toBe(
      'cannot remove alpha: tenants research, gamma still refer to it (tenants.yaml:132:21 tenants[2].agents[0].calls[0].tenant: agent analyst calls alpha/triage; tenants.yaml:150:9 tenants[3].mcpServers[0].allowCallsFrom[1]: MCP server x allows calls from alpha); remove those references first',
    );
  });
});

describe('offboardingSteps', () => {
  it('lists the Argo CD, namespace and Keycloak steps, and the Secrets Manager entries of its own keys', () => {
    const beta = loadTenants(EXAMPLE).find((t) => t.name === 'beta')!;
    expect(offboardingSteps(beta, ['dev', 'prod'])).toEqual([
      'Argo CD deletes nothing in the cluster for a removed tenant. To offboard beta, in each environment (dev, prod):',
      '  1. argocd app delete workloads-beta guardrails-beta namespace-beta --cascade=false',
      '  2. kubectl delete namespace tenant-beta   (once its data is saved: this deletes everything in it)',
      '  3. in Keycloak realm agents, delete the group tenants/beta: the realm sync never deletes groups, and a token of its members still names beta',
      '  4. once its traces are saved, delete the Langfuse project beta (the access sync has removed its keys and members); then npm run infra:apply -- <env> deletes its project key',
      '  5. delete its AWS Secrets Manager entries when no longer needed: agentic-platform/dev/tenants/beta/openai, agentic-platform/prod/tenants/beta/openai',
      'Commit tenants.yaml, dist/ and argocd/ together; the root Application then prunes the AppProjects tenant-beta, guardrails-beta and namespace-beta.',
    ]);
  });

  it('has no Secrets Manager step for a tenant without its own keys', () => {
    const alpha = loadTenants(EXAMPLE).find((t) => t.name === 'alpha')!;
    const steps = offboardingSteps(alpha, []);
    expect(steps[0]).toContain('in each environment (<env>)');
    expect(steps.filter((s) => s.includes('Secrets Manager'))).toEqual([]);
    expect(steps).toHaveLength(6);
  });
});
