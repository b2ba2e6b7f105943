import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expandPath, findOnPath, resolveServerPath, type ResolveEnvironment } from '../../src/serverPath';

function env(files: string[], over: Partial<ResolveEnvironment> = {}): ResolveEnvironment {
  const set = new Set(files);
  return {
    platform: 'linux',
    env: { PATH: '/usr/local/bin:/usr/bin' },
    homedir: '/home/u',
    workspaceFolder: '/ws',
    isExecutable: (f) => set.has(f),
    ...over,
  };
}

describe('resolveServerPath', () => {
  it('finds alloy on PATH in order', () => {
    const r = resolveServerPath('', env(['/usr/bin/alloy', '/usr/local/bin/alloy']));
    assert.deepEqual(r, { ok: true, path: '/usr/local/bin/alloy', source: 'PATH' });
  });

  it('reports every searched location when alloy is not on PATH', () => {
    const r = resolveServerPath(undefined, env([]));
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.reason, 'not-on-path');
      assert.deepEqual(r.searched, ['/usr/local/bin/alloy', '/usr/bin/alloy']);
      assert.match(r.message, /alloy\.server\.path/);
    }
  });

  it('uses an absolute configured path and does not fall back to PATH', () => {
    assert.deepEqual(resolveServerPath('/opt/alloy/bin/alloy', env(['/opt/alloy/bin/alloy', '/usr/bin/alloy'])), {
      ok: true,
      path: '/opt/alloy/bin/alloy',
      source: 'setting',
    });
    const r = resolveServerPath('/missing/alloy', env(['/usr/bin/alloy']));
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.reason, 'setting-not-found');
      assert.match(r.message, /\/missing\/alloy/);
    }
  });

  it('expands ~, ${workspaceFolder}, ${userHome} and ${env:X}', () => {
    const e = env([], { env: { PATH: '', ALLOY_HOME: '/opt/a' } });
    assert.equal(expandPath('~/bin/alloy', e), '/home/u/bin/alloy');
    assert.equal(expandPath('${workspaceFolder}/target/debug/alloy', e), '/ws/target/debug/alloy');
    assert.equal(expandPath('${userHome}/alloy', e), '/home/u/alloy');
    assert.equal(expandPath('${env:ALLOY_HOME}/alloy', e), '/opt/a/alloy');
    assert.equal(expandPath('  /trimmed/alloy  ', e), '/trimmed/alloy');
  });

  it('resolves a relative path with a directory against the workspace folder', () => {
    const r = resolveServerPath('target/release/alloy', env(['/ws/target/release/alloy']));
    assert.deepEqual(r, { ok: true, path: '/ws/target/release/alloy', source: 'setting' });
  });

  it('looks up a bare configured command name on PATH', () => {
    const r = resolveServerPath('alloy-dev', env(['/usr/bin/alloy-dev']));
    assert.deepEqual(r, { ok: true, path: '/usr/bin/alloy-dev', source: 'setting' });
    assert.equal(resolveServerPath('alloy-nope', env([])).ok, false);
  });

  it('honours PATHEXT on Windows', () => {
    const e = env(['C:\\tools\\alloy.exe'], {
      platform: 'win32',
      env: { Path: 'C:\\Windows;"C:\\tools"', PATHEXT: '.COM;.EXE;.BAT' },
      homedir: 'C:\\Users\\u',
      workspaceFolder: 'C:\\ws',
    });
    const r = resolveServerPath('', e);
    assert.deepEqual(r, { ok: true, path: 'C:\\tools\\alloy.exe', source: 'PATH' });
    const found = findOnPath('alloy', e);
    assert.ok(found.searched.includes('C:\\Windows\\alloy.com'));
    assert.deepEqual(resolveServerPath('C:\\tools\\alloy', e), { ok: true, path: 'C:\\tools\\alloy.exe', source: 'setting' });
  });
});
