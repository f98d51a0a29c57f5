/**
 * Pieces the Kyverno ClusterPolicy constructs share: metadata, the JMESPath snippets they test,
 * and the rules that put a pod on a node group.
 */
import type { ApiObjectMetadata } from 'cdk8s';
import {
  ClusterPolicySpecFailurePolicy,
  ClusterPolicySpecRulesMatchAnyResourcesOperations as Operation,
  type ClusterPolicySpecRules,
  type ClusterPolicySpecRulesExclude,
  type ClusterPolicySpecRulesMatch,
  type ClusterPolicySpecRulesMatchAnyResourcesNamespaceSelector,
} from '../../../imports/kyverno-clusterpolicies-kyverno.io';
import { ANNOTATIONS, DIRS, LABELS, MANAGED_BY, NODE_TAINT_KEY, type NodeGroup } from '../../lib/constants';
import { platformLabels } from '../../lib/labels';
import { nodeSelectorFor, tolerationsFor } from '../../lib/placement';

/** Component label value of the policies (and their folder under dist/<env>/platform/). */
export const POLICIES_COMPONENT = DIRS.policies;

/**
 * Spec fields of a policy that only mutates objects as they are admitted. failurePolicy Ignore:
 * Kyverno being unavailable never blocks admission (each policy says why that is safe for it).
 */
export const ADMISSION_ONLY = {
  admission: true,
  background: false,
  failurePolicy: ClusterPolicySpecFailurePolicy.IGNORE,
} as const;

/** A Kyverno precondition. */
export interface Condition {
  readonly key: string;
  readonly operator: 'Equals' | 'NotEquals' | 'GreaterThan' | 'AnyIn' | 'AnyNotIn';
  readonly value: unknown;
}

export interface PolicyMetadataInput {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  /** Kinds the policy acts on, as Kyverno's policies.kyverno.io/subject annotation lists them. */
  readonly subject: string;
  /** Argo CD sync wave; no annotation when undefined. */
  readonly syncWave?: number;
}

/** Metadata of a platform ClusterPolicy: platform labels, Kyverno's descriptive annotations, the sync wave. */
export function policyMetadata(input: PolicyMetadataInput): ApiObjectMetadata {
  if (input.syncWave !== undefined && !Number.isInteger(input.syncWave)) {
    throw new Error(
      `ClusterPolicy ${input.name}: syncWave ${input.syncWave} is not an integer; Argo CD sync waves are whole numbers`,
    );
  }
  return {
    name: input.name,
    labels: platformLabels(POLICIES_COMPONENT),
    annotations: {
      'policies.kyverno.io/title': input.title,
      'policies.kyverno.io/category': 'agentic-platform',
      'policies.kyverno.io/subject': input.subject,
      'policies.kyverno.io/description': input.description,
      ...(input.syncWave === undefined ? {} : { [ANNOTATIONS.argocdSyncWave]: String(input.syncWave) }),
    },
  };
}

/** JMESPath: the value at `path` of the admitted object, `fallback` when absent. */
export function objectValue(path: string, fallback: string): string {
  return `{{ request.object.${path} || ${fallback} }}`;
}

/** JMESPath: number of entries of the map or list at `path`, 0 when absent. */
export function sizeOf(path: string, empty: '`{}`' | '`[]`'): string {
  return `{{ length(request.object.${path} || ${empty}) }}`;
}

/**
 * Preconditions that hold for objects no Argo CD Application syncs: no resource-tracking
 * annotation (Argo CD 3 tracks by annotation unless configured otherwise: argo-cd v3.4.4
 * util/settings/settings.go GetTrackingMethod, common/common.go AnnotationKeyAppInstance), and not
 * compiled by the platform (`app.kubernetes.io/managed-by: agentic-platform`). A mutating rule
 * that changed a synced object would fight Argo CD's self-heal forever; what the platform wants in
 * a compiled object is compiled in.
 */
export function notArgoSynced(): Condition[] {
  return [
    { key: objectValue(`metadata.annotations."${ANNOTATIONS.argocdTrackingId}"`, "''"), operator: 'Equals', value: '' },
    { key: objectValue(`metadata.labels."${LABELS.managedBy}"`, "''"), operator: 'NotEquals', value: MANAGED_BY },
  ];
}

/** Preconditions that hold when a pod has not chosen its node: no nodeSelector, nodeName or node affinity. */
export function choosesNoNode(): Condition[] {
  return [
    { key: sizeOf('spec.nodeSelector', '`{}`'), operator: 'Equals', value: 0 },
    { key: objectValue('spec.nodeName', "''"), operator: 'Equals', value: '' },
    { key: sizeOf('spec.affinity.nodeAffinity', '`{}`'), operator: 'Equals', value: 0 },
  ];
}

/** Match clause for Pods created in the namespaces a selector picks. */
export function podsIn(
  namespaceSelector: ClusterPolicySpecRulesMatchAnyResourcesNamespaceSelector,
): ClusterPolicySpecRulesMatch {
  return { any: [{ resources: { kinds: ['Pod'], operations: [Operation.CREATE], namespaceSelector } }] };
}

export interface PlacementRulesInput {
  /** Rule name prefix. */
  readonly prefix: string;
  readonly group: NodeGroup;
  readonly match: ClusterPolicySpecRulesMatch;
  readonly exclude?: ClusterPolicySpecRulesExclude;
  /** Further preconditions every rule needs. */
  readonly when?: readonly Condition[];
}

/**
 * Three mutate rules that put a pod on a node group: add the group's toleration (as the first
 * toleration, or after the existing ones), then set the group's node-role in the nodeSelector.
 * Kyverno runs a policy's rules in order on the already patched pod, so the toleration rules
 * come first: the nodeSelector they would otherwise see is the one the last rule sets.
 */
export function placementRules(input: PlacementRulesInput): ClusterPolicySpecRules[] {
  const [toleration] = tolerationsFor(input.group);
  const when = input.when ?? [];
  const hasNoGroupToleration: Condition = {
    key: sizeOf(`spec.tolerations[?key=='${NODE_TAINT_KEY}' && value=='${input.group}']`, '`[]`'),
    operator: 'Equals',
    value: 0,
  };
  const base = { match: input.match, ...(input.exclude ? { exclude: input.exclude } : {}) };
  return [
    {
      name: `${input.prefix}-first-toleration`,
      ...base,
      preconditions: { all: [...when, { key: sizeOf('spec.tolerations', '`[]`'), operator: 'Equals', value: 0 }] },
      mutate: { patchesJson6902: JSON.stringify([{ op: 'add', path: '/spec/tolerations', value: [toleration] }]) },
    },
    {
      name: `${input.prefix}-added-toleration`,
      ...base,
      preconditions: { all: [...when, hasNoGroupToleration] },
      mutate: { patchesJson6902: JSON.stringify([{ op: 'add', path: '/spec/tolerations/-', value: toleration }]) },
    },
    {
      name: `${input.prefix}-node-selector`,
      ...base,
      ...(when.length > 0 ? { preconditions: { all: [...when] } } : {}),
      mutate: { patchStrategicMerge: { spec: { nodeSelector: nodeSelectorFor(input.group) } } },
    },
  ];
}
