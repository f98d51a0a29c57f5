import {
  type ExternalSecretSpec,
  ExternalSecretSpecSecretStoreRefKind as StoreKind,
  ExternalSecretSpecTargetCreationPolicy as CreationPolicy,
  ExternalSecretSpecTargetDeletionPolicy as DeletionPolicy,
  ExternalSecretSpecTargetTemplateEngineVersion as EngineVersion,
} from '../../imports/external-secrets-external-secrets.io';

export interface SecretFromStoreProps {
  /** Name of the Secret external-secrets writes. */
  readonly name: string;
  /** The store: the tenant's SecretStore, or the platform's ClusterSecretStore. */
  readonly store: { readonly kind: 'SecretStore' | 'ClusterSecretStore'; readonly name: string };
  /** The Secret's keys, each from an entry (and property of its JSON object) in the store. */
  readonly data: readonly { readonly secretKey: string; readonly key: string; readonly property?: string }[];
  /** Keys of the Secret as Go templates over the data (engine v2). @default - the data's keys */
  readonly template?: Readonly<Record<string, string>>;
  /** @default '1h' */
  readonly refreshInterval?: string;
}

/**
 * The spec of an ExternalSecret whose Secret is owned by it and kept when it is deleted
 * (deletionPolicy Retain): a store that cannot be read never empties a Secret in use.
 */
export function secretFromStore(p: SecretFromStoreProps): ExternalSecretSpec {
  return {
    refreshInterval: p.refreshInterval ?? '1h',
    secretStoreRef: {
      kind: p.store.kind === 'SecretStore' ? StoreKind.SECRET_STORE : StoreKind.CLUSTER_SECRET_STORE,
      name: p.store.name,
    },
    target: {
      name: p.name,
      creationPolicy: CreationPolicy.OWNER,
      deletionPolicy: DeletionPolicy.RETAIN,
      ...(p.template ? { template: { engineVersion: EngineVersion.V2, data: { ...p.template } } } : {}),
    },
    data: p.data.map((d) => ({
      secretKey: d.secretKey,
      remoteRef: { key: d.key, ...(d.property !== undefined ? { property: d.property } : {}) },
    })),
  };
}
