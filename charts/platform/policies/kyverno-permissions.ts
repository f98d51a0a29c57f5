import { Construct } from 'constructs';
import { KubeClusterRole } from '../../../imports/k8s';
import { ANNOTATIONS } from '../../lib/constants';
import { platformLabels } from '../../lib/labels';
import { POLICIES_COMPONENT } from './policy-parts';

/** Label Kyverno's background controller ClusterRole aggregates (Kyverno chart 3.x). */
export const KYVERNO_BACKGROUND_AGGREGATE = 'rbac.kyverno.io/aggregate-to-background-controller';

export interface KyvernoPermissionsProps {
  /** @default 'kyverno-agentic-platform-background' */
  readonly name?: string;
  /** Argo CD sync wave of the ClusterRole (place it no later than the policies). @default undefined (no annotation) */
  readonly syncWave?: number;
}

/**
 * What Kyverno's background controller needs, beyond its defaults, to run the auto-expose
 * policy, aggregated into its own ClusterRole: create and keep the generated HTTPRoutes and
 * AgentgatewayPolicies (the caller policies of tenant routes), and read the Agents and
 * AgentgatewayBackends that trigger them (generateExisting lists them). The lookup of tenant
 * Namespaces needs nothing more: the chart's own role of the controller reads namespaces. The
 * other policies only mutate or validate objects as they are admitted (tenant-backends runs no
 * background scan) and need nothing more.
 */
export class KyvernoPermissions extends Construct {
  public readonly resource: KubeClusterRole;

  constructor(scope: Construct, id: string, props: KyvernoPermissionsProps = {}) {
    super(scope, id);
    const read = ['get', 'list', 'watch'];
    const manage = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
    this.resource = new KubeClusterRole(this, 'Resource', {
      metadata: {
        name: props.name ?? 'kyverno-agentic-platform-background',
        labels: { ...platformLabels(POLICIES_COMPONENT), [KYVERNO_BACKGROUND_AGGREGATE]: 'true' },
        ...(props.syncWave === undefined ? {} : { annotations: { [ANNOTATIONS.argocdSyncWave]: String(props.syncWave) } }),
      },
      rules: [
        { apiGroups: ['gateway.networking.k8s.io'], resources: ['httproutes'], verbs: manage },
        { apiGroups: ['agentgateway.dev'], resources: ['agentgatewaypolicies'], verbs: manage },
        { apiGroups: ['kagent.dev'], resources: ['agents'], verbs: read },
        { apiGroups: ['agentgateway.dev'], resources: ['agentgatewaybackends'], verbs: read },
      ],
    });
  }
}
