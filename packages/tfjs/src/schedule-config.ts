import { constantSchedule, cosineAnnealing, cosineWarmRestarts, linearWarmup, type Schedule } from '@adamw/core';

/**
 * A schedule described by data instead of a function, so that it can be
 * saved with the model (`model.save(..., { includeOptimizer: true })`) and
 * rebuilt on load. Each kind maps to the `@adamw/core` schedule of the same
 * name:
 *
 * - `constant`: η(t) = `value` (default 1).
 * - `linearWarmup`: η(t) = (t + 1)/W for t < W = `warmupSteps`, then `after`
 *   (default constant 1) counted from 0.
 * - `cosineWarmRestarts`: η(t) = η_min + ½(η_max − η_min)(1 + cos(π·T_cur/T_i)),
 *   periods T_i = `period`·`periodMultiplier`ⁱ (SGDR, the paper's AdamWR).
 * - `cosineAnnealing`: one cosine from `max` to `min` over `totalSteps`, then `min`.
 *
 * @example
 * ```ts
 * adamw({ lr: 1e-3, schedule: { type: 'linearWarmup', warmupSteps: 100, after: { type: 'cosineAnnealing', totalSteps: 900 } } });
 * ```
 */
export type ScheduleConfig =
  | { type: 'constant'; value?: number }
  | { type: 'linearWarmup'; warmupSteps: number; after?: ScheduleConfig }
  | { type: 'cosineWarmRestarts'; period: number; periodMultiplier?: number; min?: number; max?: number }
  | { type: 'cosineAnnealing'; totalSteps: number; min?: number; max?: number };

const KEYS: Record<ScheduleConfig['type'], readonly string[]> = {
  constant: ['type', 'value'],
  linearWarmup: ['type', 'warmupSteps', 'after'],
  cosineWarmRestarts: ['type', 'period', 'periodMultiplier', 'min', 'max'],
  cosineAnnealing: ['type', 'totalSteps', 'min', 'max'],
};

function checkKeys(config: object, type: ScheduleConfig['type'], where: string): void {
  for (const key of Object.keys(config)) {
    if (!KEYS[type].includes(key)) {
      throw new TypeError(`${where}: unknown field '${key}' for type '${type}'; known fields: ${KEYS[type].join(', ')}`);
    }
  }
}

/**
 * A deep copy of a schedule config's data (objects and numbers), frozen, so
 * that later changes to the caller's object change neither the schedule nor
 * what `getConfig` reports; or a fresh unfrozen copy with `frozen: false`.
 */
export function copyScheduleConfig(config: ScheduleConfig, frozen = true): ScheduleConfig {
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    copy[key] = value !== null && typeof value === 'object' ? copyScheduleConfig(value as ScheduleConfig, frozen) : value;
  }
  return (frozen ? Object.freeze(copy) : copy) as ScheduleConfig;
}

/**
 * Builds the schedule function a {@link ScheduleConfig} describes. Throws a
 * TypeError for an unknown type or field and the core schedule's RangeError
 * for a value out of range.
 */
export function scheduleFromConfig(config: ScheduleConfig, where = 'schedule'): Schedule {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new TypeError(`${where} must be a function or a schedule config object, got ${config === null ? 'null' : typeof config}`);
  }
  const type = (config as { type?: unknown }).type;
  if (typeof type !== 'string' || !Object.hasOwn(KEYS, type)) {
    throw new TypeError(
      `${where}.type must be one of ${Object.keys(KEYS)
        .map((k) => `'${k}'`)
        .join(', ')}, got ${JSON.stringify(type)}`,
    );
  }
  checkKeys(config, type as ScheduleConfig['type'], where);
  switch (config.type) {
    case 'constant':
      return constantSchedule(config.value ?? 1);
    case 'linearWarmup':
      return linearWarmup(config.warmupSteps, config.after === undefined ? undefined : scheduleFromConfig(config.after, `${where}.after`));
    case 'cosineWarmRestarts': {
      const { type: _type, ...options } = config;
      return cosineWarmRestarts(options);
    }
    case 'cosineAnnealing':
      return cosineAnnealing(config.totalSteps, config.min, config.max);
  }
}
