import { Construct } from 'constructs';
import type { KubeValidatingAdmissionPolicy } from '../../imports/k8s';
import { NODE_GROUPS, NODE_ROLE_LABEL, NODE_TAINT_KEY, type NodeGroup } from '../lib/constants';
import { nodeGroupTaint } from '../lib/placement';
import { tenantAdmissionPolicy } from './tenant-admission-policy';

/** The node group tenant pods run on; every other group's taint is refused in tenant pods. */
export const TENANT_NODE_GROUP: NodeGroup = 'agents';

/** Node groups whose taints no tenant pod may tolerate. */
export const FORBIDDEN_NODE_GROUPS: readonly NodeGroup[] = NODE_GROUPS.filter((g) => g !== TENANT_NODE_GROUP);

const q = (s: string) => `'${s}'`;
const taints = FORBIDDEN_NODE_GROUPS.map((g) => {
  const t = nodeGroupTaint(g);
  return `${t.key}=${t.value}:${t.effect}`;
});
const { effect } = nodeGroupTaint(TENANT_NODE_GROUP);

/**
 * Whether toleration `t` tolerates a forbidden group's taint, as Kubernetes decides it
 * (k8s.io/api v0.36.3 core/v1/toleration.go, Toleration.ToleratesTaint): the effect is empty or
 * the taint's; operator Exists with an empty key or the taint's key; otherwise (Equal, or empty,
 * which means Equal) the taint's key and value. Lt and Gt compare numbers, which the group names
 * are not, so they never tolerate these taints.
 */
const TOLERATES =
  `(!has(t.effect) || t.effect == '' || t.effect == ${q(effect)}) && ` +
  `(has(t.operator) && t.operator == 'Exists' ? (!has(t.key) || t.key == '' || t.key == ${q(NODE_TAINT_KEY)}) : ` +
  `(has(t.key) && t.key == ${q(NODE_TAINT_KEY)} && has(t.value) && t.value in [${FORBIDDEN_NODE_GROUPS.map(q).join(', ')}]))`;

/** Probes and lifecycle handlers whose httpGet or tcpSocket may name a host the kubelet connects to. */
const HANDLERS = [
  'livenessProbe',
  'readinessProbe',
  'startupProbe',
  'lifecycle.postStart',
  'lifecycle.preStop',
] as const;

function handlerHost(handler: string): string {
  const parts = handler.split('.');
  const present = parts.map((_, i) => `has(c.${parts.slice(0, i + 1).join('.')})`).join(' && ');
  const host = (k: string) => `has(c.${handler}.${k}) && has(c.${handler}.${k}.host) && c.${handler}.${k}.host != ''`;
  return `(${present} && (${host('httpGet')} || ${host('tcpSocket')}))`;
}

/** The CEL rules, each with the message the API server returns when it fails. */
export const TENANT_POD_RULES = [
  {
    id: 'tolerations',
    // On update only tolerations the pod did not have before count (Kubernetes lets updates add tolerations).
    expression: `!variables.tolerations.exists(t, !(t in variables.oldTolerations) && ${TOLERATES})`,
    message: `Pods in tenant namespaces may not tolerate the taints of the ${FORBIDDEN_NODE_GROUPS.join(' and ')} node groups (${taints.join(', ')}): an entry of spec.tolerations does (operator Exists with an empty key or key ${NODE_TAINT_KEY}, or key ${NODE_TAINT_KEY} with value ${FORBIDDEN_NODE_GROUPS.join(' or ')}, with effect ${effect} or none). Fix: remove it; tenant pods run on the ${TENANT_NODE_GROUP} node group, whose toleration is ${NODE_TAINT_KEY}=${TENANT_NODE_GROUP}:${effect}`,
  },
  {
    id: 'node-selector',
    expression: `!has(object.spec.nodeSelector) || !(${q(NODE_ROLE_LABEL)} in object.spec.nodeSelector) || object.spec.nodeSelector[${q(NODE_ROLE_LABEL)}] == ${q(TENANT_NODE_GROUP)} || (oldObject != null && has(oldObject.spec.nodeSelector) && ${q(NODE_ROLE_LABEL)} in oldObject.spec.nodeSelector && oldObject.spec.nodeSelector[${q(NODE_ROLE_LABEL)}] == object.spec.nodeSelector[${q(NODE_ROLE_LABEL)}])`,
    message: `Pods in tenant namespaces may only select ${NODE_ROLE_LABEL} ${TENANT_NODE_GROUP}: spec.nodeSelector["${NODE_ROLE_LABEL}"] names another node group. Fix: set it to ${TENANT_NODE_GROUP} or remove it; tenant pods run on the ${TENANT_NODE_GROUP} node group`,
  },
  {
    id: 'node-affinity',
    expression: `oldObject != null || !has(object.spec.affinity) || !has(object.spec.affinity.nodeAffinity) || !has(object.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution) || object.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms.all(term, !has(term.matchExpressions) || term.matchExpressions.all(e, e.key != ${q(NODE_ROLE_LABEL)} || (e.operator == 'In' && has(e.values) && e.values.all(v, v == ${q(TENANT_NODE_GROUP)}))))`,
    message: `Pods in tenant namespaces may only require ${NODE_ROLE_LABEL} ${TENANT_NODE_GROUP}: a spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution term has a ${NODE_ROLE_LABEL} expression other than In [${TENANT_NODE_GROUP}]. Fix: remove it or write operator In with the value ${TENANT_NODE_GROUP}; tenant pods run on the ${TENANT_NODE_GROUP} node group`,
  },
  {
    id: 'node-name',
    // Only the binding subresource sets nodeName after creation, and this policy does not match it.
    expression: `oldObject != null || !has(object.spec.nodeName) || object.spec.nodeName == ''`,
    message: `Pods in tenant namespaces may not be created with spec.nodeName: it skips the scheduler and the node groups' taints. Fix: remove it; the scheduler places tenant pods on the ${TENANT_NODE_GROUP} node group`,
  },
  {
    id: 'probe-host',
    // Probes and lifecycle handlers cannot change after creation.
    expression: `oldObject != null || variables.containers.all(c, ${HANDLERS.map((h) => `!${handlerHost(h)}`).join(' && ')})`,
    message: `Pods in tenant namespaces may not set host in a probe or lifecycle handler (httpGet.host or tcpSocket.host of livenessProbe, readinessProbe, startupProbe, lifecycle.postStart or lifecycle.preStop, in spec.containers or spec.initContainers): the kubelet would connect to that address from the node. Fix: remove host; the kubelet then connects to the pod's own IP`,
  },
] as const;

/** Variables the rules share. */
export const TENANT_POD_VARIABLES = [
  { name: 'tolerations', expression: 'has(object.spec.tolerations) ? object.spec.tolerations : []' },
  {
    name: 'oldTolerations',
    expression: 'oldObject != null && has(oldObject.spec.tolerations) ? oldObject.spec.tolerations : []',
  },
  {
    name: 'containers',
    expression: 'object.spec.containers + (has(object.spec.initContainers) ? object.spec.initContainers : [])',
  },
] as const;

export interface TenantPodPolicyProps {
  /** @default 'tenant-pod-restrictions' */
  readonly name?: string;
}

/**
 * Admission rules for Pods in tenant namespaces that hold without Kyverno: a
 * ValidatingAdmissionPolicy (API server built-in, no webhook) refuses pods that tolerate the
 * platform or gateway node groups' taints, select or require another `node-role` than `agents`, or
 * are created with spec.nodeName. The Kyverno policy `tenant-scheduling` places tenant pods but
 * fails open (failurePolicy Ignore); tenants write kagent Agents whose deployment carries
 * nodeSelector and tolerations that kagent copies into the pod, so while Kyverno is down such a
 * pod would land on a platform node. Pods as tenant-scheduling leaves them (node-role agents and
 * the agents toleration) pass.
 *
 * It also refuses a host in probes and lifecycle handlers, which the kubelet would connect to from
 * the node: Pod Security baseline refuses it only from policy version 1.34, and tenant namespaces
 * pin the cluster's older version.
 */
export class TenantPodPolicy extends Construct {
  public readonly resource: KubeValidatingAdmissionPolicy;

  constructor(scope: Construct, id: string, props: TenantPodPolicyProps = {}) {
    super(scope, id);
    this.resource = tenantAdmissionPolicy(this, {
      name: props.name ?? 'tenant-pod-restrictions',
      resource: 'pods',
      variables: TENANT_POD_VARIABLES,
      // Forbidden (403) rather than the default Invalid (422): the pod is well formed, but not allowed here.
      validations: TENANT_POD_RULES.map((r) => ({ expression: r.expression, message: r.message, reason: 'Forbidden' })),
    });
  }
}
