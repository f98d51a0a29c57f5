/**
 * The add-ons eksctl v0.230.0 installs when it creates a cluster, and where their Deployments land,
 * modelled from its source for the tests of the generated ClusterConfig.
 *
 * - pkg/apis/eksctl.io/v1alpha5/known_addons.go: vpc-cni, kube-proxy, coredns and metrics-server are
 *   IsDefault (metrics-server with CreateBeforeNodeGroup false and a list of ExcludedRegions).
 * - pkg/actions/addon/tasks.go CreateAddonTasks: unless addonsConfig.disableDefaultAddons, every
 *   default add-on the config does not list is added with no configuration; add-ons that are not
 *   CreateBeforeNodeGroup are created after the node groups, and eksctl waits for them when any of
 *   them requires waiting (ShouldWaitForAddons; aws-ebs-csi-driver does), so a Pending Deployment
 *   fails cluster creation after the cluster exists.
 * - Their Deployments tolerate no taint of ours: CoreDNS tolerates only the control-plane taint and
 *   CriticalAddonsOnly (pkg/addons/default/assets/coredns-1.35.json); the DaemonSets of vpc-cni
 *   (pkg/addons/default/assets/aws-node.yaml: `operator: Exists`) and kube-proxy tolerate everything.
 */
import { NODE_ROLE_LABEL } from '../../charts/lib/constants';
import { nodeGroupTaint } from '../../charts/lib/placement';

/** known_addons.go: the add-ons with IsDefault, and the regions metrics-server is not installed in. */
export const EKSCTL_DEFAULT_ADDONS: Readonly<Record<string, { readonly excludedRegions: readonly string[] }>> = {
  'vpc-cni': { excludedRegions: [] },
  'kube-proxy': { excludedRegions: [] },
  coredns: { excludedRegions: [] },
  'metrics-server': {
    excludedRegions: [
      'cn-northwest-1',
      'cn-north-1',
      'us-iso-east-1',
      'us-iso-west-1',
      'us-isob-east-1',
      'us-gov-west-1',
      'us-gov-east-1',
      'us-isof-east-1',
      'us-isof-south-1',
      'eu-isoe-west-1',
    ],
  },
};

/**
 * Where each add-on's configuration places its Deployments: the path of the object holding
 * nodeSelector and tolerations ('' for the top level); empty for add-ons that run DaemonSets only.
 */
export const ADDON_DEPLOYMENTS: Readonly<Record<string, readonly string[]>> = {
  'vpc-cni': [],
  'kube-proxy': [],
  coredns: [''],
  'metrics-server': [''],
  // The EBS CSI node DaemonSet tolerates every taint; its controller is a Deployment.
  'aws-ebs-csi-driver': ['controller'],
};

interface Addon {
  readonly name: string;
  readonly configurationValues?: string;
}

function tolerates(tolerations: any[], taint: { key: string; value: string; effect: string }): boolean {
  return tolerations.some(
    (t) =>
      (t.effect === undefined || t.effect === taint.effect) &&
      (t.operator === 'Exists' ? !t.key || t.key === taint.key : t.key === taint.key && t.value === taint.value),
  );
}

/** Every add-on Deployment of a ClusterConfig that would not run on the platform group, one line each. */
export function unplacedAddonDeployments(config: Record<string, any>): string[] {
  const listed = (config.addons ?? []) as Addon[];
  const problems: string[] = [];
  if (!config.addonsConfig?.disableDefaultAddons) {
    for (const [name, { excludedRegions }] of Object.entries(EKSCTL_DEFAULT_ADDONS)) {
      if (excludedRegions.includes(config.metadata.region) || listed.some((a) => a.name.toLowerCase() === name))
        continue;
      if ((ADDON_DEPLOYMENTS[name] ?? []).length > 0)
        problems.push(
          `${name}: installed by eksctl as a default add-on without configuration; its Deployment stays Pending on tainted nodes`,
        );
    }
  }
  for (const addon of listed) {
    const paths = ADDON_DEPLOYMENTS[addon.name];
    if (!paths) {
      problems.push(`${addon.name}: unknown add-on; say in ADDON_DEPLOYMENTS where its Deployments run`);
      continue;
    }
    const values = JSON.parse(addon.configurationValues ?? '{}');
    for (const p of paths) {
      const spec = p === '' ? values : (values[p] ?? {});
      const selector = spec.nodeSelector ?? {};
      if (selector[NODE_ROLE_LABEL] !== 'platform')
        problems.push(`${addon.name}: nodeSelector ${JSON.stringify(selector)} does not select the platform group`);
      if (!tolerates(spec.tolerations ?? [], nodeGroupTaint('platform')))
        problems.push(`${addon.name}: its tolerations do not admit the platform group's taint`);
    }
  }
  return problems;
}
