// Finding the `alloy` binary. No `vscode` import: unit-tested directly.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface ResolveEnvironment {
  platform: NodeJS.Platform;
  env: Record<string, string | undefined>;
  homedir: string;
  /** First workspace folder (file system path), if any. */
  workspaceFolder?: string;
  /** True if `file` exists, is a file and may be executed. */
  isExecutable(file: string): boolean;
}

export type Resolution =
  | { ok: true; path: string; source: 'setting' | 'PATH' }
  | { ok: false; reason: 'setting-not-found' | 'not-on-path'; message: string; searched: string[] };

export const BINARY_NAME = 'alloy';

/** Expands `~`, `${workspaceFolder}`, `${userHome}` and `${env:NAME}` in a configured path. */
export function expandPath(configured: string, env: ResolveEnvironment): string {
  let p = configured.trim();
  const p2 = env.platform === 'win32' ? path.win32 : path.posix;
  p = p.replace(/\$\{userHome\}/g, env.homedir);
  p = p.replace(/\$\{env:([^}]+)\}/g, (_m, name: string) => env.env[name] ?? '');
  if (env.workspaceFolder !== undefined) {
    p = p.replace(/\$\{workspaceFolder\}/g, env.workspaceFolder);
  }
  if (p === '~') {
    p = env.homedir;
  } else if (p.startsWith('~/') || (env.platform === 'win32' && p.startsWith('~\\'))) {
    p = p2.join(env.homedir, p.slice(2));
  }
  if (!p2.isAbsolute(p) && env.workspaceFolder !== undefined && /[\\/]/.test(p)) {
    // A relative path with a directory part is taken relative to the workspace.
    p = p2.join(env.workspaceFolder, p);
  }
  return p;
}

/** Candidate file names for `name` in `dir`, honouring PATHEXT on Windows. */
function candidates(dir: string, name: string, env: ResolveEnvironment): string[] {
  const p2 = env.platform === 'win32' ? path.win32 : path.posix;
  if (env.platform !== 'win32') return [p2.join(dir, name)];
  const exts = (env.env.PATHEXT ?? '.EXE;.CMD;.BAT;.COM')
    .split(';')
    .filter((e) => e.length > 0);
  const hasExt = exts.some((e) => name.toLowerCase().endsWith(e.toLowerCase()));
  return hasExt ? [p2.join(dir, name)] : exts.map((e) => p2.join(dir, name + e.toLowerCase()));
}

/** Searches PATH for `name`. Returns the first executable match and every path tried. */
export function findOnPath(name: string, env: ResolveEnvironment): { found?: string; searched: string[] } {
  const sep = env.platform === 'win32' ? ';' : ':';
  const pathVar = env.env.PATH ?? env.env.Path ?? env.env.path ?? '';
  const searched: string[] = [];
  for (const rawDir of pathVar.split(sep)) {
    const dir = rawDir.replace(/^"(.*)"$/, '$1');
    if (dir === '') continue;
    for (const file of candidates(dir, name, env)) {
      searched.push(file);
      if (env.isExecutable(file)) return { found: file, searched };
    }
  }
  return { searched };
}

/**
 * Resolves the server binary: the `alloy.server.path` setting if set (it must exist),
 * otherwise `alloy` on PATH.
 */
export function resolveServerPath(configured: string | undefined, env: ResolveEnvironment): Resolution {
  if (configured !== undefined && configured.trim() !== '') {
    const expanded = expandPath(configured, env);
    const p2 = env.platform === 'win32' ? path.win32 : path.posix;
    if (!p2.isAbsolute(expanded) && !/[\\/]/.test(expanded)) {
      // A bare command name such as "alloy-dev": look it up on PATH.
      const { found, searched } = findOnPath(expanded, env);
      if (found !== undefined) return { ok: true, path: found, source: 'setting' };
      return {
        ok: false,
        reason: 'setting-not-found',
        searched,
        message: `The Alloy language server "${configured}" (setting alloy.server.path) was not found on PATH.`,
      };
    }
    const tried = candidates(p2.dirname(expanded), p2.basename(expanded), env);
    const all = [expanded, ...tried.filter((t) => t !== expanded)];
    for (const file of all) {
      if (env.isExecutable(file)) return { ok: true, path: file, source: 'setting' };
    }
    return {
      ok: false,
      reason: 'setting-not-found',
      searched: all,
      message: `The Alloy language server binary "${expanded}" (setting alloy.server.path) does not exist or is not executable.`,
    };
  }
  const { found, searched } = findOnPath(BINARY_NAME, env);
  if (found !== undefined) return { ok: true, path: found, source: 'PATH' };
  return {
    ok: false,
    reason: 'not-on-path',
    searched,
    message:
      'The Alloy language server was not found: no `alloy` binary on PATH. ' +
      'Install the alloy toolchain or set "alloy.server.path" to the binary.',
  };
}

/** The real environment of this process. */
export function processEnvironment(workspaceFolder?: string): ResolveEnvironment {
  return {
    platform: process.platform,
    env: process.env,
    homedir: os.homedir(),
    workspaceFolder,
    isExecutable(file: string): boolean {
      try {
        const st = fs.statSync(file);
        if (!st.isFile()) return false;
        if (process.platform === 'win32') return true;
        fs.accessSync(file, fs.constants.X_OK);
        return true;
      } catch {
        return false;
      }
    },
  };
}
