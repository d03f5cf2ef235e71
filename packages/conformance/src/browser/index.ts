/**
 * The Chromium harness: bundle an entry as an application would, serve it on
 * loopback, open it in Debian's headless Chromium (SwiftShader for WebGL and
 * WebGPU) and call the functions it exposes with JSON in and JSON out.
 *
 * Node side only; page entries import `expose` from `./in-page`.
 */
export { bundleForBrowser, type Bundle, type BundleOptions } from './bundle';
export { BASE_FLAGS, CHROMIUM_PATH, GRAPHICS_FLAGS, chromiumFlags, launchChromium, type GraphicsMode, type LaunchOptions } from './chromium';
export type { GraphicsInfo, PageApi, PageFunction, WebGLInfo, WebGPUInfo } from './in-page';
export { serveFiles, type ServeOptions, type ServedSite, type SiteFiles } from './server';
export { openPage, withPage, type ConsoleEntry, type PageOptions, type PageSession } from './session';
