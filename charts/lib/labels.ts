/**
 * Label sets shared by the constructs.
 */
import { LABELS, MANAGED_BY } from './constants';

/** Labels on every object the platform emits for a tenant. */
export function tenantLabels(tenant: string): Record<string, string> {
  return {
    [LABELS.managedBy]: MANAGED_BY,
    [LABELS.partOf]: MANAGED_BY,
    [LABELS.tenantName]: tenant,
  };
}

/** Labels on every platform-level object. */
export function platformLabels(component: string): Record<string, string> {
  return {
    [LABELS.managedBy]: MANAGED_BY,
    [LABELS.partOf]: MANAGED_BY,
    [LABELS.component]: component,
  };
}
