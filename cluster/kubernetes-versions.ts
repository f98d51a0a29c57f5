/**
 * Which Kubernetes versions an environment may run: inside the pinned Istio's supported range and
 * inside Amazon EKS support, with time to spare. cluster:create refuses a version that fails, and a
 * test checks the committed environments every day (the CI workflow's support-calendar job), so the
 * next expiry is caught by CI.
 */
import { type Environment, pinned } from '../charts';

/**
 * Kubernetes versions each Istio minor supports. Source: istio/istio.io
 * data/compatibility/supportStatus.yml (entry "1.30": k8sVersions 1.32 to 1.36); istio/istio 1.30.3
 * istioctl/pkg/install/k8sversion/version.go sets MinK8SVersion = 32.
 */
export const ISTIO_KUBERNETES_SUPPORT: Readonly<Record<string, readonly string[]>> = {
  '1.30': ['1.32', '1.33', '1.34', '1.35', '1.36'],
};

/** End of standard and of extended support of a Kubernetes version on EKS (UTC dates). */
export interface EksSupport {
  readonly standardEnds: string;
  readonly extendedEnds: string;
}

/**
 * The Amazon EKS Kubernetes release calendar. Sources: awsdocs/amazon-eks-user-guide
 * latest/ug/versioning/kubernetes-versions.adoc (commit 0138560, "Amazon EKS Kubernetes release
 * calendar": 1.30 to 1.34); 1.35: https://endoflife.date/amazon-eks (end of standard support
 * 2027-03-27, of extended support 2028-03-27).
 * On the end of extended support EKS stops creating clusters of the version, and eksctl v0.230.0
 * offers only versions whose status is not UNSUPPORTED (pkg/eks/versions_manager.go,
 * NewClusterVersionsManager). Add a row when EKS publishes a version's dates.
 */
export const EKS_SUPPORT: Readonly<Record<string, EksSupport>> = {
  '1.30': { standardEnds: '2025-07-23', extendedEnds: '2026-07-23' },
  '1.31': { standardEnds: '2025-11-26', extendedEnds: '2026-11-26' },
  '1.32': { standardEnds: '2026-03-23', extendedEnds: '2027-03-23' },
  '1.33': { standardEnds: '2026-07-29', extendedEnds: '2027-07-29' },
  '1.34': { standardEnds: '2026-12-02', extendedEnds: '2027-12-02' },
  '1.35': { standardEnds: '2027-03-27', extendedEnds: '2028-03-27' },
};

/**
 * Days before the end of standard support at which a version stops passing: time to run
 * cluster:upgrade in both environments before EKS bills extended support (EXTENDED) or upgrades the
 * control plane by itself (STANDARD).
 */
export const UPGRADE_NOTICE_DAYS = 45;

const DAY_MS = 24 * 60 * 60 * 1000;

/** The minor version of a version string: 1.30.3 → 1.30. */
export function minorOf(version: string): string {
  const m = /^v?(\d+)\.(\d+)/.exec(version);
  if (!m) throw new Error(`not a version: ${version}`);
  return `${m[1]}.${m[2]}`;
}

/** Whole days from one UTC date (YYYY-MM-DD) or instant to another. */
function daysBetween(from: Date, to: string): number {
  return Math.floor((Date.parse(`${to}T00:00:00Z`) - from.getTime()) / DAY_MS);
}

/**
 * Why an environment's Kubernetes version cannot be created or kept on `today`, one line each with
 * the fix; empty when it can.
 */
export function kubernetesVersionProblems(
  env: Pick<Environment, 'name' | 'kubernetesVersion' | 'platform'>,
  today: Date,
): string[] {
  const problems: string[] = [];
  const k8s = env.kubernetesVersion;
  const istio = minorOf(pinned('istiod', env.platform.versions).version);
  const istioRange = ISTIO_KUBERNETES_SUPPORT[istio];
  if (!istioRange) {
    problems.push(
      `${env.name}: Istio ${istio} has no supported Kubernetes versions in ISTIO_KUBERNETES_SUPPORT (cluster/kubernetes-versions.ts); add them from Istio's support matrix`,
    );
  } else if (!istioRange.includes(k8s)) {
    problems.push(
      `${env.name}: Kubernetes ${k8s} is outside Istio ${istio}'s supported range ${istioRange[0]} to ${istioRange[istioRange.length - 1]}; set kubernetesVersion to one of ${istioRange.join(', ')}`,
    );
  }
  const eks = EKS_SUPPORT[k8s];
  if (!eks) {
    problems.push(
      `${env.name}: Kubernetes ${k8s} has no EKS support dates in EKS_SUPPORT (cluster/kubernetes-versions.ts); add them from the Amazon EKS Kubernetes release calendar`,
    );
    return problems;
  }
  const extended = daysBetween(today, eks.extendedEnds);
  const standard = daysBetween(today, eks.standardEnds);
  if (extended <= 0) {
    problems.push(
      `${env.name}: EKS extended support for Kubernetes ${k8s} ended on ${eks.extendedEnds}: EKS no longer creates such clusters; set kubernetesVersion to a supported version`,
    );
  } else if (standard <= 0) {
    problems.push(
      `${env.name}: EKS standard support for Kubernetes ${k8s} ended on ${eks.standardEnds} (extended support ends ${eks.extendedEnds}); upgrade with npm run cluster:upgrade`,
    );
  } else if (standard < UPGRADE_NOTICE_DAYS) {
    problems.push(
      `${env.name}: EKS standard support for Kubernetes ${k8s} ends on ${eks.standardEnds}, in ${standard} days; upgrade with npm run cluster:upgrade`,
    );
  }
  return problems;
}
