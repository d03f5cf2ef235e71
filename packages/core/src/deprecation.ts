/** Messages already shown, so that each deprecation is reported once per process, as Node's `util.deprecate` does. */
const shown = new Set<string>();

/**
 * Reports a deprecated option or function once: as a Node `DeprecationWarning`
 * (`process.emitWarning`, silenced by `--no-deprecation`) where there is a
 * `process`, else with `console.warn`. Used by every package of this project
 * for names kept working for one more minor version.
 */
export function warnDeprecated(message: string): void {
  if (shown.has(message)) return;
  shown.add(message);
  const proc = (globalThis as { process?: { emitWarning?: (warning: string, type: string) => void } }).process;
  if (typeof proc?.emitWarning === 'function') proc.emitWarning(message, 'DeprecationWarning');
  else console.warn(`DeprecationWarning: ${message}`);
}
