import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadEnvironments } from '../../charts/config/environment';
import { loadTenants } from '../../charts/config/load-tenants';
import { UsageError, UserError } from '../../scripts/lib/cli';
import { entryFromFlags, optionError } from '../../scripts/tenant/entry';
import { offboardingSteps, offboardingText, referencesMessage, tenantReferences } from '../../scripts/tenant/offboard';
import { langfuseProjectName } from '../../charts/lib/constants';

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
    expect(() => entryFromFlags('Gamma', {})).toThrow(
      new UserError(
        `"Gamma" is not a DNS-1123 label; use lower-case letters, digits and '-', starting and ending with a letter or digit`,
      ),
    );
    const long = 'a'.repeat(57);
    expect(() => entryFromFlags(long, {})).toThrow(
      new UserError(`"${long}" is 57 characters; the namespace tenant-${long} would exceed 63, so use at most 56`),
    );
    expect(() => entryFromFlags('a'.repeat(56), {})).not.toThrow();
  });

  it('refuses malformed quota and limit options, naming the option', () => {
    const bad: [Parameters<typeof entryFromFlags>[1], string][] = [
      [{ quota: ['requests.cpu'] }, '--quota requests.cpu: expected <key>=<value>, such as requests.cpu=12'],
      [
        { quota: ['cpu=2'] },
        '--quota cpu=2: unknown quota key "cpu"; use one of requests.cpu, requests.memory, limits.cpu, limits.memory, requests.storage, persistentvolumeclaims, pods, services, secrets, configmaps, services.nodeports, services.loadbalancers',
      ],
      [
        { quota: ['requests.cpu=eight'] },
        '--quota requests.cpu=eight: "eight" is not a Kubernetes quantity; write a number with an optional suffix, such as 500m, 2, 512Mi or 16Gi',
      ],
      [{ quota: ['requests.cpu=-1'] }, '--quota requests.cpu=-1: "-1" is negative; use 0 or more'],
      [{ quota: ['pods=1.5'] }, '--quota pods=1.5: pods counts objects, so "1.5" must be a whole number, 0 or more'],
      [{ quota: ['pods=1', 'pods=2'] }, '--quota pods given twice'],
      [
        { limits: ['default=1'] },
        '--limit default=1: unknown limit "default"; use <default|defaultRequest|max>.<cpu|memory>, such as default.cpu=300m',
      ],
      [
        { limits: ['min.cpu=1'] },
        '--limit min.cpu=1: unknown limit "min.cpu"; use <default|defaultRequest|max>.<cpu|memory>, such as default.cpu=300m',
      ],
      [{ limits: ['default.cpu=1', 'default.cpu=2'] }, '--limit default.cpu given twice'],
      [
        { limits: ['max.memory=lots'] },
        '--limit max.memory=lots: "lots" is not a Kubernetes quantity; write a number with an optional suffix, such as 500m, 2, 512Mi or 16Gi',
      ],
    ];
    for (const [flags, message] of bad) expect(() => entryFromFlags('gamma', flags)).toThrow(new UsageError(message));
  });

  it('names the option that set a field the loader refused', () => {
    const entry = entryFromFlags('gamma', {
      ownerUsers: ['system:admin'],
      quota: ['requests.cpu=20'],
      limits: ['max.cpu=100m'],
      alias: 'research',
    });
    expect(optionError('tenants[3].owners[0].name', 'bad owner', 'fix it', entry)).toBe(
      '--owner-user system:admin: bad owner. Fix: fix it',
    );
    expect(optionError('tenants[3].quota["requests.cpu"]', 'too big', 'lower it', entry)).toBe(
      '--quota requests.cpu=20: too big. Fix: lower it',
    );
    expect(optionError('tenants[3].limits.max.cpu', 'too small', 'raise it', entry)).toBe(
      '--limit max.cpu=100m: too small. Fix: raise it',
    );
    expect(optionError('tenants[3].alias', 'taken', 'choose another', entry)).toBe(
      '--alias research: taken. Fix: choose another',
    );
  });
});

describe('tenantReferences', () => {
  const tenants = loadTenants(EXAMPLE);

  it('finds the calls to a tenant and the allowCallsFrom that name it, with their positions', () => {
    expect(tenantReferences(tenants, 'alpha', EXAMPLE, 'tenants.yaml')).toEqual([
      {
        tenant: 'research',
        field: 'tenants[2].agents[0].calls[0].tenant',
        line: 132,
        col: 21,
        what: 'agent analyst calls alpha/triage',
      },
    ]);
    expect(EXAMPLE.split('\n')[131].slice(20)).toBe('alpha');
    expect(tenantReferences(tenants, 'research', EXAMPLE, 'tenants.yaml')).toEqual([
      {
        tenant: 'alpha',
        field: 'tenants[0].agents[0].allowCallsFrom[0]',
        line: 47,
        col: 26,
        what: 'agent triage allows calls from research',
      },
    ]);
    expect(tenantReferences(tenants, 'beta', EXAMPLE, 'tenants.yaml')).toEqual([]);
  });

  it('says in one line which tenants refer to it and where', () => {
    const refs = tenantReferences(tenants, 'alpha', EXAMPLE, 'tenants.yaml');
    expect(referencesMessage('alpha', refs, 'tenants.yaml')).toBe(
      'cannot remove alpha: tenant research still refers to it (tenants.yaml:132:21 tenants[2].agents[0].calls[0].tenant: agent analyst calls alpha/triage); remove those references first',
    );
    const two = [
      ...refs,
      {
        ...refs[0],
        tenant: 'gamma',
        field: 'tenants[3].mcpServers[0].allowCallsFrom[1]',
        line: 150,
        col: 9,
        what: 'MCP server x allows calls from alpha',
      },
    ];
    expect(referencesMessage('alpha', two, 'tenants.yaml')).toBe(
      'cannot remove alpha: tenants research, gamma still refer to it (tenants.yaml:132:21 tenants[2].agents[0].calls[0].tenant: agent analyst calls alpha/triage; tenants.yaml:150:9 tenants[3].mcpServers[0].allowCallsFrom[1]: MCP server x allows calls from alpha); remove those references first',
    );
  });
});

describe('offboardingSteps', () => {
  const environments = loadEnvironments(path.resolve(__dirname, '..', '..', 'charts', 'environments'));
  const beta = loadTenants(EXAMPLE).find((t) => t.name === 'beta')!;

  it('puts the steps in the order they must happen: merge, wait for the sync, then the cluster, then outside it', () => {
    expect(offboardingSteps(beta, environments).map((s) => s.id)).toEqual([
      'merge',
      'synced',
      'applications',
      'namespace',
      'keycloak',
      'langfuse',
      'secrets',
      'check',
    ]);
    // Deleting an Application before the merge is synced would have its ApplicationSet create it again.
    const steps = offboardingSteps(beta, environments);
    const first = (re: RegExp) => steps.findIndex((s) => s.commands.some((c) => re.test(c)));
    expect(first(/^git add /)).toBeLessThan(first(/get appprojects/));
    expect(first(/get appprojects/)).toBeLessThan(first(/delete applications/));
    expect(first(/delete applications/)).toBeLessThan(first(/delete namespace/));
    expect(first(/delete namespace/)).toBeLessThan(first(/kcadm/));
    expect(first(/kcadm/)).toBeLessThan(first(/infra:apply/));
  });

  it('gives every step its exact commands, per environment: context, namespace, names, region and host filled in', () => {
    const steps = Object.fromEntries(offboardingSteps(beta, environments).map((s) => [s.id, s]));
    expect(steps.merge.commands).toEqual([
      'npm run diff',
      'git add tenants.yaml dist argocd && git commit -m "Offboard tenant beta"',
      'git push   (then open the pull request and merge it)',
    ]);
    expect(steps.synced.text).toContain('dev follows main, prod follows prod');
    expect(steps.synced.commands).toEqual([
      'kubectl --context agentic-platform-dev -n argocd get appprojects.argoproj.io tenant-beta guardrails-beta namespace-beta',
      'kubectl --context agentic-platform-prod -n argocd get appprojects.argoproj.io tenant-beta guardrails-beta namespace-beta',
    ]);
    expect(steps.applications.commands).toEqual([
      'kubectl --context agentic-platform-dev -n argocd delete applications.argoproj.io workloads-beta guardrails-beta namespace-beta --ignore-not-found',
      'kubectl --context agentic-platform-prod -n argocd delete applications.argoproj.io workloads-beta guardrails-beta namespace-beta --ignore-not-found',
    ]);
    expect(steps.namespace.commands).toEqual([
      'kubectl --context agentic-platform-dev delete namespace tenant-beta',
      'kubectl --context agentic-platform-prod delete namespace tenant-beta',
    ]);
    expect(steps.keycloak.text).toContain(
      'https://keycloak.dev.agentic.example.com/realms/agents, https://keycloak.prod.agentic.example.com/realms/agents',
    );
    expect(steps.keycloak.commands[0]).toBe(
      `kubectl --context agentic-platform-dev -n keycloak exec statefulset/keycloak -c keycloak -- sh -c 'kc=/opt/keycloak/bin/kcadm.sh; cfg=/tmp/kcadm.config && $kc config credentials --config $cfg --server http://localhost:8080 --realm master --user "$KC_BOOTSTRAP_ADMIN_USERNAME" --password "$KC_BOOTSTRAP_ADMIN_PASSWORD" && id=$($kc get group-by-path/tenants/beta --config $cfg -r agents --fields id --format csv --noquotes) && $kc delete groups/$id --config $cfg -r agents; rm -f $cfg'`,
    );
    expect(steps.langfuse.text).toContain(`delete the Langfuse project ${langfuseProjectName('beta')} `);
    expect(steps.langfuse.commands).toEqual(['npm run infra:apply -- dev', 'npm run infra:apply -- prod']);
    expect(steps.secrets.commands).toEqual([
      'aws secretsmanager delete-secret --region us-east-1 --secret-id agentic-platform/dev/tenants/beta/openai',
      'aws secretsmanager delete-secret --region us-east-1 --secret-id agentic-platform/prod/tenants/beta/openai',
    ]);
  });

  it('has no Secrets Manager step for a tenant without its own keys, and placeholders when no environment can be read', () => {
    const alpha = loadTenants(EXAMPLE).find((t) => t.name === 'alpha')!;
    const steps = offboardingSteps(alpha, []);
    expect(steps.map((s) => s.id)).toEqual([
      'merge',
      'synced',
      'applications',
      'namespace',
      'keycloak',
      'langfuse',
      'check',
    ]);
    expect(steps[3].commands).toEqual(['kubectl --context <cluster> delete namespace tenant-alpha']);
  });

  it('prints the steps numbered, each command on a line of its own', () => {
    const lines = offboardingText(beta, environments);
    expect(lines[0]).toBe(
      'Offboarding beta: Argo CD deletes nothing in a cluster for a removed tenant. In this order:',
    );
    expect(lines.filter((l) => /^ {2}\d\. /.test(l)).map((l) => l.slice(0, 5))).toEqual([
      '  1. ',
      '  2. ',
      '  3. ',
      '  4. ',
      '  5. ',
      '  6. ',
      '  7. ',
      '  8. ',
    ]);
    expect(lines).toContain('       kubectl --context agentic-platform-dev delete namespace tenant-beta');
  });

  // The Applications step deletes them with kubectl: non-cascading only while they carry no resources
  // finalizer. argo-cd v3.5.1: an Application's resources are deleted only when it has that
  // finalizer (pkg/apis/application/v1alpha1/types.go CascadedDeletion; controller/appcontroller.go
  // finalizeApplicationDeletion), and the ApplicationSet controller gives generated Applications the
  // template's finalizers (applicationset/controllers/applicationset_controller.go
  // createOrUpdateInCluster). The ApplicationSets recreate a deleted Application while its folder
  // exists (applicationsSync create-update): hence the merge first.
  it('rests on the ApplicationSets: no finalizer in any template, create-update, resources preserved', () => {
    const root = path.resolve(__dirname, '..', '..');
    for (const e of environments) {
      const dir = path.join(root, 'argocd', e.name, 'applicationsets');
      const sets = fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => parse(fs.readFileSync(path.join(dir, f), 'utf8')));
      expect(sets.length).toBe(3);
      for (const set of sets) {
        expect(set.spec.template.metadata.finalizers, set.metadata.name).toBeUndefined();
        expect(set.spec.syncPolicy).toEqual({ applicationsSync: 'create-update', preserveResourcesOnDeletion: true });
      }
    }
  });
});
