import { Construct } from 'constructs';
import { KubeResourceQuota, Quantity } from '../../imports/k8s';
import { TENANT_OBJECTS } from '../lib/constants';
import { tenantLabels } from '../lib/labels';

export interface TenantResourceQuotaProps {
  readonly tenant: string;
  readonly namespace: string;
  /** Hard limits by quota key (requests.cpu, pods, ...), already merged with the platform defaults. */
  readonly hard: Readonly<Record<string, string>>;
  /** @default 'tenant-quota' */
  readonly name?: string;
}

/** The tenant's ResourceQuota. Tenants cannot change it: their role grants no access to quotas. */
export class TenantResourceQuota extends Construct {
  public readonly resource: KubeResourceQuota;

  constructor(scope: Construct, id: string, props: TenantResourceQuotaProps) {
    super(scope, id);
    this.resource = new KubeResourceQuota(this, 'Resource', {
      metadata: {
        name: props.name ?? TENANT_OBJECTS.resourceQuota,
        namespace: props.namespace,
        labels: tenantLabels(props.tenant),
      },
      spec: { hard: Object.fromEntries(Object.entries(props.hard).map(([k, v]) => [k, Quantity.fromString(v)])) },
    });
  }
}
