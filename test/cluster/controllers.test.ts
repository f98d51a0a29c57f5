/**
 * The cluster tier's controller models: each acts only when the inputs its upstream controller
 * checks are there, and says what upstream says when they are not (planted faults).
 */
import { describe, expect, it } from 'vitest';
import {
  type Action,
  EBS_CSI,
  EXTERNAL_SECRETS,
  GATEWAY_API,
  KAGENT_SERVICES,
  type Live,
  type LiveObject,
} from '../../scripts/cluster-tier/controllers';

const obj = (
  kind: string,
  name: string,
  namespace: string | undefined,
  rest: Partial<LiveObject> = {},
): LiveObject => ({
  kind,
  metadata: { name, ...(namespace === undefined ? {} : { namespace }), uid: `uid-${name}`, generation: 1 },
  ...rest,
});
const liveOf = (...objects: LiveObject[]): Live => {
  const m = new Map<string, LiveObject[]>();
  for (const o of objects) m.set(o.kind, [...(m.get(o.kind) ?? []), o]);
  return m;
};
const statuses = (actions: Action[]) =>
  actions.flatMap((a) => (a.type === 'status' ? [`${a.resource} ${a.namespace ?? ''}/${a.name}`] : []));
const creates = (actions: Action[]) =>
  actions.flatMap((a) => (a.type === 'create' ? [a.object as { kind: string; metadata: { name: string } }] : []));
const conditionsOf = (actions: Action[], name: string) =>
  (actions.find((a) => a.type === 'status' && a.name === name) as { status: { conditions: unknown[] } } | undefined)
    ?.status.conditions;

describe('external-secrets model', () => {
  const store = obj('ClusterSecretStore', 'aws-secrets-manager', undefined);
  const es = (storeName: string, rest: Record<string, unknown> = {}) =>
    obj('ExternalSecret', 'keycloak-admin', 'keycloak', {
      spec: {
        secretStoreRef: { kind: 'ClusterSecretStore', name: storeName },
        data: [{ secretKey: 'password' }],
        ...rest,
      },
    });

  it('creates the target Secret with placeholder values and marks the ExternalSecret Ready', () => {
    const actions = EXTERNAL_SECRETS.reconcile(liveOf(store, es('aws-secrets-manager', { target: { name: 'admin' } })));
    const secret = creates(actions)[0] as unknown as {
      metadata: { name: string; namespace: string };
      stringData: Record<string, string>;
    };
    expect(secret.metadata).toMatchObject({ name: 'admin', namespace: 'keycloak' });
    expect(secret.stringData).toEqual({ password: 'cluster-tier-placeholder:keycloak/admin/password' });
    expect(statuses(actions)).toEqual([
      'clustersecretstores.external-secrets.io /aws-secrets-manager',
      'externalsecrets.external-secrets.io keycloak/keycloak-admin',
    ]);
    expect(conditionsOf(actions, 'keycloak-admin')).toMatchObject([
      { type: 'Ready', status: 'True', reason: 'SecretSynced' },
    ]);
  });

  it('takes the keys of a template when there is one', () => {
    const actions = EXTERNAL_SECRETS.reconcile(
      liveOf(
        store,
        es('aws-secrets-manager', { target: { template: { data: { 'config.json': '{{ .password }}' } } } }),
      ),
    );
    expect(Object.keys((creates(actions)[0] as unknown as { stringData: object }).stringData)).toEqual(['config.json']);
  });

  it('planted fault: a store that does not exist gives Ready False, SecretSyncedError, and no Secret', () => {
    const actions = EXTERNAL_SECRETS.reconcile(liveOf(store, es('misspelled-store')));
    expect(creates(actions)).toEqual([]);
    expect(conditionsOf(actions, 'keycloak-admin')).toMatchObject([
      {
        type: 'Ready',
        status: 'False',
        reason: 'SecretSyncedError',
        message: 'could not get store: ClusterSecretStore "misspelled-store" not found',
      },
    ]);
  });

  it('works out a Ready False again once the store exists (upstream requeues it)', () => {
    const failed = { status: { conditions: [{ type: 'Ready', status: 'False', reason: 'SecretSyncedError' }] } };
    const actions = EXTERNAL_SECRETS.reconcile(liveOf(store, { ...es('aws-secrets-manager'), ...failed }));
    expect(conditionsOf(actions, 'keycloak-admin')).toMatchObject([{ type: 'Ready', status: 'True' }]);
  });

  it('leaves alone what is already Ready', () => {
    const done = { status: { conditions: [{ type: 'Ready', status: 'True' }] } };
    expect(
      EXTERNAL_SECRETS.reconcile(liveOf({ ...store, ...done }, { ...es('aws-secrets-manager'), ...done })),
    ).toEqual([]);
  });
});

describe('EBS CSI model', () => {
  const sc = {
    ...obj('StorageClass', 'gp3', undefined),
    provisioner: 'ebs.csi.aws.com',
    volumeBindingMode: 'WaitForFirstConsumer',
    reclaimPolicy: 'Delete',
  } as LiveObject;
  const node = {
    ...obj('Node', 'platform-us-east-1a-0', undefined),
    metadata: { name: 'platform-us-east-1a-0', labels: { 'topology.kubernetes.io/zone': 'us-east-1a' } },
  } as LiveObject;
  const pvc = (annotations: Record<string, string>, storageClassName = 'gp3') =>
    obj('PersistentVolumeClaim', 'data-0', 'langfuse', {
      metadata: { name: 'data-0', namespace: 'langfuse', uid: 'u1', annotations },
      spec: { storageClassName, accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '8Gi' } } },
      status: { phase: 'Pending' },
    });

  it('provisions a volume in the zone of the node the scheduler picked', () => {
    const [pv] = creates(
      EBS_CSI.reconcile(liveOf(sc, node, pvc({ 'volume.kubernetes.io/selected-node': 'platform-us-east-1a-0' }))),
    );
    expect(pv).toMatchObject({
      kind: 'PersistentVolume',
      metadata: { name: 'pvc-u1' },
      spec: {
        capacity: { storage: '8Gi' },
        claimRef: { namespace: 'langfuse', name: 'data-0', uid: 'u1' },
        nodeAffinity: {
          required: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: 'topology.kubernetes.io/zone', values: ['us-east-1a'] }] }],
          },
        },
      },
    });
  });

  it('planted faults: waits for the scheduler (WaitForFirstConsumer) and ignores other provisioners and missing classes', () => {
    expect(EBS_CSI.reconcile(liveOf(sc, node, pvc({})))).toEqual([]);
    expect(
      EBS_CSI.reconcile(
        liveOf(sc, node, pvc({ 'volume.kubernetes.io/selected-node': 'platform-us-east-1a-0' }, 'gp2')),
      ),
    ).toEqual([]);
  });
});

describe('Gateway API model', () => {
  const istiod = obj('Deployment', 'istiod', 'istio-system');
  const agw = obj('Deployment', 'agentgateway', 'agentgateway-system');
  const gw = obj('Gateway', 'llm', 'agentgateway-system', {
    spec: { gatewayClassName: 'agentgateway', listeners: [{ name: 'http' }] },
  });
  const svc = obj('Service', 'model', 'tenant-a', { spec: { ports: [{ port: 8080 }] } });
  const route = (backend: Record<string, unknown>, parentNs = 'agentgateway-system') =>
    obj('HTTPRoute', 'r', 'tenant-a', {
      spec: { parentRefs: [{ name: 'llm', namespace: parentNs }], rules: [{ backendRefs: [backend] }] },
    });

  it('creates the classes of running controllers only, and accepts them', () => {
    const actions = GATEWAY_API.reconcile(liveOf(istiod));
    expect(creates(actions).map((o) => o.metadata.name)).toEqual(['istio-waypoint']);
  });

  it('programs a Gateway of an accepted class and accepts a route whose backends resolve', () => {
    const gc = obj('GatewayClass', 'agentgateway', undefined, {
      spec: { controllerName: 'agentgateway.dev/agentgateway' },
    });
    const actions = GATEWAY_API.reconcile(liveOf(agw, gc, gw, svc, route({ name: 'model', port: 8080 })));
    expect(statuses(actions)).toEqual([
      'gatewayclasses.gateway.networking.k8s.io /agentgateway',
      'gateways.gateway.networking.k8s.io agentgateway-system/llm',
      'httproutes.gateway.networking.k8s.io tenant-a/r',
    ]);
    const r = actions.find((a) => a.type === 'status' && a.name === 'r') as unknown as {
      status: { parents: { conditions: object[] }[] };
    };
    expect(r.status.parents[0]!.conditions).toMatchObject([
      { type: 'Accepted', status: 'True' },
      { type: 'ResolvedRefs', status: 'True' },
    ]);
  });

  it('planted faults: a missing backend, a missing port, a cross-namespace backend without a ReferenceGrant, a missing parent', () => {
    const gc = obj('GatewayClass', 'agentgateway', undefined, {
      spec: { controllerName: 'agentgateway.dev/agentgateway' },
    });
    const conds = (r: LiveObject, ...more: LiveObject[]) => {
      const a = GATEWAY_API.reconcile(liveOf(agw, gc, gw, svc, r, ...more)).find(
        (x) => x.type === 'status' && x.name === 'r',
      ) as unknown as {
        status: { parents: { conditions: { type: string; status: string; reason: string; message: string }[] }[] };
      };
      return a.status.parents[0]!.conditions.map((c) => `${c.type}=${c.status} ${c.reason}: ${c.message}`);
    };
    expect(conds(route({ name: 'absent', port: 8080 }))[1]).toBe(
      'ResolvedRefs=False BackendNotFound: Service tenant-a/absent not found',
    );
    expect(conds(route({ name: 'model', port: 9999 }))[1]).toMatch(
      /^ResolvedRefs=False BackendNotFound: .*has no port 9999$/,
    );
    const other = obj('Service', 'model', 'tenant-b', { spec: { ports: [{ port: 8080 }] } });
    expect(conds(route({ name: 'model', namespace: 'tenant-b', port: 8080 }), other)[1]).toMatch(
      /^ResolvedRefs=False RefNotPermitted/,
    );
    const grant = obj('ReferenceGrant', 'g', 'tenant-b', {
      spec: {
        from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'tenant-a' }],
        to: [{ group: '', kind: 'Service' }],
      },
    });
    expect(conds(route({ name: 'model', namespace: 'tenant-b', port: 8080 }), other, grant)[1]).toMatch(
      /^ResolvedRefs=True/,
    );
    // No controller owns a parent that does not exist: no status, so Argo CD keeps the route Progressing.
    expect(
      statuses(GATEWAY_API.reconcile(liveOf(agw, gc, gw, svc, route({ name: 'model', port: 8080 }, 'nowhere')))),
    ).not.toContain('httproutes.gateway.networking.k8s.io tenant-a/r');
  });

  it('writes no status for Gateways whose class no running controller accepts', () => {
    const gc = obj('GatewayClass', 'agentgateway', undefined, {
      spec: { controllerName: 'agentgateway.dev/agentgateway' },
    });
    expect(GATEWAY_API.reconcile(liveOf(gc, gw))).toEqual([]);
  });
});

describe('kagent and kmcp Services model', () => {
  const agent = obj('Agent', 'triage', 'tenant-alpha', {
    apiVersion: 'kagent.dev/v1alpha2',
    spec: { declarative: {} },
  });
  const mcp = obj('MCPServer', 'kb', 'tenant-alpha', {
    apiVersion: 'kagent.dev/v1alpha1',
    spec: { deployment: { port: 3001 } },
  });

  it("creates each Agent's Service on 8080 and each MCPServer's on its port, owned by it", () => {
    const made = creates(KAGENT_SERVICES.reconcile(liveOf(agent, mcp))) as unknown as {
      kind: string;
      metadata: { name: string; namespace: string; ownerReferences: { kind: string; uid: string }[] };
      spec: { ports: { port: number }[] };
    }[];
    expect(made.map((s) => [s.kind, s.metadata.namespace, s.metadata.name, s.spec.ports[0]!.port])).toEqual([
      ['Service', 'tenant-alpha', 'triage', 8080],
      ['Service', 'tenant-alpha', 'kb', 3001],
    ]);
    expect(made.map((s) => s.metadata.ownerReferences[0])).toMatchObject([
      { kind: 'Agent', uid: 'uid-triage' },
      { kind: 'MCPServer', uid: 'uid-kb' },
    ]);
  });

  it('makes nothing once the Service exists, and nothing without an Agent (planted: a route to an absent agent)', () => {
    expect(KAGENT_SERVICES.reconcile(liveOf(agent, obj('Service', 'triage', 'tenant-alpha')))).toEqual([]);
    expect(KAGENT_SERVICES.reconcile(liveOf(obj('HTTPRoute', 'a2a-triage', 'tenant-alpha')))).toEqual([]);
  });
});
