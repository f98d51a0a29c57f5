/**
 * How the cluster tier runs Kyverno's controllers outside a pod (scripts/cluster-tier/kyverno.ts),
 * against the kyverno chart 3.9.0 as our values render it and Kyverno v1.19.0's source. No binary
 * is needed; test/integration/kyverno.test.ts runs them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  missingObjects,
  flagValue,
  hostArgs,
  hostEnv,
  KYVERNO_CONTROLLERS,
  KYVERNO_SERVICE,
  kyvernoRequirements,
  kyvernoServed,
  withFlags,
} from '../../scripts/cluster-tier/kyverno';
import { renderComponent } from '../../scripts/upstream/render';
import { moduleDir, tool } from '../../scripts/toolchain/tools';

const chart = renderComponent('dev', 'kyverno').objects.map((o) => o.object);
const deployment = (name: string) => chart.find((o) => o.kind === 'Deployment' && o.metadata.name === name)!;
const container = (c: (typeof KYVERNO_CONTROLLERS)[number]) =>
  deployment(c.deployment).spec.template.spec.containers.find((x: { name: string }) => x.name === c.container);
const source = (...parts: string[]) => fs.readFileSync(path.join(moduleDir(tool('kyverno')), ...parts), 'utf8');

describe('Kyverno outside a pod', () => {
  it('replaces a flag wherever it is and adds the missing ones', () => {
    expect(withFlags(['--a=1', '--b=2', '-c=3', '--bb=4'], { b: '9', c: '8', d: '7' })).toEqual([
      '--a=1',
      '--bb=4',
      '--b=9',
      '--c=8',
      '--d=7',
    ]);
    expect(flagValue(['--servicePort=443', '--servicePort=8443'], 'servicePort')).toBe('8443');
    expect(flagValue([], 'servicePort')).toBeUndefined();
  });

  it("runs each controller with its chart container's args, listeners moved to loopback", () => {
    for (const c of KYVERNO_CONTROLLERS) {
      const args: string[] = container(c).args;
      const admission = c.tool === 'kyverno-admission-controller';
      const host = hostArgs(args, '/run/kubeconfig', {
        ...(admission ? { webhook: 19443 } : {}),
        metrics: 18000,
        controllerRuntimeMetrics: 18080,
      });
      // Every chart flag is kept but the listeners the tier moves.
      const set = [
        'kubeconfig',
        'metricsHost',
        'metricsPort',
        'controllerRuntimeMetricsAddress',
        'webhookServerHost',
        'webhookServerPort',
      ];
      const isSet = (a: string) => set.some((m) => a.startsWith(`--${m}=`));
      expect(host.filter((a) => !isSet(a))).toEqual(args.filter((a) => !isSet(a)));
      expect(args.filter(isSet).map((a) => a.split('=')[0])).toEqual(
        admission
          ? ['--webhookServerPort', '--metricsPort', '--controllerRuntimeMetricsAddress']
          : ['--metricsPort', '--controllerRuntimeMetricsAddress'],
      );
      expect(flagValue(host, 'kubeconfig')).toBe('/run/kubeconfig');
      expect(flagValue(host, 'metricsHost')).toBe('127.0.0.1');
      expect(flagValue(host, 'metricsPort')).toBe('18000');
      expect(flagValue(host, 'controllerRuntimeMetricsAddress')).toBe('127.0.0.1:18080');
      expect(flagValue(host, 'webhookServerHost')).toBe(admission ? '127.0.0.1' : undefined);
      expect(flagValue(host, 'webhookServerPort')).toBe(admission ? '19443' : undefined);
      // --serverIP would register the webhooks by URL instead of the Service.
      expect(flagValue(host, 'serverIP')).toBeUndefined();
    }
  });

  it('reads every flag it sets in upstream v1.19.0', () => {
    const flags = source('cmd', 'internal', 'flag.go');
    for (const f of ['kubeconfig', 'metricsHost', 'metricsPort']) expect(flags, f).toContain(`"${f}"`);
    const admission = source('cmd', 'kyverno', 'main.go');
    for (const f of [
      'webhookServerHost',
      'webhookServerPort',
      'servicePort',
      'controllerRuntimeMetricsAddress',
      'serverIP',
    ])
      expect(admission, f).toContain(`"${f}"`);
    expect(source('cmd', 'background-controller', 'main.go')).toContain('"controllerRuntimeMetricsAddress"');
    // pkg/controllers/webhook/utils.go newClientConfig: without a server IP the webhooks name the Service.
    expect(source('pkg', 'controllers', 'webhook', 'utils.go')).toMatch(
      /if server == "" \{\n\s+clientConfig\.Service = &admissionregistrationv1\.ServiceReference\{/,
    );
  });

  it("routes the chart's webhook Service to the admission controller's port", () => {
    const env = hostEnv(container(KYVERNO_CONTROLLERS[0]).env, { namespace: 'kyverno', name: 'p' }, 'admission');
    expect(env.KYVERNO_SVC).toBe(KYVERNO_SERVICE.name);
    expect(env.KYVERNO_NAMESPACE).toBe(KYVERNO_SERVICE.namespace);
    expect(flagValue(container(KYVERNO_CONTROLLERS[0]).args, 'servicePort')).toBe(String(KYVERNO_SERVICE.port));
    const svc = chart.find((o) => o.kind === 'Service' && o.metadata.name === KYVERNO_SERVICE.name)!;
    expect(svc.metadata.namespace).toBe(KYVERNO_SERVICE.namespace);
    expect(svc.spec.ports).toEqual([
      { appProtocol: 'https', name: 'https', port: KYVERNO_SERVICE.port, protocol: 'TCP', targetPort: 'https' },
    ]);
    expect(kyvernoServed(19443)).toEqual(new Map([['kyverno/kyverno-svc:443', 19443]]));
  });

  it('resolves the downward API and refuses env it cannot supply, naming it', () => {
    for (const c of KYVERNO_CONTROLLERS) {
      const env = hostEnv(container(c).env, { namespace: 'kyverno', name: `${c.deployment}-host` }, c.deployment);
      expect(env.KYVERNO_POD_NAME).toBe(`${c.deployment}-host`);
      expect(env.KYVERNO_DEPLOYMENT).toBe(c.deployment);
    }
    expect(() =>
      hostEnv(
        [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }],
        { namespace: 'kyverno', name: 'p' },
        'Deployment kyverno/x container y',
      ),
    ).toThrow(
      'kyverno: Deployment kyverno/x container y: env the tier cannot supply to a host process: TOKEN (valueFrom {"secretKeyRef":{"name":"s","key":"k"}})',
    );
  });

  it("waits for the chart's CRDs, identities, settings and Deployments, not for its hooks", () => {
    const required = kyvernoRequirements(chart);
    const kinds = [...new Set(required.map((o) => o.kind))].sort();
    expect(kinds).toEqual([
      'ClusterRole',
      'ClusterRoleBinding',
      'ConfigMap',
      'CustomResourceDefinition',
      'Deployment',
      'Role',
      'RoleBinding',
      'Service',
      'ServiceAccount',
    ]);
    const names = required.map((o) => `${o.kind} ${o.metadata.name}`);
    for (const n of [
      'CustomResourceDefinition clusterpolicies.kyverno.io',
      'CustomResourceDefinition updaterequests.kyverno.io',
      'ConfigMap kyverno',
      'ConfigMap kyverno-metrics',
      'ServiceAccount kyverno-admission-controller',
      'ServiceAccount kyverno-background-controller',
      'Deployment kyverno-admission-controller',
    ])
      expect(names).toContain(n);
    // The post-upgrade hook's ServiceAccount is rendered, and is not waited for.
    expect(chart.some((o) => o.metadata.name === 'kyverno-migrate-resources' && o.kind === 'ServiceAccount')).toBe(
      true,
    );
    expect(names).not.toContain('ServiceAccount kyverno-migrate-resources');
  });
});

describe('missingObjects', () => {
  const requires = [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kyverno', namespace: 'kyverno' } },
    {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'clusterpolicies.kyverno.io' },
    },
  ];

  it('lists everything when kubectl finds none of them (it then prints nothing)', async () => {
    expect(await missingObjects(async () => '', requires)).toEqual([
      'ConfigMap kyverno/kyverno',
      'CustomResourceDefinition clusterpolicies.kyverno.io',
    ]);
  });

  it('counts a CRD only once Established', async () => {
    const crd = (established: string) =>
      JSON.stringify({
        kind: 'List',
        items: [
          { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kyverno', namespace: 'kyverno' } },
          { ...requires[1], status: { conditions: [{ type: 'Established', status: established }] } },
        ],
      });
    expect(await missingObjects(async () => crd('False'), requires)).toEqual([
      'CustomResourceDefinition clusterpolicies.kyverno.io',
    ]);
    expect(await missingObjects(async () => crd('True'), requires)).toEqual([]);
  });
});
