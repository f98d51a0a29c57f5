import { Construct } from 'constructs';
import {
  Sandbox as SandboxObject,
  type SandboxSpecPodTemplate,
} from '../../imports/agent-sandbox-sandboxes-agents.x-k8s.io';
import {
  SandboxTemplate,
  SandboxTemplateSpecNetworkPolicyManagement as NetworkPolicyManagement,
} from '../../imports/agent-sandbox-sandboxtemplates-extensions.agents.x-k8s.io';
import { IntOrString, KubeService } from '../../imports/k8s';
import type { Sandbox } from '../config/workloads';
import { LABELS, SANDBOX_POD_LABEL } from '../lib/constants';
import { tenantLabels } from '../lib/labels';
import { ROUTE_OBJECT_NAMES } from '../config/routes';
import { agentsPlacement, restrictedContainer, tracingEnv, typedResources } from './workload-parts';

export interface TenantSandboxProps {
  readonly tenant: string;
  readonly namespace: string;
  /** The sandbox as declared in tenants.yaml, with defaults applied. */
  readonly sandbox: Sandbox;
  /**
   * The tenant has a sandbox router: a template's claims get the headless Service the router
   * resolves them by.
   * @default false
   */
  readonly routed?: boolean;
}

/**
 * An agent-sandbox Sandbox (one running sandbox, with a Service `sandbox-<name>` on its port) or
 * SandboxTemplate (claimed on demand) in the tenant namespace. The pod runs on the agents node
 * group with the restricted security profile and no service account token.
 */
export class TenantSandbox extends Construct {
  public readonly resource: SandboxObject | SandboxTemplate;
  public readonly service?: KubeService;

  constructor(scope: Construct, id: string, props: TenantSandboxProps) {
    super(scope, id);
    const { sandbox: s, namespace, tenant } = props;
    const labels = tenantLabels(tenant);
    const resources = typedResources(s.resources);
    const podTemplate: SandboxSpecPodTemplate = {
      metadata: { labels: { ...labels, [SANDBOX_POD_LABEL]: s.name } },
      spec: {
        automountServiceAccountToken: false,
        ...agentsPlacement(),
        securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [
          {
            name: 'sandbox',
            image: s.image,
            ...(s.args.length ? { args: [...s.args] } : {}),
            ports: [{ name: 'http', containerPort: s.port, protocol: 'TCP' }],
            env: tracingEnv(tenant, namespace),
            ...(resources ? { resources } : {}),
            securityContext: restrictedContainer(),
          },
        ],
      },
    };
    const metadata = { name: s.name, namespace, labels };
    this.resource =
      s.kind === 'Sandbox'
        ? new SandboxObject(this, 'Resource', { metadata, spec: { podTemplate } })
        : // Claims of a template are governed by the tenant's own NetworkPolicies, like every pod of
          // the namespace; the controller adds none. A routed template's claims get a headless
          // Service named after the claim: the claim's Sandbox takes the claim's name and the
          // template's spec, service included (agent-sandbox v0.5.6
          // extensions/controllers/sandboxclaim_controller.go; controllers/sandbox_controller.go
          // reconcileService), which the router dials as <claim>.<namespace>.svc.
          new SandboxTemplate(this, 'Resource', {
            metadata,
            spec: {
              podTemplate,
              networkPolicyManagement: NetworkPolicyManagement.UNMANAGED,
              ...(props.routed ? { service: true } : {}),
            },
          });
    if (s.kind === 'Sandbox') {
      // Not behind the tenant's waypoint: the waypoint forwards the tenant's own pods too, and
      // sandboxes are reached only through their gateway route. Istio 1.30 reserves "none" for
      // this (pilot/pkg/serviceregistry/ambient/waypoints.go getUseWaypoint), so the gateways
      // tunnel straight to the sandbox pod, which admits them on 15008.
      // A KubeService: cdk8s-plus-30 would add `externalIPs: []` and `type: ClusterIP`.
      this.service = new KubeService(this, 'Service', {
        metadata: {
          name: ROUTE_OBJECT_NAMES.sandboxService(s.name),
          namespace,
          labels: { ...labels, [LABELS.useWaypoint]: 'none' },
        },
        spec: {
          selector: { [SANDBOX_POD_LABEL]: s.name },
          ports: [{ name: 'http', port: s.port, targetPort: IntOrString.fromString('http'), protocol: 'TCP' }],
        },
      });
    }
  }
}
