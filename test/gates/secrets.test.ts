/**
 * Secrets gate: gitleaks over the repository, and over copies of the output with a realistic
 * key planted. Keys are generated at run time, so this file holds none.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { distinctOutputFiles, scan, secretsGate } from '../../scripts/gates/secrets';
import { copiesPerTest, ROOT } from './fixture';

const freshCopy = copiesPerTest();

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** Shannon entropy in bits per character, as gitleaks computes it for a rule's entropy threshold. */
const entropy = (s: string) =>
  -[...new Set(s)].reduce((sum, c) => {
    const p = (s.split(c).length - 1) / s.length;
    return sum + p * Math.log2(p);
  }, 0);
/**
 * 40 random hex digits that gitleaks' generic-api-key rule always flags: its entropy threshold is 3.5 (config/
 * gitleaks.toml), which about one random value in twenty falls below; this keeps a margin.
 */
const hex40 = (): string => {
  for (;;) {
    const h = randomBytes(20).toString('hex');
    if (entropy(h) >= 3.7) return h;
  }
};
const random = (n: number) => [...randomBytes(n)].map((b) => ALPHABET[b % ALPHABET.length]).join('');
/** A string shaped like an Anthropic API key. */
const anthropicKey = () => `sk-ant-api03-${random(93)}AA`;
const pem = (body: string) =>
  ['-----BEGIN', 'PRIVATE KEY-----'].join(' ') + body + ['-----END', 'PRIVATE KEY-----'].join(' ');

describe('secrets gate', () => {
  it('finds nothing in the repository: output, changed files and history', async () => {
    const r = await secretsGate(ROOT);
    expect(r.errors).toEqual([]);
    expect(r.checked).toBeGreaterThan(0);
  });

  it('finds a realistic API key in a Secret of the output', async () => {
    const copy = freshCopy();
    copy.write('dist/dev/platform/secret-anthropic.yaml', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'anthropic-api-secret', namespace: 'agentgateway-system' },
      stringData: { Authorization: anthropicKey() },
    });
    const r = await secretsGate(copy.root);
    expect(r.errors).toEqual([
      'dist/dev/platform/secret-anthropic.yaml:7: gitleaks anthropic-api-key: Identified an Anthropic API Key, which may compromise AI assistant integrations and expose sensitive data to unauthorized access.; remove the secret (secret values stay out of git and dist/: reference them through an ExternalSecret)',
    ]);
  });

  it('scans a file that every environment holds byte for byte once, reporting each copy', async () => {
    const copy = freshCopy();
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'anthropic-api-secret', namespace: 'agentgateway-system' },
      stringData: { Authorization: anthropicKey() },
    };
    for (const env of ['dev', 'prod']) copy.write(`dist/${env}/platform/secret-anthropic.yaml`, secret);
    copy.write('dist/dev/platform/other.yaml', { only: 'dev' });
    const files = [
      'dist/dev/platform/secret-anthropic.yaml',
      'dist/prod/platform/secret-anthropic.yaml',
      'dist/dev/platform/other.yaml',
    ];
    expect([...distinctOutputFiles(copy.root, files)]).toEqual([
      [
        'dist/dev/platform/secret-anthropic.yaml',
        ['dist/dev/platform/secret-anthropic.yaml', 'dist/prod/platform/secret-anthropic.yaml'],
      ],
      ['dist/dev/platform/other.yaml', ['dist/dev/platform/other.yaml']],
    ]);
    const r = await secretsGate(copy.root);
    expect(r.errors.map((e) => e.split(': gitleaks')[0])).toEqual([
      'dist/dev/platform/secret-anthropic.yaml:7',
      'dist/prod/platform/secret-anthropic.yaml:7',
    ]);
    expect(r.notes?.[0]).toMatch(
      /^\d+ working-tree files \(\d+ distinct output files of \d+, \d+ of them found clean before\), not a git repository: no history or changed files to scan$/,
    );
  });

  it('ignores a .gitleaksignore: only .gitleaks.toml may allow a finding', async () => {
    const copy = freshCopy();
    const key = anthropicKey();
    copy.write('dist/dev/platform/leak.yaml', { data: key });
    const [finding] = await scan(['dir', 'dist'], copy.root);
    expect(finding.RuleID).toBe('anthropic-api-key');
    copy.write('.gitleaksignore', `${(finding as { Fingerprint?: string }).Fingerprint}\n`);
    expect((await scan(['dir', 'dist'], copy.root)).map((f) => f.RuleID)).toEqual(['anthropic-api-key']);
  });

  it('allows in scripts/upstream/sources.ts only its Git refs and chart folders, whose names hold a keyword', async () => {
    const copy = freshCopy();
    const commit = hex40();
    const vk = ['val', 'key'].join(''); // built here, so that this file is not a finding itself
    const lines = [
      '// Not the first line: the line gitleaks matches then starts with a newline.',
      `const helm_charts_keycloakx_7_1_8 = ref('codecentric/helm-charts', 'keycloakx-7.1.8', '${commit}');`,
      `  folder('charts/langfuse-1.5.19/charts/${vk}', git(charts_${vk}_2_2_4, 'bitnami/${vk}')),`,
    ];
    copy.write('scripts/upstream/sources.ts', `${lines.join('\n')}\n`);
    expect(await scan(['dir', 'scripts'], copy.root)).toEqual([]);
    // Planted: a token beside them in the same file, and the same ref line in another file.
    copy.write('scripts/upstream/sources.ts', `${lines.join('\n')}\nconst keycloak_token = '${hex40()}';\n`);
    copy.write('scripts/upstream/other.ts', `${lines[1]}\n`);
    const findings = await scan(['dir', 'scripts'], copy.root);
    expect(findings.map((f) => `${f.File}:${f.StartLine} ${f.RuleID}`).sort()).toEqual([
      'scripts/upstream/other.ts:1 generic-api-key',
      'scripts/upstream/sources.ts:4 generic-api-key',
    ]);
  });

  it('allows only the placeholder PEM block of the external-secrets CRD description in imports/', async () => {
    const copy = freshCopy();
    copy.write('imports/placeholder.ts', `/** "private-key": "${pem('\\n<private-key>\\n')}\\n", */\n`);
    copy.write(
      'imports/real.ts',
      `/** "private-key": "${pem(`\\n${randomBytes(96).toString('base64')}\\n`)}\\n", */\n`,
    );
    const findings = await scan(['dir', 'imports'], copy.root);
    expect(findings.map((f) => `${f.File} ${f.RuleID}`)).toEqual(['imports/real.ts private-key']);
  });
});
