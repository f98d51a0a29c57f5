/**
 * The tenant waypoint's size: one pod and one Service in every tenant namespace, with these
 * container resources, whichever implementation runs it. The istiod values (Envoy waypoints) and
 * the agentgateway waypoint parameters set them, and the tenants.yaml loader counts them against
 * the tenant's quota.
 */
export const WAYPOINT_RESOURCES = {
  requests: { cpu: '100m', memory: '128Mi' },
  limits: { cpu: '500m', memory: '256Mi' },
} as const;

/** Pods and Services the waypoint adds to a tenant namespace. */
export const WAYPOINT_OBJECTS = { pods: 1, services: 1 } as const;
