/**
 * The settle check waits three of the application controller's resync periods, which holds only
 * when it runs with the tier's period and no jitter; the cluster run reads the line the controller
 * logs as it starts (argo-cd v3.5.3 controller/appcontroller.go, NewApplicationController).
 */
import { describe, expect, it } from 'vitest';
import { APP_RESYNC_SECONDS, resyncSettingsProblem } from '../../scripts/cluster-tier/cluster';

// As the controller logged it in a dev run of the tier.
const LOGGED =
  '{"level":"info","msg":"appResyncPeriod=1m0s, appHardResyncPeriod=0s, appResyncJitter=0s","time":"2026-12-07T04:04:38Z"}\n';

describe("the application controller's resync settings", () => {
  it('accepts the line of a run with the tier flags', () => {
    expect(APP_RESYNC_SECONDS).toBe(60);
    expect(resyncSettingsProblem(`{"msg":"Processing all cluster shards"}\n${LOGGED}`)).toBeUndefined();
  });

  it('names upstream jitter (planted: the flag left out), another period and a hard resync', () => {
    expect(resyncSettingsProblem(LOGGED.replace('appResyncJitter=0s', 'appResyncJitter=1m0s'))).toBe(
      'the application controller runs with appResyncPeriod=1m0s, appHardResyncPeriod=0s, appResyncJitter=1m0s; the settle check needs 1m0s, 0s and 0s (controller/appcontroller.go v3.5.3)',
    );
    expect(resyncSettingsProblem(LOGGED.replace('appResyncPeriod=1m0s', 'appResyncPeriod=2m0s'))).toContain(
      'appResyncPeriod=2m0s',
    );
    expect(resyncSettingsProblem(LOGGED.replace('appHardResyncPeriod=0s', 'appHardResyncPeriod=1h0m0s'))).toContain(
      'appHardResyncPeriod=1h0m0s',
    );
    expect(resyncSettingsProblem(LOGGED, 90)).toContain('the settle check needs 1m30s, 0s and 0s');
  });

  it('waits while the line is not logged yet', () => {
    expect(resyncSettingsProblem('{"msg":"ArgoCD Application Controller is starting"}\n')).toBeNull();
  });
});
