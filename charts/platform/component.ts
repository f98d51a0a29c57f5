/**
 * A platform component: one Argo CD Application, one folder dist/<env>/platform/<name>/ for our
 * own objects, optionally one pinned upstream (a Helm chart or a Git directory) with typed values.
 */
import type { Construct } from 'constructs';
import type { z } from 'zod';
import type { Environment } from '../config/environment';
import type { InfraOutputs } from '../config/infra-outputs';
import type { Tenant } from '../config/load-tenants';
import type { NodeGroup } from '../lib/constants';
import type { UpstreamName } from '../lib/upstream';

/** Everything a component may read. */
export interface PlatformContext {
  readonly env: Environment;
  readonly infra: InfraOutputs;
  readonly tenants: readonly Tenant[];
}

/** Everything a component's objects of one tenant may read: that tenant, never the others. */
export interface PlatformTenantContext {
  readonly env: Environment;
  readonly infra: InfraOutputs;
  readonly tenant: Tenant;
}

/** Where pods of a chart run: one node group, or every group (node agents). */
export type Placement = NodeGroup | 'every';

/** A pod spec inside a chart's values and the node group its pods run on. */
export interface ValuesPlacement {
  /** Dotted path of the object holding nodeSelector and tolerations ('' for the top level). */
  readonly path: string;
  readonly placement: Placement;
  /**
   * Key of the node selector in that object (charts written in snake case use node_selector).
   * @default 'nodeSelector'
   */
  readonly nodeSelectorKey?: string;
}

/**
 * Fields a controller writes at run time into an object the chart renders (a webhook's CA bundle,
 * say). The Application ignores exactly these, so it can settle; each entry cites the controller.
 */
export interface RuntimeFields {
  /** API group of the object ('' for the core group). */
  readonly group: string;
  readonly kind: string;
  readonly name: string;
  /** jq paths of the fields (Argo CD ignoreDifferences jqPathExpressions). */
  readonly jqPathExpressions: readonly string[];
}

/** Pinned upstream plus the Helm values the platform sets. */
export interface UpstreamInstall<V = unknown> {
  readonly name: UpstreamName;
  /** zod schema of the values we set: a misspelt key in TypeScript is a synth error. */
  readonly valuesSchema?: z.ZodType<V>;
  readonly values?: (ctx: PlatformContext) => V;
  /**
   * Dotted paths in the values where a pod spec's nodeSelector and tolerations go, and the node
   * group its pods run on. Synth writes the placement at every path; tests check each one.
   */
  readonly placements?: readonly ValuesPlacement[];
  /**
   * Fields controllers patch at run time into the chart's objects: the Application ignores them
   * and syncs with RespectIgnoreDifferences=true, so a sync never resets them.
   * @default none
   */
  readonly runtimeFields?: readonly RuntimeFields[];
}

export interface PlatformComponent {
  /** Application name and folder name; a DNS label. */
  readonly name: string;
  /** The platform.agentic.io/component label value: the component that owns the namespace. */
  readonly component: string;
  /** Destination namespace of the Application (cluster-scoped objects ignore it). */
  readonly namespace: string;
  /** One line for the README and the Application's description. */
  readonly description: string;
  /** Components that must be synced and healthy first. */
  readonly dependsOn: readonly string[];
  readonly upstream?: UpstreamInstall;
  /**
   * Our own objects for dist/<env>/platform/<name>/ that are no single tenant's: compiled once per
   * environment, and the only ones that may read the whole tenant list.
   */
  readonly manifests?: (scope: Construct, ctx: PlatformContext) => void;
  /**
   * Our own objects of one tenant, in the same folder (labelled with the tenant, named after its
   * namespace): compiled with that tenant's own files, so editing one tenant recompiles only it.
   * Every tenant gets objects of the same names, its namespace in them (the README lists them
   * once, with `<name>`).
   * @default none
   */
  readonly tenantManifests?: (scope: Construct, ctx: PlatformTenantContext) => void;
  /**
   * The upstream installs only CRDs and cluster-wide configuration: it runs no pods, so it needs
   * no placement.
   * @default false
   */
  readonly crdsOnly?: boolean;
  /**
   * Further README text for the component's folder, after the generated summary.
   * @default undefined (the summary only)
   */
  readonly readme?: () => string;
}
