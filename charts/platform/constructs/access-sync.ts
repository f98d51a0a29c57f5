import { JsonPatch } from 'cdk8s';
import { ServiceAccount } from 'cdk8s-plus-30';
import { Construct } from 'constructs';
import {
  type Container,
  type EnvVar,
  KubeConfigMap,
  KubeCronJob,
  KubeNetworkPolicy,
  Quantity,
  type Volume,
} from '../../../imports/k8s';
import type { PlatformSettings } from '../../config/platform-settings';
import { CHART_SERVICES } from '../../lib/chart-names';
import { KEYCLOAK, OBSERVABILITY, PLATFORM_NAMESPACES, PORTS, tenantNamespace } from '../../lib/constants';
import { PlatformExternalSecret } from './external-secret';
import { dnsEgress, namespacePeer, tcp } from '../../lib/network';
import { platformLabels } from '../../lib/labels';
import { nodeSelectorFor, tolerationsFor } from '../../lib/placement';
import { ACCESS_SYNC_SCRIPT } from '../observability/access-sync-script';

/** What an access sync keeps in line with the Keycloak groups. */
export type AccessSyncTarget = 'langfuse' | 'grafana';

/** File name of the program in the script ConfigMap. */
export const ACCESS_SYNC_FILE = 'access-sync.mjs';

/** Where the per-tenant state files and keys are mounted. */
export const ACCESS_SYNC_DIRS = { state: '/state', keys: '/keys', script: '/sync' } as const;

/** An unprivileged user id outside the image's own users (the program needs no home). */
const SYNC_UID = 10001;

export interface AccessSyncProps {
  readonly target: AccessSyncTarget;
  readonly namespace: string;
  /** Component label value. */
  readonly component: string;
  /** The Node.js image the program runs on. */
  readonly image: PlatformSettings['images']['accessSync'];
  /**
   * The tenants whose state files it mounts: the ConfigMaps `<target>-tenant-<name>`, each an
   * `AccessSyncState` compiled with its tenant.
   */
  readonly tenants: readonly string[];
  /**
   * Per tenant: the Secret with its Langfuse project key (`publicKey`, `secretKey`), optional
   * (a tenant whose key is not in AWS Secrets Manager yet gets its project, not its key).
   * @default [] (none)
   */
  readonly keys?: readonly { readonly tenant: string; readonly secret: string }[];
  /** Environment of the program besides STATE_DIR, KEYS_DIR and the Keycloak settings. */
  readonly env: readonly EnvVar[];
  /**
   * The AWS Secrets Manager entry with the sync client's Keycloak secret (property
   * accessSyncClientSecret), synced into the Secret `<target>-access-sync-keycloak`.
   */
  readonly keycloakSecretEntry: string;
  /** The pods of the application it talks to (same namespace) and their HTTP port. */
  readonly application: { readonly pods: Readonly<Record<string, string>>; readonly port: number };
  /**
   * How often it runs (cron).
   * @default '*\/5 * * * *'
   */
  readonly schedule?: string;
}

/**
 * A CronJob that runs the access sync (charts/platform/observability/access-sync-script.ts) for
 * Langfuse or Grafana: the state files of every tenant, the Keycloak group members read with the
 * sync client's token, and the application's admin API. Its pods reach DNS, Keycloak and the
 * application, nothing else; they carry no Kubernetes token.
 */
export class AccessSync extends Construct {
  public readonly resource: KubeCronJob;

  constructor(scope: Construct, id: string, props: AccessSyncProps) {
    super(scope, id);
    const name = `${props.target}-access-sync`;
    const ns = props.namespace;
    const labels = platformLabels(props.component);
    const selector = { [OBSERVABILITY.accessSyncPodLabel]: props.target };
    const account = new ServiceAccount(this, 'ServiceAccount', {
      metadata: { name, namespace: ns, labels },
      automountToken: false,
    });
    const states = [...props.tenants]
      .sort((a, b) => a.localeCompare(b))
      .map((tenant) => ({ tenant, configMap: accessSyncState(props.target, tenant) }));
    const keycloakSecret = `${name}-keycloak`;
    new PlatformExternalSecret(this, 'KeycloakClient', {
      namespace: ns,
      name: keycloakSecret,
      component: props.component,
      remoteKey: props.keycloakSecretEntry,
      properties: ['accessSyncClientSecret'],
      template: { clientSecret: '{{ .accessSyncClientSecret }}' },
    });
    const script = new KubeConfigMap(this, 'Script', {
      metadata: { name, namespace: ns, labels },
      data: { [ACCESS_SYNC_FILE]: ACCESS_SYNC_SCRIPT },
    });
    // Kube* classes: cdk8s-plus-30 would add `immutable: false` to the ConfigMaps, `podSelector: {}`
    // to a namespace peer, and its own pod labels and security defaults to the CronJob.
    this.network(name, props);
    const keys = props.keys ?? [];
    this.resource = new KubeCronJob(this, 'Resource', {
      metadata: { name, namespace: ns, labels },
      spec: {
        schedule: props.schedule ?? '*/5 * * * *',
        concurrencyPolicy: 'Forbid',
        // A run missed by more than a schedule interval is skipped; the next one catches up.
        startingDeadlineSeconds: 240,
        successfulJobsHistoryLimit: 1,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          spec: {
            backoffLimit: 1,
            activeDeadlineSeconds: 240,
            ttlSecondsAfterFinished: 3600,
            template: {
              // No batch.kubernetes.io/job-name: the API server requires it to equal the Job's name, and
              // the CronJob controller names each Job <cronjob>-<time> (test/integration/environments.test.ts).
              metadata: { labels: { ...labels, ...selector } },
              spec: {
                serviceAccountName: account.name,
                restartPolicy: 'Never',
                automountServiceAccountToken: false,
                nodeSelector: nodeSelectorFor('platform'),
                tolerations: tolerationsFor('platform'),
                securityContext: {
                  runAsNonRoot: true,
                  runAsUser: SYNC_UID,
                  runAsGroup: SYNC_UID,
                  seccompProfile: { type: 'RuntimeDefault' },
                },
                containers: [syncContainer(props, keycloakSecret, keys.length > 0)],
              },
            },
          },
        },
      },
    });
    // Plain JSON, one entry per tenant: the typed conversion of thousands of projections costs
    // more than the rest of the environment's platform.
    this.resource.addJsonPatch(
      JsonPatch.add('/spec/jobTemplate/spec/template/spec/volumes', syncVolumes(script.name, states, keys)),
    );
  }

  /** Out to DNS, Keycloak and the application only; no ingress. */
  private network(name: string, props: AccessSyncProps): void {
    new KubeNetworkPolicy(this, 'Network', {
      metadata: { name, namespace: props.namespace, labels: platformLabels(props.component) },
      spec: {
        podSelector: { matchLabels: { [OBSERVABILITY.accessSyncPodLabel]: props.target } },
        policyTypes: ['Ingress', 'Egress'],
        egress: [
          dnsEgress(),
          // Keycloak's HTTP port (the token and the group members), directly or as HBONE in the mesh.
          {
            to: [namespacePeer(PLATFORM_NAMESPACES.keycloak)],
            ports: [tcp(CHART_SERVICES.keycloak.podPort), tcp(PORTS.hbone)],
          },
          {
            to: [{ podSelector: { matchLabels: { ...props.application.pods } } }],
            ports: [tcp(props.application.port), tcp(PORTS.hbone)],
          },
        ],
      },
    });
  }
}

/** The sync container: the program from its ConfigMap, Keycloak's client secret, no privileges. */
function syncContainer(props: AccessSyncProps, keycloakSecret: string, hasKeys: boolean): Container {
  const keycloakUrl = `http://${CHART_SERVICES.keycloak.name}.${PLATFORM_NAMESPACES.keycloak}.svc.cluster.local:${CHART_SERVICES.keycloak.port}`;
  return {
    name: 'sync',
    image: `${props.image.registry}/${props.image.repository}:${props.image.tag}`,
    imagePullPolicy: 'Always',
    command: ['node', `${ACCESS_SYNC_DIRS.script}/${ACCESS_SYNC_FILE}`, props.target],
    env: [
      { name: 'STATE_DIR', value: ACCESS_SYNC_DIRS.state },
      ...(hasKeys ? [{ name: 'KEYS_DIR', value: ACCESS_SYNC_DIRS.keys }] : []),
      { name: 'KEYCLOAK_URL', value: keycloakUrl },
      { name: 'KEYCLOAK_REALM', value: KEYCLOAK.realm },
      { name: 'KEYCLOAK_CLIENT_ID', value: OBSERVABILITY.accessSyncClient },
      {
        name: 'KEYCLOAK_CLIENT_SECRET',
        valueFrom: { secretKeyRef: { name: keycloakSecret, key: 'clientSecret' } },
      },
      { name: 'OPERATORS_GROUP', value: `/${OBSERVABILITY.operatorsGroup}` },
      ...props.env,
    ],
    resources: {
      requests: {
        cpu: Quantity.fromString('20m'),
        memory: Quantity.fromString('64Mi'),
        'ephemeral-storage': Quantity.fromString('16Mi'),
      },
      limits: {
        cpu: Quantity.fromString('200m'),
        memory: Quantity.fromString('256Mi'),
        'ephemeral-storage': Quantity.fromString('64Mi'),
      },
    },
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    },
    volumeMounts: [
      { name: 'script', mountPath: ACCESS_SYNC_DIRS.script, readOnly: true },
      { name: 'state', mountPath: ACCESS_SYNC_DIRS.state, readOnly: true },
      ...(hasKeys ? [{ name: 'keys', mountPath: ACCESS_SYNC_DIRS.keys, readOnly: true }] : []),
    ],
  };
}

/** The program, the tenants' state files and (when any) their Langfuse keys. */
function syncVolumes(
  script: string,
  states: readonly { tenant: string; configMap: string }[],
  keys: readonly { tenant: string; secret: string }[],
): Volume[] {
  return [
    { name: 'script', configMap: { name: script } },
    // No tenant: an empty directory (a projected volume needs a source).
    states.length
      ? {
          name: 'state',
          projected: {
            sources: states.map((s) => ({
              configMap: {
                name: s.configMap,
                items: [{ key: ACCESS_SYNC_STATE_KEY, path: `${s.tenant}.json` }],
              },
            })),
          },
        }
      : { name: 'state', emptyDir: {} },
    ...(keys.length
      ? [
          {
            name: 'keys',
            projected: {
              sources: keys.map((k) => ({
                secret: {
                  name: k.secret,
                  optional: true,
                  items: ['publicKey', 'secretKey'].map((key) => ({ key, path: `${k.tenant}.${key}` })),
                },
              })),
            },
          },
        ]
      : []),
  ];
}

export interface AccessSyncStateProps {
  readonly target: AccessSyncTarget;
  readonly namespace: string;
  /** Component label value. */
  readonly component: string;
  readonly tenant: string;
  /** What the program needs to know of the tenant, written as `tenant.json`. */
  readonly state: Record<string, unknown>;
}

/** A tenant's state file for an access sync, in the ConfigMap `<target>-tenant-<name>` of its own. */
export class AccessSyncState extends Construct {
  constructor(scope: Construct, id: string, props: AccessSyncStateProps) {
    super(scope, id);
    new KubeConfigMap(this, 'Resource', {
      metadata: {
        name: accessSyncState(props.target, props.tenant),
        namespace: props.namespace,
        labels: { ...platformLabels(props.component), [OBSERVABILITY.accessTenantLabel]: props.tenant },
      },
      data: { [ACCESS_SYNC_STATE_KEY]: JSON.stringify(props.state, null, 2) + '\n' },
    });
  }
}

/** Key of the state file in each per-tenant ConfigMap. */
export const ACCESS_SYNC_STATE_KEY = 'tenant.json';

/** The ConfigMap with a tenant's state for an access sync: `<target>-tenant-<name>`. */
export function accessSyncState(target: AccessSyncTarget, tenant: string): string {
  return `${target}-${tenantNamespace(tenant)}`;
}
