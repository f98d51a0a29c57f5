/**
 * keycloak-config-cli runs against the Keycloak it was built for. adorsys/keycloak-config-cli
 * v6.5.0 .github/workflows/ci.yaml builds one image per entry of its matrix (KEYCLOAK_VERSION) and
 * tags it with docker/metadata-action `type=semver,pattern={{version}}` and the flavor
 * `suffix=-${{ matrix.env.KEYCLOAK_VERSION }}`: <cli version>-<Keycloak version>.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import type { PlatformSettings } from '../../charts/config/platform-settings';
import { RELEASES } from '../../charts/lib/chart-names';
import { loadEnvironment, renderComponent } from '../../scripts/upstream/render';
import { ENVIRONMENTS } from './chart-checks';

/** The Keycloak versions each keycloak-config-cli release is built for (its ci.yaml matrix at the tag). */
const CLI_BUILDS: Readonly<Record<string, readonly string[]>> = {
  '6.5.0': ['21.1.2', '22.0.4', '23.0.7', '24.0.5', '25.0.1', '26.0.5', '26.1.0', '26.5.4'],
};

type Images = PlatformSettings['images'];
const ref = (i: NonNullable<Images[keyof Images]>) => `${i.registry}/${i.repository}:${i.tag}`;

/** Problems of an environment's Keycloak and keycloak-config-cli images. */
function versionProblems(images: Pick<Images, 'keycloak' | 'keycloakConfigCli'>): string[] {
  const m = /^(\d+\.\d+\.\d+)-(\d+\.\d+\.\d+)$/.exec(images.keycloakConfigCli.tag);
  if (!m) return [`keycloakConfigCli tag ${images.keycloakConfigCli.tag} is not <cli version>-<Keycloak version>`];
  const [, cli, keycloak] = m;
  const problems: string[] = [];
  if (keycloak !== images.keycloak.tag)
    problems.push(
      `keycloakConfigCli ${images.keycloakConfigCli.tag} is built for Keycloak ${keycloak}, but Keycloak runs ${images.keycloak.tag}`,
    );
  const builds = CLI_BUILDS[cli];
  if (!builds)
    problems.push(`keycloak-config-cli ${cli}: read its .github/workflows/ci.yaml matrix and add it to CLI_BUILDS`);
  else if (!builds.includes(keycloak))
    problems.push(`keycloak-config-cli ${cli} has no image for Keycloak ${keycloak} (built for ${builds.join(', ')})`);
  return problems;
}

describe.each(ENVIRONMENTS)('Keycloak and keycloak-config-cli (%s)', (env) => {
  const e = loadEnvironment(env);

  it('the cli image is the build for the Keycloak version that runs', () => {
    expect(versionProblems(e.platform.images)).toEqual([]);
  });

  // keycloakx 7.1.8 templates/statefulset.yaml: image.repository:image.tag (default: the chart's appVersion 26.5.3).
  it("Keycloak runs the environment's image, and the realm sync Job the cli image", () => {
    const sts = renderComponent(env, RELEASES.keycloak)
      .objects.map((x) => x.object)
      .find((o) => o.kind === 'StatefulSet')!;
    expect(sts.spec.template.spec.containers.map((c: any) => c.image)).toEqual([ref(e.platform.images.keycloak)]);
    const job = load(
      fs.readFileSync(
        path.resolve(__dirname, '..', '..', 'dist', env, 'platform', 'keycloak', 'job-keycloak-realm-sync.yaml'),
        'utf8',
      ),
    ) as any;
    expect(job.spec.template.spec.containers[0].image).toBe(ref(e.platform.images.keycloakConfigCli));
  });
});

describe('Keycloak and keycloak-config-cli: planted faults', () => {
  const img = (repository: string, tag: string) => ({ registry: 'docker.io', repository, tag });

  it('names a cli built for another Keycloak, one with no such build, and a tag of another shape', () => {
    expect(
      versionProblems({ keycloak: img('keycloak', '26.5.3'), keycloakConfigCli: img('cli', '6.5.0-26.5.4') }),
    ).toEqual(['keycloakConfigCli 6.5.0-26.5.4 is built for Keycloak 26.5.4, but Keycloak runs 26.5.3']);
    expect(
      versionProblems({ keycloak: img('keycloak', '26.3.3'), keycloakConfigCli: img('cli', '6.5.0-26.3.3') }),
    ).toEqual([
      'keycloak-config-cli 6.5.0 has no image for Keycloak 26.3.3 (built for 21.1.2, 22.0.4, 23.0.7, 24.0.5, 25.0.1, 26.0.5, 26.1.0, 26.5.4)',
    ]);
    expect(versionProblems({ keycloak: img('keycloak', '26.5.4'), keycloakConfigCli: img('cli', '6.5.0-26') })).toEqual(
      ['keycloakConfigCli tag 6.5.0-26 is not <cli version>-<Keycloak version>'],
    );
  });
});
