import { Construct } from 'constructs';
import { KubeClusterRole } from '../../../imports/k8s';
import { ANNOTATIONS } from '../../lib/constants';
import { platformLabels } from '../../lib/labels';
import { POLICIES_COMPONENT } from './policy-parts';

/** Labels Kyverno's ClusterRoles aggregate (Kyverno chart 3.x). */
export const KYVERNO_AGGREGATE = {
  admission: 'rbac.kyverno.io/aggregate-to-admission-controller',
  background: 'rbac.kyverno.io/aggregate-to-background-controller',
} as const;

export interface KyvernoPermissionsProps {
  /** Name prefix of the two ClusterRoles. @default 'kyverno-agentic-platform' */
  readonly namePrefix?: string;
  /** Argo CD sync wave of the ClusterRoles (place them no later than the policies). @default undefined (no annotation) */
  readonly syncWave?: number;
}

/**
 * What Kyverno's controllers need, beyond their defaults, to run the platform policies, each
 * aggregated into the controller's own ClusterRole:
 * - background controller: create and keep the auto-expose HTTPRoutes, and read the Agents and
 *   AgentgatewayBackends that trigger them (generateExisting lists them);
 * - admission controller: read an Agent when its Service is admitted (appprotocol).
 */
export class KyvernoPermissions extends Construct {
  public readonly background: KubeClusterRole;
  public readonly admission: KubeClusterRole;

  constructor(scope: Construct, id: string, props: KyvernoPermissionsProps = {}) {
    super(scope, id);
    const prefix = props.namePrefix ?? 'kyverno-agentic-platform';
    const annotations = props.syncWave === undefined ? undefined : { [ANNOTATIONS.argocdSyncWave]: String(props.syncWave) };
    const metadata = (name: string, aggregate: string) => ({
      name,
      labels: { ...platformLabels(POLICIES_COMPONENT), [aggregate]: 'true' },
      ...(annotations ? { annotations } : {}),
    });
    const read = ['get', 'list', 'watch'];
    this.background = new KubeClusterRole(this, 'Resource', {
      metadata: metadata(`${prefix}-background`, KYVERNO_AGGREGATE.background),
      rules: [
        { apiGroups: ['gateway.networking.k8s.io'], resources: ['httproutes'], verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] },
        { apiGroups: ['kagent.dev'], resources: ['agents'], verbs: read },
        { apiGroups: ['agentgateway.dev'], resources: ['agentgatewaybackends'], verbs: read },
      ],
    });
    this.admission = new KubeClusterRole(this, 'Admission', {
      metadata: metadata(`${prefix}-admission`, KYVERNO_AGGREGATE.admission),
      rules: [{ apiGroups: ['kagent.dev'], resources: ['agents'], verbs: ['get'] }],
    });
  }
}
