/** What `npm run apply` prunes, decided without an API server. */
import { describe, expect, it } from 'vitest';
import { selectPrune, type ClusterObject } from '../../scripts/apply/prune';

const MANAGER = 'agentic-platform';
const LABEL = { 'app.kubernetes.io/managed-by': 'agentic-platform' };
const APPLIED = [{ manager: MANAGER, operation: 'Apply' }];

function obj(
  kind: string,
  name: string,
  namespace: string | undefined,
  extra: Partial<ClusterObject['metadata']> = {},
  apiVersion = 'v1',
): ClusterObject {
  return {
    apiVersion,
    kind,
    metadata: {
      name,
      ...(namespace ? { namespace } : {}),
      uid: `${kind}-${namespace}-${name}`,
      labels: LABEL,
      managedFields: APPLIED,
      ...extra,
    },
  };
}

const netpol = (ns: string, name: string, extra: Partial<ClusterObject['metadata']> = {}) =>
  obj('NetworkPolicy', name, ns, extra, 'networking.k8s.io/v1');
const names = (objects: readonly ClusterObject[]) =>
  objects.map((o) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`);

describe('selectPrune', () => {
  it('prunes a labelled object this command applied that dist/ no longer declares, and keeps declared ones', () => {
    const cluster = [netpol('tenant-alpha', 'allow-dns'), netpol('tenant-alpha', 'default-deny')];
    const declared = new Set(['networking.k8s.io/NetworkPolicy/tenant-alpha/default-deny']);
    const { prune, kept } = selectPrune(cluster, declared, { fieldManager: MANAGER });
    expect(names(prune)).toEqual(['NetworkPolicy tenant-alpha/allow-dns']);
    expect(kept).toEqual([]);
  });

  it('matches declared objects by group, kind, namespace and name, whatever the served version', () => {
    const declared = new Set(['networking.k8s.io/NetworkPolicy/tenant-alpha/allow-dns']);
    expect(
      selectPrune([{ ...netpol('tenant-alpha', 'allow-dns'), apiVersion: 'networking.k8s.io/v1beta1' }], declared, {
        fieldManager: MANAGER,
      }).prune,
    ).toEqual([]);
    // Same name in another group is another object.
    expect(
      names(
        selectPrune([obj('NetworkPolicy', 'allow-dns', 'tenant-alpha', {}, 'crd.projectcalico.org/v1')], declared, {
          fieldManager: MANAGER,
        }).prune,
      ),
    ).toEqual(['NetworkPolicy tenant-alpha/allow-dns']);
  });

  it('never touches an object without our managed-by label', () => {
    const unlabelled = netpol('tenant-alpha', 'hand-made', {
      labels: { 'app.kubernetes.io/managed-by': 'someone-else' },
    });
    const bare = netpol('tenant-alpha', 'bare', { labels: undefined });
    expect(selectPrune([unlabelled, bare], new Set(), { fieldManager: MANAGER })).toEqual({ prune: [], kept: [] });
  });

  it('keeps a labelled object that another field manager wrote, and one that something owns', () => {
    const byHand = netpol('tenant-alpha', 'by-hand', {
      managedFields: [{ manager: 'kubectl-create', operation: 'Update' }],
    });
    const applyByOther = netpol('tenant-alpha', 'argo', {
      managedFields: [{ manager: 'argocd-controller', operation: 'Apply' }],
    });
    const updateByUs = netpol('tenant-alpha', 'update', { managedFields: [{ manager: MANAGER, operation: 'Update' }] });
    const owned = obj('Service', 'triage', 'tenant-alpha', { ownerReferences: [{ kind: 'Agent', name: 'triage' }] });
    const { prune, kept } = selectPrune([byHand, applyByOther, updateByUs, owned], new Set(), {
      fieldManager: MANAGER,
    });
    expect(prune).toEqual([]);
    expect(kept.map((k) => `${k.object.metadata.name}: ${k.reason}`)).toEqual([
      'argo: not applied by npm run apply (field managers: argocd-controller)',
      'by-hand: not applied by npm run apply (field managers: kubectl-create)',
      'update: not applied by npm run apply (field managers: agentic-platform)',
      'triage: owned by Agent triage, which decides its lifetime',
    ]);
  });

  it('never prunes a Namespace or a CRD, and says how to delete one', () => {
    const ns = obj('Namespace', 'tenant-gone', undefined);
    const crd = obj('CustomResourceDefinition', 'things.example.com', undefined, {}, 'apiextensions.k8s.io/v1');
    const { prune, kept } = selectPrune([ns, crd], new Set(), { fieldManager: MANAGER });
    expect(prune).toEqual([]);
    expect(kept.map((k) => k.reason)).toEqual([
      'deleting a CRD deletes every object of its kind; delete it yourself if you mean it: kubectl delete customresourcedefinition things.example.com',
      'deleting a Namespace deletes everything in it, labelled or not; delete it yourself if you mean it: kubectl delete namespace tenant-gone',
    ]);
  });

  it('with a namespace (--tenant) leaves other namespaces and cluster-scoped objects out of scope', () => {
    const cluster = [
      netpol('tenant-alpha', 'a'),
      netpol('tenant-beta', 'b'),
      obj('ClusterRole', 'old-role', undefined, {}, 'rbac.authorization.k8s.io/v1'),
    ];
    expect(names(selectPrune(cluster, new Set(), { fieldManager: MANAGER, namespace: 'tenant-alpha' }).prune)).toEqual([
      'NetworkPolicy tenant-alpha/a',
    ]);
    expect(names(selectPrune(cluster, new Set(), { fieldManager: MANAGER }).prune)).toEqual([
      'ClusterRole /old-role',
      'NetworkPolicy tenant-alpha/a',
      'NetworkPolicy tenant-beta/b',
    ]);
  });

  it('deletes in the reverse of the apply order and lists an object seen under two API groups once', () => {
    const role = obj('RoleBinding', 'rb', 'tenant-alpha', {}, 'rbac.authorization.k8s.io/v1');
    const deploy = obj('Deployment', 'd', 'tenant-alpha', {}, 'apps/v1');
    const agent = obj('Agent', 'x', 'tenant-alpha', {}, 'kagent.dev/v1alpha2');
    const quota = obj('ResourceQuota', 'q', 'tenant-alpha');
    const twice = [deploy, { ...deploy, apiVersion: 'extensions/v1beta1' }];
    expect(names(selectPrune([quota, role, ...twice, agent], new Set(), { fieldManager: MANAGER }).prune)).toEqual([
      'Agent tenant-alpha/x',
      'Deployment tenant-alpha/d',
      'RoleBinding tenant-alpha/rb',
      'ResourceQuota tenant-alpha/q',
    ]);
  });
});
