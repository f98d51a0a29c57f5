/**
 * The EKS add-on versions each Kubernetes version runs, pinned: cluster:create installs exactly
 * these and cluster:upgrade moves to the next version's row, so an add-on changes only in a reviewed
 * commit. Before either touches the cluster, the command checks every pin against
 * `aws eks describe-addon-versions --kubernetes-version <v>`, so a pin EKS does not offer stops the
 * command before anything is created.
 */

/** The add-ons the cluster runs, in the order eksctl creates them. */
export const ADDONS = ['vpc-cni', 'coredns', 'kube-proxy', 'aws-ebs-csi-driver', 'metrics-server'] as const;
export type AddonName = (typeof ADDONS)[number];

/**
 * Pins per Kubernetes minor version. Sources (awsdocs/amazon-eks-user-guide and its published pages):
 * - coredns, kube-proxy: the "latest version per Kubernetes version" tables of managing-coredns and
 *   managing-kube-proxy (docs.amazonaws.cn/.../managing-coredns.md, .../managing-kube-proxy.md, row 1.35);
 * - vpc-cni: latest/ug/networking/managing-vpc-cni.adoc lists one version for every Kubernetes version
 *   (v1.20.1-eksbuild.3 in the edition that lists 1.27 to 1.33);
 * - aws-ebs-csi-driver: the add-on's default version for 1.36 in September 2026 (v1.66.0-eksbuild.1,
 *   mitodl/ol-infrastructure#5959), offered for every supported version;
 * - metrics-server: the community add-on's build v0.8.0-eksbuild.3.
 * The ones without a 1.35 row in AWS's tables are confirmed by the describe-addon-versions check.
 */
export const ADDON_VERSIONS: Readonly<Record<string, Readonly<Record<AddonName, string>>>> = {
  '1.35': {
    'vpc-cni': 'v1.20.1-eksbuild.3',
    coredns: 'v1.13.2-eksbuild.4',
    'kube-proxy': 'v1.35.3-eksbuild.2',
    'aws-ebs-csi-driver': 'v1.66.0-eksbuild.1',
    'metrics-server': 'v0.8.0-eksbuild.3',
  },
};

/** The pinned add-on versions of a Kubernetes version; throws naming the fix when there are none. */
export function addonVersions(kubernetesVersion: string): Readonly<Record<AddonName, string>> {
  const row = ADDON_VERSIONS[kubernetesVersion];
  if (!row) {
    throw new Error(
      `Kubernetes ${kubernetesVersion} has no pinned add-on versions; add a row to ADDON_VERSIONS in cluster/addon-versions.ts (aws eks describe-addon-versions --kubernetes-version ${kubernetesVersion} lists them)`,
    );
  }
  return row;
}
