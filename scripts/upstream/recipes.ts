/**
 * The release recipes whose output the offline copies hold, reproduced from the upstream files
 * they start from (scripts/upstream/sources.ts MADE). Each result is checked against its pinned
 * digest like any downloaded file.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { readTgz } from './archives';

/**
 * GNU envsubst with no format argument: every `$NAME` and `${NAME}` is replaced by the variable's
 * value, an unset one by nothing (what `VERSION=... envsubst < Chart-template.yaml` does).
 */
export function envsubst(text: string, vars: Readonly<Record<string, string>>): string {
  return text.replace(
    /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (_, braced: string | undefined, bare: string | undefined) => vars[(braced ?? bare)!] ?? '',
  );
}

/**
 * istio/release-builder stampChartForRelease on a chart's values.yaml (the hubs of testing
 * builds become docker.io/istio, and `latest`, `*-latest-daily` and `1.x-dev` tags the release).
 */
export function istioReleaseValues(text: string, version: string): string {
  return text
    .replace(
      /hub: (?:gcr\.io\/istio-testing|gcr\.io\/istio-release|registry\.istio\.io\/testing)/g,
      'hub: docker.io/istio',
    )
    .replace(/tag: latest/g, `tag: ${version}`)
    .replace(/tag: .*-latest-daily/g, `tag: ${version}`)
    .replace(/tag: 1\..-dev/g, `tag: ${version}`);
}

/**
 * One CRD of external-secrets' deploy/crds/bundle.yaml as hack/helm.generate.sh (helm-chart-2.9.0)
 * turns it into templates/crds/<singular>.yaml: the document split out (`yq -s`), the served flag
 * of v1beta1 templated for ExternalSecret and SecretStore kinds, wrapped in the install condition
 * of its kind, the webhook's name and namespace templated, and the annotations block extended.
 */
export function externalSecretsCrd(bundle: string, singular: string): string {
  const docs = bundle.split(/^---\n/m).filter((d) => d.trim() !== '');
  const doc = docs.find((d) => new RegExp(`^ {4}singular: ${singular}$`, 'm').test(d));
  if (!doc) throw new Error(`external-secrets bundle: no CRD with singular name ${singular}`);
  const kind = /^ {4}kind: (\S+)$/m.exec(doc)?.[1] ?? '';
  let body = doc;
  if (kind.includes('ExternalSecret') || kind.includes('SecretStore')) {
    // The v1alpha1 rewrite finds nothing in this release; then the sed edits of the script.
    let lines = body.split('\n').filter((l) => !l.includes('- |-'));
    lines = lines.map((l) => l.replace('       additionalPrinterColumns:', '    - additionalPrinterColumns:'));
    let inRange = false;
    lines = lines.map((l) => {
      if (!inRange && l.includes('name: v1beta1')) inRange = true;
      if (inRange && l.includes('served: false')) {
        inRange = false;
        return l.replace('served: false', 'served: {{ .Values.crds.unsafeServeV1Beta1 }}');
      }
      return l;
    });
    body = lines.join('\n');
  }
  const flag = `create${kind}`;
  const head =
    flag.includes('Cluster') || flag.includes('PushSecret')
      ? `{{- if and (.Values.installCRDs) (.Values.crds.${flag}) }}`
      : '{{- if .Values.installCRDs }}';
  let out = `${head}\n${body}${body.endsWith('\n') ? '' : '\n'}{{- end }}\n`;
  out = out
    .replace(/name: kubernetes/g, 'name: {{ include "external-secrets.fullname" . }}-webhook')
    .replace(/namespace: default/g, 'namespace: {{ .Release.Namespace | quote }}');
  const lines = out.split('\n');
  const at = lines.findIndex((l) => l.includes('annotations'));
  if (at >= 0) {
    lines.splice(
      at + 1,
      0,
      '    {{- with .Values.crds.annotations }}',
      '    {{- toYaml . | nindent 4}}',
      '    {{- end }}',
      '    {{- if and .Values.crds.conversion.enabled .Values.webhook.certManager.enabled .Values.webhook.certManager.addInjectorAnnotations }}',
      '    cert-manager.io/inject-ca-from: {{ .Release.Namespace }}/{{ include "external-secrets.fullname" . }}-webhook',
      '    {{- end }}',
    );
  }
  return lines.join('\n');
}

/**
 * The Chart.yaml that `helm package [--version V] [--app-version A]` writes for a chart with this
 * Chart.yaml: helm loads the metadata and serializes it again. Runs the given helm binary on a
 * chart that holds only that file, and reads the file back from the package.
 */
export function helmPackageChartYaml(
  chartYaml: string,
  options: { readonly version?: string; readonly appVersion?: string; readonly helm: string },
): Buffer {
  const meta = parse(chartYaml) as { name?: unknown; dependencies?: { name?: unknown }[] };
  const name = String(meta.name ?? '');
  if (!/^[A-Za-z0-9][\w.-]*$/.test(name)) throw new Error(`Chart.yaml has no usable name (${JSON.stringify(name)})`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helm-package-'));
  try {
    fs.mkdirSync(path.join(dir, name));
    fs.writeFileSync(path.join(dir, name, 'Chart.yaml'), chartYaml);
    // helm package refuses a chart whose dependencies are not under charts/ (it checks their
    // names only); stand-ins satisfy it and change nothing in the parent's metadata.
    for (const d of meta.dependencies ?? []) {
      const dep = String(d.name ?? '');
      fs.mkdirSync(path.join(dir, name, 'charts', dep), { recursive: true });
      fs.writeFileSync(
        path.join(dir, name, 'charts', dep, 'Chart.yaml'),
        `apiVersion: v2\nname: ${dep}\nversion: 0.0.0\n`,
      );
    }
    const home = path.join(dir, 'home');
    const args = [
      'package',
      path.join(dir, name),
      '-d',
      path.join(dir, 'out'),
      ...(options.version ? ['--version', options.version] : []),
      ...(options.appVersion ? ['--app-version', options.appVersion] : []),
    ];
    const r = spawnSync(options.helm, args, {
      encoding: 'utf8',
      env: { ...process.env, HELM_CACHE_HOME: home, HELM_CONFIG_HOME: home, HELM_DATA_HOME: home },
    });
    if (r.error) throw new Error(`helm could not start: ${r.error.message}`);
    if (r.status !== 0) throw new Error(`helm package failed: ${(r.stderr || r.stdout).trim()}`);
    const [pkg] = fs.readdirSync(path.join(dir, 'out'));
    const files = readTgz(fs.readFileSync(path.join(dir, 'out', pkg)));
    const out = files.get(`${name}/Chart.yaml`);
    if (!out) throw new Error(`helm package wrote no ${name}/Chart.yaml`);
    return out;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
