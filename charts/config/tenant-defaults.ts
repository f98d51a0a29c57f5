/**
 * Platform defaults for every tenant; each value can be overridden per tenant in tenants.yaml.
 */
import type { QuotaKey } from './tenant-fields';

/** ResourceQuota hard limits of a tenant namespace. */
export const DEFAULT_QUOTA: Readonly<Partial<Record<QuotaKey, string | number>>> = {
  'requests.cpu': '8',
  'requests.memory': '16Gi',
  'limits.cpu': '16',
  'limits.memory': '32Gi',
  pods: 20,
  services: 10,
  secrets: 20,
  configmaps: 20,
  // Tenants are reached from outside only through the external gateway: no node ports, no load balancers.
  'services.nodeports': 0,
  'services.loadbalancers': 0,
};

/** Container defaults of the tenant LimitRange. */
export const DEFAULT_LIMITS = {
  default: { cpu: '200m', memory: '256Mi' },
  defaultRequest: { cpu: '50m', memory: '64Mi' },
} as const;
