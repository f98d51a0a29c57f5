import { Construct } from 'constructs';
import { AgentgatewayPolicy, AgentgatewayPolicySpecFrontendNetworkAuthorizationAction } from '../../imports/agentgateway-policies-agentgateway.dev';
import { Gateway, GatewaySpecListenersAllowedRoutesNamespacesFrom } from '../../imports/gateway-api-gateways-gateway.networking.k8s.io';
import { LABELS, PORTS, TENANT_OBJECTS } from '../lib/constants';
import { tenantLabels } from '../lib/labels';

export interface TenantWaypointProps {
  readonly tenant: string;
  readonly namespace: string;
  /** Namespaces (besides the tenant's own) whose workloads may send traffic through the waypoint. */
  readonly allowedNamespaces: readonly string[];
  /** Istio trust domain of SPIFFE identities. */
  readonly trustDomain: string;
  /** @default 'agentgateway-waypoint' */
  readonly name?: string;
  /** @default 'agentgateway-waypoint' */
  readonly gatewayClassName?: string;
}

/** CEL expression that is true only for mTLS callers from the given namespaces. */
export function identityExpression(trustDomain: string, namespaces: readonly string[]): string {
  const list = namespaces.map((n) => `'${n}'`).join(', ');
  return `has(source.identity) && source.identity.trustDomain == '${trustDomain}' && source.identity.namespace in [${list}]`;
}

/**
 * The tenant's own agentgateway waypoint (Gateway API Gateway, HBONE on 15008) and the
 * authorization it enforces.
 *
 * The waypoint forwards to the tenant's pods under its own identity, so the namespace's
 * ztunnel policy can no longer see who called. The waypoint therefore checks the caller's
 * SPIFFE identity itself, on every connection, with an AgentgatewayPolicy: agentgateway does
 * not apply Istio AuthorizationPolicy objects, it applies its own policy kind.
 */
export class TenantWaypoint extends Construct {
  public readonly resource: Gateway;
  public readonly policy: AgentgatewayPolicy;

  constructor(scope: Construct, id: string, props: TenantWaypointProps) {
    super(scope, id);
    const name = props.name ?? TENANT_OBJECTS.waypoint;
    const labels = tenantLabels(props.tenant);
    this.resource = new Gateway(this, 'Resource', {
      metadata: { name, namespace: props.namespace, labels: { ...labels, [LABELS.waypointFor]: 'service' } },
      spec: {
        gatewayClassName: props.gatewayClassName ?? TENANT_OBJECTS.waypointClass,
        listeners: [{ name: 'mesh', port: PORTS.hbone, protocol: 'HBONE', allowedRoutes: { namespaces: { from: GatewaySpecListenersAllowedRoutesNamespacesFrom.SAME } } }],
      },
    });
    const namespaces = [props.namespace, ...props.allowedNamespaces.filter((n) => n !== props.namespace)];
    this.policy = new AgentgatewayPolicy(this, 'Isolation', {
      metadata: { name: TENANT_OBJECTS.waypointAuthorizationPolicy, namespace: props.namespace, labels },
      spec: {
        targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name }],
        frontend: {
          networkAuthorization: {
            action: AgentgatewayPolicySpecFrontendNetworkAuthorizationAction.ALLOW,
            policy: { matchExpressions: [identityExpression(props.trustDomain, namespaces)] },
          },
        },
      },
    });
  }
}
