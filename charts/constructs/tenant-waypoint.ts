import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import {
  AgentgatewayPolicy,
  AgentgatewayPolicySpecFrontendNetworkAuthorizationAction,
} from '../../imports/agentgateway-policies-agentgateway.dev';
import {
  Gateway,
  GatewaySpecListenersAllowedRoutesNamespacesFrom,
} from '../../imports/gateway-api-gateways-gateway.networking.k8s.io';
import { AuthorizationPolicy, AuthorizationPolicySpecAction } from '../../imports/istio-security.istio.io';
import type { WaypointKind } from '../config/platform-settings';
import { LABELS, PORTS, TENANT_OBJECTS } from '../lib/constants';
import { groupOf } from '../lib/gvk';
import { tenantLabels } from '../lib/labels';
import { namespacePrincipal } from './tenant-authorization-policy';

/** A caller the waypoint admits besides the tenant's own workloads: one service account. */
export interface WaypointCaller {
  readonly namespace: string;
  readonly serviceAccount: string;
}

export interface TenantWaypointProps {
  readonly tenant: string;
  readonly namespace: string;
  /** Which implementation runs the waypoint (the environment's platform.waypoint). */
  readonly kind: WaypointKind;
  /** Platform workloads (besides the tenant's own) that may send traffic through the waypoint. */
  readonly allowedCallers: readonly WaypointCaller[];
  /** Istio trust domain of SPIFFE identities. */
  readonly trustDomain: string;
  /** @default 'agentgateway-waypoint' */
  readonly name?: string;
}

/** SPIFFE principal of one service account, as Istio AuthorizationPolicies write it. */
export function serviceAccountPrincipal(trustDomain: string, caller: WaypointCaller): string {
  return `${trustDomain}/ns/${caller.namespace}/sa/${caller.serviceAccount}`;
}

/** CEL expression (agentgateway) true only for mTLS callers from the namespace or the listed service accounts. */
export function identityExpression(trustDomain: string, namespace: string, callers: readonly WaypointCaller[]): string {
  const id = (c: WaypointCaller) =>
    `(source.identity.namespace == '${c.namespace}' && source.identity.serviceAccount == '${c.serviceAccount}')`;
  return `has(source.identity) && source.identity.trustDomain == '${trustDomain}' && (source.identity.namespace == '${namespace}'${callers.map((c) => ` || ${id(c)}`).join('')})`;
}

/**
 * The tenant's own waypoint (Gateway API Gateway `agentgateway-waypoint`, HBONE on 15008, class
 * `agentgateway-waypoint`) and the authorization it enforces on every request sent to a Service
 * of the namespace.
 *
 * The waypoint forwards to the tenant's pods under its own identity, so the namespace's ztunnel
 * policy can no longer tell the original callers apart: the waypoint checks the caller's SPIFFE
 * identity itself. With Istio's Envoy waypoint that is an Istio AuthorizationPolicy bound to the
 * waypoint by `targetRefs` (Istio 1.30 pilot/pkg/model/policyattachment.go: waypoints apply only
 * targetRefs policies, and match principals against the client certificate of the HBONE tunnel,
 * pilot/pkg/networking/core/listener_waypoint.go useFilterState); with agentgateway it is an
 * AgentgatewayPolicy on the Gateway (agentgateway applies its own policy kind, not Istio's).
 */
export class TenantWaypoint extends Construct {
  public readonly resource: Gateway;
  public readonly policy: ApiObject;

  constructor(scope: Construct, id: string, props: TenantWaypointProps) {
    super(scope, id);
    const name = props.name ?? TENANT_OBJECTS.waypoint;
    const labels = tenantLabels(props.tenant);
    this.resource = new Gateway(this, 'Resource', {
      metadata: { name, namespace: props.namespace, labels: { ...labels, [LABELS.waypointFor]: 'service' } },
      spec: {
        gatewayClassName: TENANT_OBJECTS.waypointClass,
        listeners: [
          {
            name: 'mesh',
            port: PORTS.hbone,
            protocol: 'HBONE',
            allowedRoutes: { namespaces: { from: GatewaySpecListenersAllowedRoutesNamespacesFrom.SAME } },
          },
        ],
      },
    });
    const metadata = { name: TENANT_OBJECTS.waypointAuthorizationPolicy, namespace: props.namespace, labels };
    this.policy =
      props.kind === 'istio'
        ? new AuthorizationPolicy(this, 'Isolation', {
            metadata,
            spec: {
              targetRefs: [{ group: groupOf(Gateway.GVK), kind: Gateway.GVK.kind, name }],
              action: AuthorizationPolicySpecAction.ALLOW,
              rules: [
                {
                  from: [
                    {
                      source: {
                        principals: [
                          namespacePrincipal(props.trustDomain, props.namespace),
                          ...props.allowedCallers.map((c) => serviceAccountPrincipal(props.trustDomain, c)),
                        ],
                      },
                    },
                  ],
                },
              ],
            },
          })
        : new AgentgatewayPolicy(this, 'Isolation', {
            metadata,
            spec: {
              targetRefs: [{ group: groupOf(Gateway.GVK), kind: Gateway.GVK.kind, name }],
              frontend: {
                networkAuthorization: {
                  action: AgentgatewayPolicySpecFrontendNetworkAuthorizationAction.ALLOW,
                  policy: {
                    matchExpressions: [identityExpression(props.trustDomain, props.namespace, props.allowedCallers)],
                  },
                },
              },
            },
          });
  }
}
