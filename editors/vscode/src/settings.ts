// Client settings and what is sent to the server. No `vscode` import: unit-tested directly.

export const STABILITY_LEVELS = ['generally-available', 'public-preview', 'experimental'] as const;
export type StabilityLevel = (typeof STABILITY_LEVELS)[number];
export const DEFAULT_STABILITY_LEVEL: StabilityLevel = 'generally-available';

/** The settings the server understands (sent as `initializationOptions` and on change). */
export interface ServerSettings {
  stabilityLevel: StabilityLevel;
  communityComponents: boolean;
}

/** Minimal view of a `vscode.WorkspaceConfiguration` for the `alloy` section. */
export interface ConfigReader {
  get<T>(key: string): T | undefined;
}

export function isStabilityLevel(value: unknown): value is StabilityLevel {
  return typeof value === 'string' && (STABILITY_LEVELS as readonly string[]).includes(value);
}

/** Reads the server settings from the `alloy` configuration section, falling back to defaults. */
export function readServerSettings(config: ConfigReader): ServerSettings {
  const level = config.get<unknown>('stabilityLevel');
  const community = config.get<unknown>('communityComponents');
  return {
    stabilityLevel: isStabilityLevel(level) ? level : DEFAULT_STABILITY_LEVEL,
    communityComponents: community === true,
  };
}

/** `initializationOptions` of the `initialize` request. */
export function initializationOptions(settings: ServerSettings): ServerSettings {
  return { stabilityLevel: settings.stabilityLevel, communityComponents: settings.communityComponents };
}

/** Params of `workspace/didChangeConfiguration`: `{ settings: { alloy: {...} } }`. */
export function didChangeConfigurationParams(settings: ServerSettings): {
  settings: { alloy: ServerSettings };
} {
  return { settings: { alloy: initializationOptions(settings) } };
}

/** Settings whose change needs a new server process rather than a notification. */
export const RESTART_SETTINGS = ['alloy.server.path'] as const;

/** Settings forwarded to a running server with `workspace/didChangeConfiguration`. */
export const FORWARDED_SETTINGS = ['alloy.stabilityLevel', 'alloy.communityComponents'] as const;

export type ConfigChangeAction = 'restart' | 'notify' | 'none';

/** What to do for a configuration change, given a predicate like `event.affectsConfiguration`. */
export function configChangeAction(affects: (section: string) => boolean): ConfigChangeAction {
  if (RESTART_SETTINGS.some((s) => affects(s))) return 'restart';
  if (FORWARDED_SETTINGS.some((s) => affects(s))) return 'notify';
  return 'none';
}
