import { Construct } from 'constructs';
import {
  Container,
  IntOrString,
  KubeDeployment,
  KubeNetworkPolicy,
  KubePodDisruptionBudget,
  KubeService,
  KubeServiceAccount,
  Quantity,
} from '../../imports/k8s';
import { LABELS, PORTS, SANDBOX_POD_LABEL, SANDBOX_ROUTER } from '../lib/constants';
import { tenantLabels } from '../lib/labels';
import { spreadOverNodes } from '../lib/placement';
import { tcp } from '../lib/network';
import { agentsPlacement, restrictedContainer } from './workload-parts';

export interface TenantSandboxRouterProps {
  readonly tenant: string;
  readonly namespace: string;
  /** The router's image (platform.images.sandboxRouter of the environment). */
  readonly image: { readonly registry: string; readonly repository: string; readonly tag: string };
  /** The tenant's SandboxTemplates: the router reaches their claims' pods and nothing else. */
  readonly templates: readonly string[];
}

/**
 * The container arguments of the router (agent-sandbox v0.5.6 sandbox-router/config/flags.go).
 * The Pod-IP cache stays off: without it the router never calls the Kubernetes API, so it needs no
 * token, no RBAC and no egress to the API server, and it resolves a sandbox only by the DNS name of
 * its headless Service, <X-Sandbox-ID>.<X-Sandbox-Namespace>.svc (proxy/resolve.go Resolve;
 * cmd/main.go builds a Kubernetes client only for the cache or tokenreview).
 */
export function sandboxRouterArgs(): string[] {
  return [
    `--http-bind-address=:${SANDBOX_ROUTER.port}`,
    `--metrics-bind-address=:${SANDBOX_ROUTER.metricsPort}`,
    `--health-probe-bind-address=:${SANDBOX_ROUTER.healthPort}`,
    '--cluster-domain=cluster.local',
    '--cache-enabled=false',
    '--authz-mode=allow-all',
  ];
}

/** The router's container: its flags, ports, probes, resources and a read-only root. */
function routerContainer(name: string, image: TenantSandboxRouterProps['image']): Container {
  return {
    name,
    image: `${image.registry}/${image.repository}:${image.tag}`,
    imagePullPolicy: 'Always',
    args: sandboxRouterArgs(),
    ports: [
      { name: 'proxy', containerPort: SANDBOX_ROUTER.port, protocol: 'TCP' },
      { name: 'metrics', containerPort: SANDBOX_ROUTER.metricsPort, protocol: 'TCP' },
      { name: 'healthz', containerPort: SANDBOX_ROUTER.healthPort, protocol: 'TCP' },
    ],
    // server/probes.go: /healthz and /readyz on the probe port.
    livenessProbe: {
      httpGet: { path: '/healthz', port: IntOrString.fromString('healthz') },
      periodSeconds: 10,
    },
    readinessProbe: {
      httpGet: { path: '/readyz', port: IntOrString.fromString('healthz') },
      periodSeconds: 5,
    },
    resources: {
      requests: {
        cpu: Quantity.fromString(SANDBOX_ROUTER.resources.requests.cpu),
        memory: Quantity.fromString(SANDBOX_ROUTER.resources.requests.memory),
        'ephemeral-storage': Quantity.fromString(SANDBOX_ROUTER.ephemeralStorage.requests),
      },
      limits: {
        cpu: Quantity.fromString(SANDBOX_ROUTER.resources.limits.cpu),
        memory: Quantity.fromString(SANDBOX_ROUTER.resources.limits.memory),
        'ephemeral-storage': Quantity.fromString(SANDBOX_ROUTER.ephemeralStorage.limits),
      },
    },
    securityContext: { ...restrictedContainer(), readOnlyRootFilesystem: true },
  };
}

/**
 * A tenant's sandbox router: agent-sandbox's sandbox-router (v0.5.6 sandbox-router/), one per
 * tenant namespace, which forwards a request to the sandbox its X-Sandbox-ID header names. The
 * gateways' routes to it (TenantRoute, `/sandbox/<segment>`) set X-Sandbox-Namespace to this
 * namespace and remove the headers that would pick a pod by address or UID, and:
 *
 * - its pods carry the sandbox pod label, so the namespace's policies treat them as a sandbox: no
 *   pod of the namespace reaches them, only the gateways (on 15008), and they reach nothing of the
 *   namespace or the platform;
 * - NetworkPolicy `sandbox-router` lets them reach the pods of the tenant's SandboxTemplates (the
 *   claims) on 15008, and `sandbox-router-claims` lets those pods admit them: no other namespace,
 *   Service or pod, whatever the headers say;
 * - no service account token and no RBAC (the cache is off, see sandboxRouterArgs).
 */
export class TenantSandboxRouter extends Construct {
  public readonly resource: KubeDeployment;
  public readonly service: KubeService;

  constructor(scope: Construct, id: string, props: TenantSandboxRouterProps) {
    super(scope, id);
    if (props.templates.length === 0)
      throw new Error(
        `TenantSandboxRouter ${props.tenant}: no SandboxTemplate to route to; pass the tenant's templates`,
      );
    const { namespace } = props;
    const name = SANDBOX_ROUTER.name;
    const labels = tenantLabels(props.tenant);
    const selector = { ...SANDBOX_ROUTER.podLabels };
    const claims = {
      matchExpressions: [{ key: SANDBOX_POD_LABEL, operator: 'In', values: [...props.templates].sort() }],
    };
    new KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name, namespace, labels },
      automountServiceAccountToken: false,
    });
    this.resource = new KubeDeployment(this, 'Resource', {
      metadata: { name, namespace, labels },
      spec: {
        replicas: SANDBOX_ROUTER.replicas,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels: { ...labels, ...selector } },
          spec: {
            serviceAccountName: name,
            automountServiceAccountToken: false,
            ...agentsPlacement(),
            // The replicas on different nodes where the group has them.
            affinity: spreadOverNodes(selector),
            // The image's final stage is gcr.io/distroless/static:nonroot (sandbox-router/Dockerfile).
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 65532,
              runAsGroup: 65532,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [routerContainer(name, props.image)],
          },
        },
      },
    });
    new KubePodDisruptionBudget(this, 'Disruption', {
      metadata: { name, namespace, labels },
      spec: { maxUnavailable: IntOrString.fromNumber(1), selector: { matchLabels: selector } },
    });
    // Outside the tenant's waypoint, like a sandbox's Service: the gateways tunnel straight to the pod.
    this.service = new KubeService(this, 'Service', {
      metadata: { name, namespace, labels: { ...labels, [LABELS.useWaypoint]: 'none' } },
      spec: {
        selector,
        ports: [
          { name: 'http', port: SANDBOX_ROUTER.port, targetPort: IntOrString.fromString('proxy'), protocol: 'TCP' },
        ],
      },
    });
    routerPolicies(this, { name, namespace, labels, selector, claims });
  }
}

/** NetworkPolicies: the router reaches the claims of the tenant's templates only, and they admit it. */
function routerPolicies(
  scope: Construct,
  p: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    selector: Record<string, string>;
    claims: { matchExpressions: { key: string; operator: string; values: string[] }[] };
  },
): void {
  const { name, namespace, labels, selector, claims } = p;
  new KubeNetworkPolicy(scope, 'Egress', {
    metadata: { name, namespace, labels },
    spec: {
      podSelector: { matchLabels: selector },
      policyTypes: ['Egress'],
      egress: [{ to: [{ podSelector: claims }], ports: [tcp(PORTS.hbone)] }],
    },
  });
  new KubeNetworkPolicy(scope, 'Claims', {
    metadata: { name: `${name}-claims`, namespace, labels },
    spec: {
      podSelector: claims,
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: { matchLabels: selector } }], ports: [tcp(PORTS.hbone)] }],
    },
  });
}
