import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  configChangeAction,
  didChangeConfigurationParams,
  initializationOptions,
  isStabilityLevel,
  readServerSettings,
  STABILITY_LEVELS,
} from '../../src/settings';

const reader = (values: Record<string, unknown>) => ({ get: <T>(k: string) => values[k] as T | undefined });

describe('settings', () => {
  it('defaults to generally-available and no community components', () => {
    assert.deepEqual(readServerSettings(reader({})), {
      stabilityLevel: 'generally-available',
      communityComponents: false,
    });
  });

  it('reads every valid stability level', () => {
    for (const level of STABILITY_LEVELS) {
      assert.equal(readServerSettings(reader({ stabilityLevel: level })).stabilityLevel, level);
    }
  });

  it('falls back to the default for invalid values', () => {
    const s = readServerSettings(reader({ stabilityLevel: 'beta', communityComponents: 'yes' }));
    assert.deepEqual(s, { stabilityLevel: 'generally-available', communityComponents: false });
    assert.equal(isStabilityLevel(42), false);
  });

  it('builds initializationOptions and didChangeConfiguration params', () => {
    const s = readServerSettings(reader({ stabilityLevel: 'experimental', communityComponents: true }));
    assert.deepEqual(initializationOptions(s), { stabilityLevel: 'experimental', communityComponents: true });
    assert.deepEqual(didChangeConfigurationParams(s), {
      settings: { alloy: { stabilityLevel: 'experimental', communityComponents: true } },
    });
  });

  it('restarts for server.path and notifies for server settings', () => {
    assert.equal(configChangeAction((s) => s === 'alloy.server.path'), 'restart');
    assert.equal(configChangeAction((s) => s === 'alloy.stabilityLevel'), 'notify');
    assert.equal(configChangeAction((s) => s === 'alloy.communityComponents'), 'notify');
    assert.equal(configChangeAction((s) => s === 'alloy.trace.server'), 'none');
    assert.equal(configChangeAction(() => false), 'none');
  });
});
