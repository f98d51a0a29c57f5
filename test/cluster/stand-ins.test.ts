/**
 * The pure parts of the cluster tier's webhook path: which webhooks a live object names, the
 * caBundle patches, the stand-in's answers and the CONNECT target parser. The whole path runs
 * with the real API server in test/integration/webhook-egress.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { connectTarget } from '../../scripts/cluster-tier/egress';
import { caBundlePatches, servicesByClusterIp, standInAnswer, webhookRefs } from '../../scripts/cluster-tier/stand-ins';

const vwc = {
  kind: 'ValidatingWebhookConfiguration',
  metadata: { name: 'istio-validator-istio-system' },
  webhooks: [
    {
      name: 'rev.validation.istio.io',
      clientConfig: { service: { name: 'istiod', namespace: 'istio-system', port: 443 } },
    },
    { name: 'by-url', clientConfig: { url: 'https://example.com/hook' } },
    { name: 'second', clientConfig: { service: { name: 'istiod', namespace: 'istio-system' }, caBundle: 'Q0E=' } },
  ],
};
const crd = (strategy: string) => ({
  kind: 'CustomResourceDefinition',
  metadata: { name: 'sandboxes.agents.x-k8s.io' },
  spec: {
    conversion: {
      strategy,
      webhook: { clientConfig: { service: { name: 'agent-sandbox', namespace: 'agent-sandbox-system', port: 9443 } } },
    },
  },
});

describe('webhookRefs', () => {
  it('lists webhooks addressed by Service, with the port defaulting to 443, and CRD conversion webhooks', () => {
    const refs = webhookRefs([vwc, crd('Webhook'), { kind: 'ConfigMap', metadata: { name: 'x' } }]);
    expect(
      refs.map((r) => [r.object, r.caBundlePath, `${r.service.namespace}/${r.service.name}:${r.service.port}`]),
    ).toEqual([
      [
        'istio-validator-istio-system#rev.validation.istio.io',
        '/webhooks/0/clientConfig/caBundle',
        'istio-system/istiod:443',
      ],
      ['istio-validator-istio-system#second', '/webhooks/2/clientConfig/caBundle', 'istio-system/istiod:443'],
      [
        'sandboxes.agents.x-k8s.io',
        '/spec/conversion/webhook/clientConfig/caBundle',
        'agent-sandbox-system/agent-sandbox:9443',
      ],
    ]);
  });

  it('planted fault: a CRD whose conversion strategy is None calls no webhook', () => {
    expect(webhookRefs([crd('None')])).toEqual([]);
  });
});

describe('caBundlePatches', () => {
  it('patches only the webhooks without the CA, one patch per object', () => {
    const patches = caBundlePatches(webhookRefs([vwc, crd('Webhook')]), 'Q0E=', () => true);
    expect([...patches.values()]).toEqual([
      {
        kind: 'ValidatingWebhookConfiguration',
        name: 'istio-validator-istio-system',
        patch: [{ op: 'add', path: '/webhooks/0/clientConfig/caBundle', value: 'Q0E=' }],
      },
      {
        kind: 'CustomResourceDefinition',
        name: 'sandboxes.agents.x-k8s.io',
        patch: [{ op: 'add', path: '/spec/conversion/webhook/clientConfig/caBundle', value: 'Q0E=' }],
      },
    ]);
  });

  it('leaves alone the Services a real process serves', () => {
    const patches = caBundlePatches(webhookRefs([vwc, crd('Webhook')]), 'Q0E=', (s) => s.name !== 'istiod');
    expect([...patches.keys()]).toEqual(['CustomResourceDefinition/sandboxes.agents.x-k8s.io']);
  });
});

describe('standInAnswer', () => {
  it('admits an AdmissionReview unchanged, echoing its uid and apiVersion', () => {
    expect(
      standInAnswer({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'u1' } }),
    ).toEqual({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: 'u1', allowed: true },
    });
  });

  it('converts by renaming apiVersion and keeps every other field', () => {
    const a = standInAnswer({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'ConversionReview',
      request: {
        uid: 'u2',
        desiredAPIVersion: 'g/v2',
        objects: [{ apiVersion: 'g/v1', kind: 'W', spec: { size: 3 } }],
      },
    });
    expect(a).toEqual({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'ConversionReview',
      response: {
        uid: 'u2',
        convertedObjects: [{ apiVersion: 'g/v2', kind: 'W', spec: { size: 3 } }],
        result: { status: 'Success' },
      },
    });
  });

  it('planted faults: no answer without a uid, for another kind, or a conversion without a desired version', () => {
    expect(standInAnswer({ kind: 'AdmissionReview', request: {} })).toBeUndefined();
    expect(standInAnswer({ kind: 'TokenReview', request: { uid: 'u' } })).toBeUndefined();
    expect(standInAnswer({ kind: 'ConversionReview', request: { uid: 'u' } })).toBeUndefined();
  });
});

describe('servicesByClusterIp and connectTarget', () => {
  it('maps every ClusterIP of a Service, and skips headless Services', () => {
    const json = JSON.stringify({
      items: [
        { metadata: { namespace: 'istio-system', name: 'istiod' }, spec: { clusterIPs: ['10.96.0.20', 'fd00::20'] } },
        { metadata: { namespace: 'kyverno', name: 'headless' }, spec: { clusterIPs: ['None'] } },
      ],
    });
    expect([...servicesByClusterIp(json)]).toEqual([
      ['10.96.0.20', { namespace: 'istio-system', name: 'istiod' }],
      ['fd00::20', { namespace: 'istio-system', name: 'istiod' }],
    ]);
  });

  it('parses host:port and [v6]:port, and refuses anything else', () => {
    expect(connectTarget('10.96.0.20:443')).toEqual({ host: '10.96.0.20', port: 443 });
    expect(connectTarget('[fd00::20]:443')).toEqual({ host: 'fd00::20', port: 443 });
    for (const bad of [undefined, '', '10.96.0.20', '10.96.0.20:0', '10.96.0.20:70000', 'http://x:1/'])
      expect(connectTarget(bad)).toBeUndefined();
  });
});
