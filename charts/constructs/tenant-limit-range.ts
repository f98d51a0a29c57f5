import { Construct } from 'constructs';
import { KubeLimitRange, Quantity } from '../../imports/k8s';
import { TENANT_OBJECTS } from '../lib/constants';
import { tenantLabels } from '../lib/labels';

export interface CpuMemory {
  readonly cpu?: string;
  readonly memory?: string;
}

export interface TenantLimitRangeProps {
  readonly tenant: string;
  readonly namespace: string;
  /** Limits of a container that sets none. */
  readonly default: CpuMemory;
  /** Requests of a container that sets none. */
  readonly defaultRequest: CpuMemory;
  /** Largest limits one container may set. @default - no maximum */
  readonly max?: CpuMemory;
  /** @default 'default-limits' */
  readonly name?: string;
}

function defined(v: CpuMemory): Record<string, Quantity> {
  return Object.fromEntries(
    Object.entries(v)
      .filter(([, x]) => x !== undefined)
      .map(([k, x]) => [k, Quantity.fromString(x as string)]),
  );
}

/**
 * Container defaults so that every pod counts against the quota even when its author set no
 * resources (a ResourceQuota on requests/limits rejects pods without them otherwise).
 */
export class TenantLimitRange extends Construct {
  public readonly resource: KubeLimitRange;

  constructor(scope: Construct, id: string, props: TenantLimitRangeProps) {
    super(scope, id);
    const max = props.max ? defined(props.max) : {};
    this.resource = new KubeLimitRange(this, 'Resource', {
      metadata: {
        name: props.name ?? TENANT_OBJECTS.limitRange,
        namespace: props.namespace,
        labels: tenantLabels(props.tenant),
      },
      spec: {
        limits: [
          {
            type: 'Container',
            default: defined(props.default),
            defaultRequest: defined(props.defaultRequest),
            ...(Object.keys(max).length > 0 ? { max } : {}),
          },
        ],
      },
    });
  }
}
