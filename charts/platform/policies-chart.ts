import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { AppProtocolPolicy } from './policies/appprotocol-policy';
import { AutoExposePolicy } from './policies/auto-expose-policy';
import { KyvernoPermissions } from './policies/kyverno-permissions';
import { PlatformSchedulingPolicy } from './policies/platform-scheduling-policy';
import { TenantSchedulingPolicy } from './policies/tenant-scheduling-policy';
import { TracepropPolicy } from './policies/traceprop-policy';

export interface PoliciesChartProps {
  /**
   * Argo CD sync wave of the policies and their ClusterRoles. They are post-install objects: the
   * wave must come after Kyverno and the CRDs the policies name (kagent, agentgateway, Gateway API).
   * @default undefined (no sync-wave annotation)
   */
  readonly syncWave?: number;
}

/** The platform's Kyverno ClusterPolicies and the permissions Kyverno needs for them (dist/<env>/platform/policies/). */
export class PoliciesChart extends Chart {
  constructor(scope: Construct, id: string, props: PoliciesChartProps = {}) {
    super(scope, id);
    const syncWave = props.syncWave;
    new PlatformSchedulingPolicy(this, 'PlatformScheduling', { syncWave });
    new TenantSchedulingPolicy(this, 'TenantScheduling', { syncWave });
    new AutoExposePolicy(this, 'AutoExpose', { syncWave });
    new TracepropPolicy(this, 'Traceprop', { syncWave });
    new AppProtocolPolicy(this, 'AppProtocol', { syncWave });
    new KyvernoPermissions(this, 'KyvernoPermissions', { syncWave });
  }
}
