import { NetworkPolicy, NetworkPolicyPort, NetworkPolicyTrafficDefault, Pods } from 'cdk8s-plus-30';
import { Construct } from 'constructs';
import { type Container, KubeJob, Quantity } from '../../../imports/k8s';
import type { PlatformSettings } from '../../config/platform-settings';
import { CHART_SERVICES } from '../../lib/chart-names';
import { ANNOTATIONS, KEYCLOAK, LABELS, PLATFORM_NAMESPACES, PORTS } from '../../lib/constants';
import { platformLabels } from '../../lib/labels';
import { dnsRule } from './plus-network';
import { nodeSelectorFor, tolerationsFor } from '../../lib/placement';
import { CLIENT_SECRET_ENV, REALM_SYNC_FILE } from './keycloak-realm';
import { OBSERVABILITY } from '../../lib/constants';

/** Key of each client's secret in the client secrets Secret (the AWS Secrets Manager properties). */
export const CLIENT_SECRET_KEYS = {
  [OBSERVABILITY.langfuseClient]: 'langfuseClientSecret',
  [OBSERVABILITY.grafanaClient]: 'grafanaClientSecret',
  [OBSERVABILITY.accessSyncClient]: 'accessSyncClientSecret',
} as const;

/** Keycloak's HTTP container port, behind its Service's HTTP port. */
const KEYCLOAK_HTTP_PORT = CHART_SERVICES.keycloak.podPort;

export interface KeycloakRealmSyncProps {
  readonly image: PlatformSettings['images']['keycloakConfigCli'];
  /** Secret with the admin `username` and `password`. */
  readonly adminSecret: string;
  /**
   * Secret with the client secrets of the confidential clients (`langfuseClientSecret`,
   * `grafanaClientSecret`, `accessSyncClientSecret`), substituted into the realm sync file.
   */
  readonly clientSecrets: string;
}

/**
 * Applies the realm ConfigMap to the running Keycloak after every sync (Keycloak's own
 * --import-realm only imports a realm that does not exist yet). Groups are added, never
 * deleted: removing a tenant keeps its group until an operator offboards it.
 */
export class KeycloakRealmSync extends Construct {
  public readonly resource: KubeJob;

  constructor(scope: Construct, id: string, props: KeycloakRealmSyncProps) {
    super(scope, id);
    const ns = PLATFORM_NAMESPACES.keycloak;
    const labels = platformLabels('keycloak');
    const podLabels = { ...labels, [LABELS.jobName]: 'keycloak-realm-sync' };
    // The Job talks to Keycloak (directly, or as HBONE in the mesh) and DNS, nothing else. No
    // ingress rule (the key is left out, not written as []: the API server drops an empty list,
    // and a server-side apply would then change the object on every sync).
    const jobPods = Pods.select(this, 'JobPods', { labels: { [LABELS.jobName]: 'keycloak-realm-sync' } });
    new NetworkPolicy(this, 'Network', {
      metadata: { name: 'keycloak-realm-sync', namespace: ns, labels },
      selector: jobPods,
      ingress: { default: NetworkPolicyTrafficDefault.DENY },
      egress: {
        rules: [
          dnsRule(this),
          {
            peer: Pods.all(this, 'Namespace'),
            ports: [NetworkPolicyPort.tcp(KEYCLOAK_HTTP_PORT), NetworkPolicyPort.tcp(PORTS.hbone)],
          },
        ],
      },
    });
    this.resource = new KubeJob(this, 'Resource', {
      metadata: {
        name: 'keycloak-realm-sync',
        namespace: ns,
        labels,
        annotations: {
          [ANNOTATIONS.argocdHook]: 'PostSync',
          [ANNOTATIONS.argocdHookDeletePolicy]: 'BeforeHookCreation',
        },
      },
      spec: {
        backoffLimit: 6,
        ttlSecondsAfterFinished: 86400,
        template: {
          metadata: { labels: podLabels },
          spec: {
            restartPolicy: 'OnFailure',
            automountServiceAccountToken: false,
            nodeSelector: nodeSelectorFor('platform'),
            tolerations: tolerationsFor('platform'),
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 10001,
              runAsGroup: 10001,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [configCliContainer(props)],
            volumes: [
              { name: 'realm', configMap: { name: `keycloak-realm-${KEYCLOAK.realm}` } },
              { name: 'tmp', emptyDir: {} },
            ],
          },
        },
      },
    });
  }
}

/** keycloak-config-cli: the realm file with the client secrets substituted from the environment. */
function configCliContainer(props: KeycloakRealmSyncProps): Container {
  const secretEnv = (name: string, key: string) => ({
    name,
    valueFrom: { secretKeyRef: { name: props.adminSecret, key } },
  });
  return {
    name: 'keycloak-config-cli',
    image: `${props.image.registry}/${props.image.repository}:${props.image.tag}`,
    env: [
      {
        name: 'KEYCLOAK_URL',
        value: `http://${CHART_SERVICES.keycloak.name}.${PLATFORM_NAMESPACES.keycloak}.svc.cluster.local:${CHART_SERVICES.keycloak.port}`,
      },
      secretEnv('KEYCLOAK_USER', 'username'),
      secretEnv('KEYCLOAK_PASSWORD', 'password'),
      { name: 'KEYCLOAK_AVAILABILITYCHECK_ENABLED', value: 'true' },
      // The realm with the client secrets as $(env:...) placeholders, filled from below.
      { name: 'IMPORT_FILES_LOCATIONS', value: `/config/${REALM_SYNC_FILE}` },
      { name: 'IMPORT_VARSUBSTITUTION_ENABLED', value: 'true' },
      ...Object.entries(CLIENT_SECRET_ENV).map(([client, env]) => ({
        name: env,
        valueFrom: {
          secretKeyRef: {
            name: props.clientSecrets,
            key: CLIENT_SECRET_KEYS[client as keyof typeof CLIENT_SECRET_KEYS],
          },
        },
      })),
      { name: 'IMPORT_REMOTESTATE_ENABLED', value: 'true' },
      { name: 'IMPORT_MANAGED_GROUP', value: 'no-delete' },
    ],
    imagePullPolicy: 'Always',
    resources: {
      requests: {
        cpu: Quantity.fromString('100m'),
        memory: Quantity.fromString('256Mi'),
        'ephemeral-storage': Quantity.fromString('64Mi'),
      },
      limits: {
        cpu: Quantity.fromString('500m'),
        memory: Quantity.fromString('512Mi'),
        'ephemeral-storage': Quantity.fromString('256Mi'),
      },
    },
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    },
    volumeMounts: [
      { name: 'realm', mountPath: '/config', readOnly: true },
      { name: 'tmp', mountPath: '/tmp' },
    ],
  };
}
