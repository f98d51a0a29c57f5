import { Construct } from 'constructs';
import {
  Gateway,
  type GatewaySpecListenersAllowedRoutes,
  GatewaySpecListenersAllowedRoutesNamespacesFrom as RoutesFrom,
} from '../../../imports/gateway-api-gateways-gateway.networking.k8s.io';
import { AgentgatewayParameters } from '../../../imports/agentgateway-parameters-agentgateway.dev';
import { CENTRAL_GATEWAY, LABELS, MESH_GATEWAY, PLATFORM_NAMESPACES, PORTS } from '../../lib/constants';
import { groupOf } from '../../lib/gvk';
import { platformLabels } from '../../lib/labels';
import { externalHosts } from '../../config/routes';

/** Whether the external gateway's load balancer has public addresses. */
export type GatewayExposure = 'internet-facing' | 'internal';

/** TLS policy of the load balancer's listener: TLS 1.2 and 1.3 only. */
export const NLB_TLS_POLICY = 'ELBSecurityPolicy-TLS13-1-2-2021-06';

/**
 * Service annotations that make the external gateway an AWS Network Load Balancer terminating TLS
 * on port 443 with the ACM certificate, read by the AWS cloud provider's service controller
 * (kubernetes/cloud-provider-aws v1.31 pkg/providers/v1/aws.go: ServiceAnnotationLoadBalancerType
 * "nlb", ServiceAnnotationLoadBalancerInternal, ServiceAnnotationLoadBalancerCertificate with
 * ServiceAnnotationLoadBalancerSSLPorts make the listener TLS and forward plain TCP to the pods).
 */
export function nlbAnnotations(exposure: GatewayExposure, certificateArn: string): Record<string, string> {
  return {
    'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb',
    ...(exposure === 'internal' ? { 'service.beta.kubernetes.io/aws-load-balancer-internal': 'true' } : {}),
    'service.beta.kubernetes.io/aws-load-balancer-cross-zone-load-balancing-enabled': 'true',
    'service.beta.kubernetes.io/aws-load-balancer-ssl-cert': certificateArn,
    'service.beta.kubernetes.io/aws-load-balancer-ssl-ports': String(CENTRAL_GATEWAY.port),
    'service.beta.kubernetes.io/aws-load-balancer-ssl-negotiation-policy': NLB_TLS_POLICY,
  };
}

type GatewayRef = { group: string; kind: string; name: string };

/** Policy target of the external gateway (optionally one listener). */
export function centralGatewayTarget(sectionName?: string): GatewayRef & { sectionName?: string } {
  return {
    group: groupOf(Gateway.GVK),
    kind: Gateway.GVK.kind,
    name: CENTRAL_GATEWAY.name,
    ...(sectionName ? { sectionName } : {}),
  };
}

/** Policy target of the mesh gateway (optionally one listener). */
export function meshGatewayTarget(sectionName?: string): GatewayRef & { sectionName?: string } {
  return {
    group: groupOf(Gateway.GVK),
    kind: Gateway.GVK.kind,
    name: MESH_GATEWAY.name,
    ...(sectionName ? { sectionName } : {}),
  };
}

/** Parent of a route on the external gateway's API listener, from any namespace. */
export function centralGatewayParent(): GatewayRef & { namespace: string; sectionName: string } {
  return { ...centralGatewayTarget(), namespace: CENTRAL_GATEWAY.namespace, sectionName: CENTRAL_GATEWAY.listener };
}

/** Parent of a route on the mesh gateway's HTTP listener, from any namespace. */
export function meshGatewayParent(): GatewayRef & { namespace: string; sectionName: string } {
  return { ...meshGatewayTarget(), namespace: MESH_GATEWAY.namespace, sectionName: MESH_GATEWAY.listener };
}

/** Routes may attach from namespaces labelled for gateway discovery (tenants and the platform's). */
const DISCOVERED_NAMESPACES: GatewaySpecListenersAllowedRoutes = {
  namespaces: { from: RoutesFrom.SELECTOR, selector: { matchLabels: { [LABELS.gatewayDiscovery]: 'true' } } },
};

export interface CentralGatewayProps {
  /** Name of the AgentgatewayParameters (same namespace) that configure the proxy. */
  readonly parametersName: string;
  /** Domain of the environment: the listeners answer gateway.<domain> and keycloak.<domain>. */
  readonly domain: string;
  readonly exposure: GatewayExposure;
  /** ACM certificate of both host names. */
  readonly certificateArn: string;
}

/**
 * The external gateway agentgateway-proxy behind an AWS Network Load Balancer that terminates TLS
 * on port 443: listener `api` at gateway.<domain> (the exposed agents, MCP servers, sandboxes and
 * LLM backends, routes from namespaces labelled for gateway discovery) and listener `keycloak` at
 * keycloak.<domain> (token issuance, routes from the keycloak namespace only).
 */
export class CentralGateway extends Construct {
  public readonly resource: Gateway;

  constructor(scope: Construct, id: string, props: CentralGatewayProps) {
    super(scope, id);
    const hosts = externalHosts(props.domain);
    this.resource = new Gateway(this, 'Resource', {
      metadata: {
        name: CENTRAL_GATEWAY.name,
        namespace: CENTRAL_GATEWAY.namespace,
        labels: platformLabels('agentgateway'),
      },
      spec: {
        gatewayClassName: CENTRAL_GATEWAY.className,
        infrastructure: {
          annotations: nlbAnnotations(props.exposure, props.certificateArn),
          parametersRef: {
            group: groupOf(AgentgatewayParameters.GVK),
            kind: AgentgatewayParameters.GVK.kind,
            name: props.parametersName,
          },
        },
        listeners: [
          {
            name: CENTRAL_GATEWAY.listener,
            hostname: hosts.gateway,
            protocol: 'HTTP',
            port: CENTRAL_GATEWAY.port,
            allowedRoutes: DISCOVERED_NAMESPACES,
          },
          {
            name: CENTRAL_GATEWAY.keycloakListener,
            hostname: hosts.keycloak,
            protocol: 'HTTP',
            port: CENTRAL_GATEWAY.port,
            allowedRoutes: {
              namespaces: {
                from: RoutesFrom.SELECTOR,
                selector: { matchLabels: { [LABELS.namespaceName]: PLATFORM_NAMESPACES.keycloak } },
              },
            },
          },
        ],
      },
    });
  }
}

export interface MeshGatewayProps {
  /** Name of the AgentgatewayParameters (same namespace) that configure the proxy. */
  readonly parametersName: string;
}

/**
 * The mesh gateway agentgateway-mesh (ClusterIP): listener `mesh` (HTTP, port 80) that routes
 * attach to, and listener `hbone` (HBONE, 15008) that terminates the HBONE tunnels of meshed
 * clients and hands each request to the `mesh` listener with the client's SPIFFE identity.
 *
 * - agentgateway v1.4.1 maps an HBONE listener to a bind that terminates inbound HBONE and routes
 *   each CONNECT to the local bind of its port (controller/pkg/syncer/syncer.go HBONE_GATEWAY;
 *   crates/agentgateway/src/proxy/gateway.rs serve_gateway_connect).
 * - Meshed clients tunnel straight to the pods because they carry `networking.istio.io/tunnel:
 *   http` (Istio 1.30 pilot/pkg/serviceregistry/ambient/workloads.go setTunnelProtocol): their
 *   ztunnel opens HBONE to <pod>:15008 with the client workload's certificate.
 * - The Gateway's infrastructure labels go onto the proxy's pods (agentgateway v1.4.1
 *   controller/pkg/deployer/agentgateway_parameters.go, templates/_helpers.tpl podTemplate).
 */
export class MeshGateway extends Construct {
  public readonly resource: Gateway;

  constructor(scope: Construct, id: string, props: MeshGatewayProps) {
    super(scope, id);
    this.resource = new Gateway(this, 'Resource', {
      metadata: { name: MESH_GATEWAY.name, namespace: MESH_GATEWAY.namespace, labels: platformLabels('agentgateway') },
      spec: {
        gatewayClassName: MESH_GATEWAY.className,
        infrastructure: {
          labels: { [LABELS.tunnel]: 'http' },
          parametersRef: {
            group: groupOf(AgentgatewayParameters.GVK),
            kind: AgentgatewayParameters.GVK.kind,
            name: props.parametersName,
          },
        },
        listeners: [
          {
            name: MESH_GATEWAY.listener,
            protocol: 'HTTP',
            port: MESH_GATEWAY.port,
            allowedRoutes: DISCOVERED_NAMESPACES,
          },
          {
            name: MESH_GATEWAY.hboneListener,
            protocol: 'HBONE',
            port: PORTS.hbone,
            allowedRoutes: { namespaces: { from: RoutesFrom.SAME } },
          },
        ],
      },
    });
  }
}
