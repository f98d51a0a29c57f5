import { Construct } from 'constructs';
import { KubeClusterRole } from '../../../imports/k8s';
import { ANNOTATIONS } from '../../lib/constants';
import { platformLabels } from '../../lib/labels';
import { POLICIES_COMPONENT } from './policy-parts';

/** Label Kyverno's background controller ClusterRole aggregates (Kyverno chart 3.x). */
export const KYVERNO_BACKGROUND_AGGREGATE = 'rbac.kyverno.io/aggregate-to-background-controller';

/** Label Kyverno's admission controller ClusterRole aggregates (Kyverno chart 3.x). */
export const KYVERNO_ADMISSION_AGGREGATE = 'rbac.kyverno.io/aggregate-to-admission-controller';

/** Label Kyverno's reports controller ClusterRole aggregates (Kyverno chart 3.x). */
export const KYVERNO_REPORTS_AGGREGATE = 'rbac.kyverno.io/aggregate-to-reports-controller';

export interface KyvernoPermissionsProps {
  /** @default 'kyverno-agentic-platform-background' */
  readonly name?: string;
  /** Name of the admission controller's ClusterRole. @default 'kyverno-agentic-platform-admission' */
  readonly admissionName?: string;
  /** Name of the reports controller's ClusterRole. @default 'kyverno-agentic-platform-reports' */
  readonly reportsName?: string;
  /** Argo CD sync wave of the ClusterRoles (no later than the policies). @default undefined (no annotation) */
  readonly syncWave?: number;
}

/**
 * What Kyverno's background controller needs, beyond its defaults, to run the auto-expose
 * policy, aggregated into its own ClusterRole: create and keep the generated HTTPRoutes and
 * AgentgatewayPolicies (the caller policies of tenant routes), and read the Agents and
 * AgentgatewayBackends that trigger them (generateExisting lists them). The lookup of tenant
 * Namespaces needs nothing more: the chart's own role of the controller reads namespaces. The
 * other policies only mutate or validate objects as they are admitted (tenant-backends runs no
 * background scan) and need nothing more of it.
 *
 * Kyverno's admission controller admits a policy whose generate rule synchronizes only when its
 * own service account may get and list the generated kind (kyverno v1.19.0
 * pkg/validation/policy/actions.go, generate with synchronize: the admission SA checked for
 * "list", "get"; pkg/policy/auth/auth.go builds the denial): the second ClusterRole, aggregated
 * into the admission controller's role, grants exactly that.
 *
 * It also checks, for every rule, that the reports controller may read the kinds the rule matches
 * (same file: mutate, validate and generate factories given the reports SA; the warning text from
 * pkg/policy/auth/auth.go: "...kyverno-reports-controller requires permissions get,list,watch for
 * resource kagent.dev/v1alpha2/Agent"). The chart binds that controller to `view`, which covers
 * Pods and Services but no custom kind: the third ClusterRole grants reading the custom kinds the
 * policies match.
 */
export class KyvernoPermissions extends Construct {
  public readonly resource: KubeClusterRole;
  /** The admission controller's read access to the generated kinds. */
  public readonly admission: KubeClusterRole;
  /** The reports controller's read access to the custom kinds the policies match. */
  public readonly reports: KubeClusterRole;

  constructor(scope: Construct, id: string, props: KyvernoPermissionsProps = {}) {
    super(scope, id);
    const read = ['get', 'list', 'watch'];
    const manage = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
    const annotations =
      props.syncWave === undefined ? {} : { annotations: { [ANNOTATIONS.argocdSyncWave]: String(props.syncWave) } };
    /** A ClusterRole's metadata: its name and the label that aggregates it into one controller's role. */
    const metadata = (name: string, aggregate: string) => ({
      name,
      labels: { ...platformLabels(POLICIES_COMPONENT), [aggregate]: 'true' },
      ...annotations,
    });
    // KubeClusterRole: cdk8s-plus-30 splits rules per resource and adds `resourceNames: []`.
    this.resource = new KubeClusterRole(this, 'Resource', {
      metadata: metadata(props.name ?? 'kyverno-agentic-platform-background', KYVERNO_BACKGROUND_AGGREGATE),
      rules: [
        { apiGroups: ['gateway.networking.k8s.io'], resources: ['httproutes'], verbs: manage },
        { apiGroups: ['agentgateway.dev'], resources: ['agentgatewaypolicies'], verbs: manage },
        { apiGroups: ['kagent.dev'], resources: ['agents'], verbs: read },
        { apiGroups: ['agentgateway.dev'], resources: ['agentgatewaybackends'], verbs: read },
      ],
    });
    this.admission = new KubeClusterRole(this, 'Admission', {
      metadata: metadata(props.admissionName ?? 'kyverno-agentic-platform-admission', KYVERNO_ADMISSION_AGGREGATE),
      rules: [
        { apiGroups: ['gateway.networking.k8s.io'], resources: ['httproutes'], verbs: ['get', 'list'] },
        { apiGroups: ['agentgateway.dev'], resources: ['agentgatewaypolicies'], verbs: ['get', 'list'] },
      ],
    });
    this.reports = new KubeClusterRole(this, 'Reports', {
      metadata: metadata(props.reportsName ?? 'kyverno-agentic-platform-reports', KYVERNO_REPORTS_AGGREGATE),
      rules: [
        { apiGroups: ['kagent.dev'], resources: ['agents', 'remotemcpservers'], verbs: read },
        { apiGroups: ['agentgateway.dev'], resources: ['agentgatewaybackends'], verbs: read },
      ],
    });
  }
}
