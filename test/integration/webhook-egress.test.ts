/**
 * The cluster tier's path from the API server to a webhook addressed by Service, run with the
 * real kube-apiserver: its egress selector sends the call to the tier's CONNECT proxy, which
 * finds the Service by ClusterIP and hands it to the stand-in, whose CA the stand-in wrote into
 * caBundle. Admission (failurePolicy Fail) and CRD conversion both go through it; without the
 * stand-in, the API server rejects the object and names the webhook.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectl } from '../../scripts/kube/apply';
import { type ControlPlane, startControlPlane } from '../../scripts/integration/control-plane';
import { type EgressProxy, type Route, startEgressProxy } from '../../scripts/cluster-tier/egress';
import { type StandIns, startStandIns } from '../../scripts/cluster-tier/stand-ins';
import { METRICS_SERVICE, metricsApiObjects, startMetricsServer } from '../../scripts/cluster-tier/metrics';
import { apiReads } from '../../scripts/cluster-tier/api-reads';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const service = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default' },
  spec: { ports: [{ port: 443, targetPort: 9443 }], selector: { app: name } },
});

const webhookConfig = {
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'ValidatingWebhookConfiguration',
  metadata: { name: 'probe' },
  webhooks: [
    {
      name: 'configmaps.probe.example.com',
      admissionReviewVersions: ['v1'],
      sideEffects: 'None',
      failurePolicy: 'Fail',
      clientConfig: { service: { name: 'probe-webhook', namespace: 'default', path: '/validate' } },
      rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] }],
      objectSelector: { matchLabels: { probe: 'yes' } },
    },
  ],
};

const schema = {
  openAPIV3Schema: {
    type: 'object',
    properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } },
  },
};
const crd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.probe.example.com' },
  spec: {
    group: 'probe.example.com',
    names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' },
    scope: 'Namespaced',
    versions: [
      { name: 'v1', served: true, storage: true, schema },
      { name: 'v2', served: true, storage: false, schema },
    ],
    conversion: {
      strategy: 'Webhook',
      webhook: {
        conversionReviewVersions: ['v1'],
        clientConfig: { service: { name: 'conversion-webhook', namespace: 'default', path: '/convert' } },
      },
    },
  },
};

/** A second kind of the same group, served in v1 only (the group prefers v2, from widgets). */
const sprockets = {
  ...crd,
  metadata: { name: 'sprockets.probe.example.com' },
  spec: {
    group: crd.spec.group,
    names: { kind: 'Sprocket', plural: 'sprockets', singular: 'sprocket', listKind: 'SprocketList' },
    scope: crd.spec.scope,
    versions: [crd.spec.versions[0]],
  },
};

const configMap = (name: string) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'default', labels: { probe: 'yes' } },
  });

describe('API server → egress proxy → webhook stand-in', () => {
  let cp: ControlPlane;
  let egress: EgressProxy;
  let standIns: StandIns | undefined;
  let metrics: { port: number; stop(): Promise<void> } | undefined;
  let route: Route = async () => ({ refused: 'no stand-in yet' });
  const log: string[] = [];
  const run = async (args: readonly string[], input?: string) => {
    const r = await kubectl(cp, args, input);
    if (r.code !== 0) throw new Error(r.stderr.trim());
    return r.stdout;
  };

  beforeAll(async () => {
    egress = await startEgressProxy(
      (h, p) => route(h, p),
      (l) => log.push(l),
    );
    cp = await startControlPlane({ egressProxy: egress.socket });
    await run(
      ['create'],
      [service('probe-webhook'), service('conversion-webhook')].map((o) => JSON.stringify(o)).join('\n'),
    );
    await run(['create'], JSON.stringify(webhookConfig));
  });

  afterAll(async () => {
    await standIns?.stop();
    await metrics?.stop();
    await cp?.stop();
    await egress?.close();
  });

  it('planted fault: with nothing behind the Service, the API server rejects the object and names the webhook', async () => {
    const r = await kubectl(cp, ['create'], configMap('before'));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('failed calling webhook "configmaps.probe.example.com"');
    expect(log.join('\n')).toMatch(/CONNECT 10\.96\.\d+\.\d+:443 refused: no stand-in yet/);
  });

  it('admits through the stand-in once it has filled in caBundle', async () => {
    metrics = await startMetricsServer(cp.dir, run);
    const served = new Map([
      [`${METRICS_SERVICE.namespace}/${METRICS_SERVICE.name}:${METRICS_SERVICE.port}`, metrics.port],
    ]);
    standIns = await startStandIns({ dir: cp.dir, kubectl: run, log: (l) => log.push(l), intervalMs: 500, served });
    route = standIns.route;
    expect(log.join('\n')).toContain('caBundle of ValidatingWebhookConfiguration probe filled in (1 webhook(s))');
    let last = '';
    // The API server's webhook client caches the configuration for a moment: retry briefly.
    for (let i = 0; i < 20; i++) {
      const r = await kubectl(cp, ['create'], configMap('after'));
      if (r.code === 0) break;
      last = r.stderr;
      await sleep(500);
    }
    expect(last === '' ? '' : last).not.toContain('x509');
    expect(await run(['get', 'configmap', 'after', '-o', 'name'])).toBe('configmap/after\n');
    expect(standIns.report().join('\n')).toMatch(
      /^default\/probe-webhook:443: [1-9]\d* call\(s\) answered; named by ValidatingWebhookConfiguration probe#configmaps\.probe\.example\.com$/m,
    );
  });

  it('converts a custom resource between versions through the stand-in', async () => {
    await run(['create'], JSON.stringify(crd));
    for (let i = 0; i < 40; i++) {
      const r = await kubectl(cp, [
        'get',
        'crd',
        'widgets.probe.example.com',
        '-o',
        'jsonpath={.spec.conversion.webhook.clientConfig.caBundle}',
      ]);
      const established = await kubectl(cp, ['get', 'widgets.v2.probe.example.com', '-A']);
      if (r.stdout.length > 0 && established.code === 0) break;
      await sleep(500);
    }
    await run(
      ['create'],
      JSON.stringify({
        apiVersion: 'probe.example.com/v1',
        kind: 'Widget',
        metadata: { name: 'w', namespace: 'default' },
        spec: { size: 3 },
      }),
    );
    const v2 = JSON.parse(await run(['get', 'widgets.v2.probe.example.com', 'w', '-n', 'default', '-o', 'json'])) as {
      apiVersion: string;
      spec: { size: number };
    };
    expect(v2.apiVersion).toBe('probe.example.com/v2');
    expect(v2.spec.size).toBe(3);
    expect(standIns!.report().join('\n')).toMatch(
      /^default\/conversion-webhook:443: [1-9]\d* call\(s\) answered; named by CustomResourceDefinition widgets\.probe\.example\.com$/m,
    );
  });

  it('fills in caBundle again when a sync writes the CRD without it (a changed CRD is read again)', async () => {
    const caBundle = () =>
      run([
        'get',
        'crd',
        'widgets.probe.example.com',
        '-o',
        'jsonpath={.spec.conversion.webhook.clientConfig.caBundle}',
      ]);
    expect(await caBundle()).not.toBe('');
    await run([
      'patch',
      'crd',
      'widgets.probe.example.com',
      '--type=json',
      '-p',
      '[{"op":"remove","path":"/spec/conversion/webhook/clientConfig/caBundle"}]',
    ]);
    let again = '';
    for (let i = 0; i < 20 && again === ''; i++) {
      await sleep(500);
      again = await caBundle();
    }
    expect(again).not.toBe('');
  });

  it("serves the Metrics API through the aggregator: half of each running container's requests", async () => {
    await run(
      ['create'],
      metricsApiObjects()
        .map((o) => JSON.stringify(o))
        .join('\n'),
    );
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'busy', namespace: 'default', labels: { app: 'busy' } },
      spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '500m', memory: '256Mi' } } }] },
    };
    await run(['create'], JSON.stringify(pod));
    await run(['patch', 'pod', 'busy', '--subresource=status', '--type=merge', '-p', '{"status":{"phase":"Running"}}']);
    let available = '';
    for (let i = 0; i < 60 && available !== 'True'; i++) {
      available = (
        await run([
          'get',
          'apiservice',
          'v1beta1.metrics.k8s.io',
          '-o',
          'jsonpath={.status.conditions[?(@.type=="Available")].status}',
        ])
      ).trim();
      if (available !== 'True') await sleep(500);
    }
    expect(available).toBe('True');
    const list = JSON.parse(
      await run(['get', '--raw', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?labelSelector=app%3Dbusy']),
    ) as {
      items: { metadata: { name: string }; containers: { usage: { cpu: string; memory: string } }[] }[];
    };
    expect(list.items.map((p) => [p.metadata.name, p.containers[0]!.usage])).toEqual([
      ['busy', { cpu: '250m', memory: '131072Ki' }],
    ]);
    // Planted fault: a selector no pod matches lists nothing.
    const none = JSON.parse(
      await run(['get', '--raw', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?labelSelector=app%3Dother']),
    ) as { items: unknown[] };
    expect(none.items).toEqual([]);
  });

  it("answers the cluster tier's reads in-process as kubectl does (api-reads.ts)", async () => {
    await run(['create'], JSON.stringify(sprockets));
    for (let i = 0; i < 40 && (await kubectl(cp, ['get', 'sprockets.probe.example.com', '-A'])).code !== 0; i++)
      await sleep(250);
    await run(
      ['create'],
      JSON.stringify({
        apiVersion: 'probe.example.com/v1',
        kind: 'Sprocket',
        metadata: { name: 's', namespace: 'default' },
      }),
    );
    const reads = apiReads(cp);
    try {
      const columns = 'custom-columns=NAME:.metadata.name,VERSION:.metadata.resourceVersion';
      const shapes: string[][] = [
        ['get', 'configmaps', '-A', '-o', 'json'],
        ['get', 'configmaps', '-n', 'default', '-o', 'json'],
        ['get', 'validatingwebhookconfigurations,mutatingwebhookconfigurations', '-o', 'json'],
        ['get', 'customresourcedefinitions', 'widgets.probe.example.com', '-o', 'json'],
        ['get', 'services,pods', '-A', '-o', 'json'],
        // A custom resource by plural.group: the CRD's preferred version (v2), as kubectl's discovery picks it.
        ['get', 'widgets.probe.example.com', '-A', '-o', 'json'],
        // A resource the group's preferred version (v2) does not serve: read in v1, as kubectl does.
        ['get', 'sprockets.probe.example.com', '-A', '-o', 'json'],
        ['get', 'apiservices.apiregistration.k8s.io', '-A', '-o', 'json'],
      ];
      for (const args of shapes) {
        const answer = await reads.get(args);
        expect(answer, args.join(' ')).toBeDefined();
        expect(JSON.parse(answer!), args.join(' ')).toEqual(JSON.parse(await run(args)));
      }
      const table = (s: string) =>
        s
          .trim()
          .split('\n')
          .map((l) => l.trim().split(/\s+/));
      const crdColumns = ['get', 'customresourcedefinitions', '-o', columns, '--no-headers'];
      expect(table((await reads.get(crdColumns))!)).toEqual(table(await run(crdColumns)));
      // Failures read as kubectl's: a type the server does not serve, an object that is not there.
      for (const args of [
        ['get', 'gadgets.probe.example.com', '-A', '-o', 'json'],
        ['get', 'customresourcedefinitions', 'gadgets.probe.example.com', '-o', 'json'],
      ]) {
        const r = await kubectl(cp, args);
        expect(r.code).not.toBe(0);
        await expect(reads.get(args)).rejects.toThrow(r.stderr.trim().split('\n').pop()!);
      }
      // Shapes left to kubectl.
      expect(await reads.get(['get', 'deployment', 'x', '-n', 'default', '-o', 'json'])).toBeUndefined();
      expect(await reads.get(['get', 'pods', '-A', '-o', 'yaml'])).toBeUndefined();
      expect(
        await reads.get(['get', 'pods', '-A', '-o', 'custom-columns=N:.spec.nodeName', '--no-headers']),
      ).toBeUndefined();
      // Planted fault: kubectl printing managedFields is told apart from the in-process answer.
      const shown = ['get', 'configmaps', '-n', 'default', '-o', 'json'];
      expect(JSON.parse((await reads.get(shown))!)).not.toEqual(
        JSON.parse(await run([...shown, '--show-managed-fields'])),
      );
    } finally {
      reads.close();
    }
  });
});
