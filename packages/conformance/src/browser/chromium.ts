import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium: the only browser the harness drives (it never downloads one). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Which graphics stack the browser gets.
 *
 * - `'none'`: no GPU process rendering (`--disable-gpu`); WebGL and WebGPU are unavailable.
 * - `'webgl'`: WebGL 2 through ANGLE on SwiftShader, Chromium's CPU implementation of Vulkan.
 * - `'webgpu'`: the same WebGL, plus WebGPU on SwiftShader's Vulkan adapter.
 */
export type GraphicsMode = 'none' | 'webgl' | 'webgpu';

/** Flags every launch gets: no sandbox (containers run as root), no network chatter, no updater. */
export const BASE_FLAGS: readonly string[] = Object.freeze(['--no-sandbox', '--disable-background-networking', '--disable-component-update']);

/**
 * Graphics flags per mode. Headless Chromium on a machine without a GPU
 * reaches WebGL only through SwiftShader, which recent versions enable only
 * when asked (`--enable-unsafe-swiftshader`). WebGPU is behind
 * `--enable-unsafe-webgpu` on Linux and needs Vulkan turned on with
 * SwiftShader as both the Vulkan implementation and the adapter.
 */
export const GRAPHICS_FLAGS: Readonly<Record<GraphicsMode, readonly string[]>> = Object.freeze({
  none: Object.freeze(['--disable-gpu']),
  webgl: Object.freeze(['--use-angle=swiftshader', '--enable-unsafe-swiftshader']),
  webgpu: Object.freeze([
    '--use-angle=swiftshader',
    '--enable-unsafe-swiftshader',
    '--enable-unsafe-webgpu',
    '--enable-features=Vulkan',
    '--use-vulkan=swiftshader',
    '--use-webgpu-adapter=swiftshader',
  ]),
});

/** The command-line flags of a launch in `mode`, plus any extra ones. */
export function chromiumFlags(mode: GraphicsMode, extra: readonly string[] = []): string[] {
  return [...BASE_FLAGS, ...GRAPHICS_FLAGS[mode], ...extra];
}

/** Options of {@link launchChromium}. */
export interface LaunchOptions {
  /** Default `'webgl'`. */
  graphics?: GraphicsMode;
  /** More command-line flags, after the harness's own. */
  extraFlags?: readonly string[];
  /** Default true. */
  headless?: boolean;
}

/**
 * Launches Debian's Chromium headless with the flags of the graphics mode.
 * Throws, saying how to install it, when `/usr/bin/chromium` is missing.
 */
export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`${CHROMIUM_PATH} is missing: the browser harness drives Debian's Chromium (apt-get install chromium) and never downloads a browser`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: options.headless ?? true,
    args: chromiumFlags(options.graphics ?? 'webgl', options.extraFlags),
  });
}
