import type { NamePattern } from '@adamw/core';
import type { serialization } from '@tensorflow/tfjs-core';
import type { ResolvedTfjsOptions, TfjsAdamWOptions } from './options.js';
import { copyScheduleConfig, type ScheduleConfig } from './schedule-config.js';

type ConfigDict = serialization.ConfigDict;
type ConfigDictValue = serialization.ConfigDictValue;

// tfjs-layers passes a loaded optimizer config through `convertPythonicToTs`,
// which camel-cases every string value containing '_' ('layer_norm' would
// come back as 'layerNorm'). Pattern text is therefore stored with '%' and
// '_' percent-encoded, which that conversion leaves alone.
function encodeText(s: string): string {
  return s.replace(/%/g, '%25').replace(/_/g, '%5F');
}

function decodeText(s: string): string {
  return s.replace(/%(25|5F)/gi, (_m, code: string) => (code === '25' ? '%' : '_'));
}

function encodePattern(p: NamePattern, index: number): ConfigDict {
  if (typeof p === 'string') return { substring: encodeText(p) };
  if (p instanceof RegExp) return { regexp: encodeText(p.source), flags: p.flags };
  throw new TypeError(`exclude[${index}] is a function, which cannot be saved; use strings or regular expressions to save the optimizer with the model`);
}

function decodePattern(value: unknown, index: number): NamePattern {
  const v = value as { substring?: unknown; regexp?: unknown; flags?: unknown } | null;
  if (v !== null && typeof v === 'object' && typeof v.substring === 'string') return decodeText(v.substring);
  if (v !== null && typeof v === 'object' && typeof v.regexp === 'string') {
    return new RegExp(decodeText(v.regexp), typeof v.flags === 'string' ? v.flags : '');
  }
  throw new TypeError(`AdamW config: exclude[${index}] must be {substring} or {regexp, flags}, got ${JSON.stringify(value)}`);
}

/** The config that `getConfig` returns: JSON data only. */
export function optionsToConfig(o: ResolvedTfjsOptions): ConfigDict {
  if (o.schedule !== undefined && o.scheduleConfig === undefined) {
    throw new TypeError(
      'this AdamW optimizer has a function schedule, which cannot be saved; pass a schedule config object (for example { type: "cosineAnnealing", totalSteps: 1000 }) to save the optimizer with the model',
    );
  }
  const c = o.core;
  const config: ConfigDict = {
    lr: c.lr,
    beta1: c.beta1,
    beta2: c.beta2,
    eps: c.eps,
    weightDecay: c.weightDecay,
    amsgrad: c.amsgrad,
    maximize: c.maximize,
    decay: c.decay,
    decayScale: c.decayScale,
    convention: c.convention,
    nonFinite: c.nonFinite,
    epsRoot: c.epsRoot,
    biasCorrection: c.biasCorrection,
    exclude: o.exclude.map(encodePattern),
    path: o.path,
    inPlace: o.inPlace,
  };
  if (o.scheduleConfig !== undefined) config.schedule = copyScheduleConfig(o.scheduleConfig, false) as unknown as ConfigDict;
  else config.scheduleMultiplier = c.scheduleMultiplier;
  if (o.clipGlobalNorm !== undefined) config.clipGlobalNorm = o.clipGlobalNorm;
  return config;
}

/** The options a config from {@link optionsToConfig} describes (validated by the constructor). */
export function configToOptions(config: ConfigDict): TfjsAdamWOptions {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new TypeError(`AdamW config must be an object, got ${config === null ? 'null' : typeof config}`);
  }
  // tfjs-layers adds `customObjects` to every config it deserializes; it is not an option.
  const { exclude, schedule, customObjects: _customObjects, ...rest } = config as Record<string, ConfigDictValue>;
  const options = { ...rest } as TfjsAdamWOptions;
  if (exclude !== undefined) {
    if (!Array.isArray(exclude)) throw new TypeError(`AdamW config: exclude must be an array, got ${typeof exclude}`);
    options.exclude = exclude.map(decodePattern);
  }
  if (schedule !== undefined && schedule !== null) options.schedule = schedule as unknown as ScheduleConfig;
  return options;
}
