// The page side of the harness: imported by the entries that the harness
// bundles, so it must not import anything from Node or from playwright.

/**
 * A function the Node side can call in the page, with one JSON-serialisable
 * input (or none) and a JSON-serialisable result or a promise of one.
 */
export type PageFunction = (input: never) => unknown;

/** The functions an entry exposes, by name. */
export type PageApi = Readonly<Record<string, PageFunction>>;

/** The global the harness reads the exposed functions from. */
export const PAGE_GLOBAL = '__adamwPage';

/** What the graphics probe reports about WebGL 2. */
export interface WebGLInfo {
  renderer: string;
  vendor: string;
  /** `EXT_color_buffer_float`: float32 textures can be rendered to (tfjs's float32 path needs it). */
  floatColorBuffer: boolean;
  maxTextureSize: number;
}

/** What the graphics probe reports about WebGPU. */
export type WebGPUInfo =
  { available: true; vendor: string; architecture: string; description: string; features: string[] } | { available: false; reason: string };

/** The page's graphics: WebGL 2 (null when there is none) and WebGPU. */
export interface GraphicsInfo {
  userAgent: string;
  webgl2: WebGLInfo | null;
  webgpu: WebGPUInfo;
}

interface GpuLike {
  requestAdapter(): Promise<{
    info?: { vendor: string; architecture: string; description: string };
    features: Iterable<string>;
    requestDevice(): Promise<{ destroy(): void }>;
  } | null>;
}

function webglInfo(): WebGLInfo | null {
  const canvas = document.createElement('canvas');
  const gl = canvas.getContext('webgl2');
  if (gl === null) return null;
  const debug = gl.getExtension('WEBGL_debug_renderer_info');
  const info = {
    renderer: String(gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER)),
    vendor: String(gl.getParameter(debug ? debug.UNMASKED_VENDOR_WEBGL : gl.VENDOR)),
    floatColorBuffer: gl.getExtension('EXT_color_buffer_float') !== null,
    maxTextureSize: Number(gl.getParameter(gl.MAX_TEXTURE_SIZE)),
  };
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return info;
}

async function webgpuInfo(): Promise<WebGPUInfo> {
  const gpu = (navigator as unknown as { gpu?: GpuLike }).gpu;
  if (!isSecureContext) return { available: false, reason: 'the page is not a secure context' };
  if (gpu === undefined) return { available: false, reason: 'navigator.gpu is undefined (WebGPU is not enabled in this browser)' };
  try {
    const adapter = await gpu.requestAdapter();
    if (adapter === null) return { available: false, reason: 'navigator.gpu.requestAdapter() returned null (no adapter)' };
    const device = await adapter.requestDevice();
    device.destroy();
    return {
      available: true,
      vendor: adapter.info?.vendor ?? '',
      architecture: adapter.info?.architecture ?? '',
      description: adapter.info?.description ?? '',
      features: [...adapter.features].sort(),
    };
  } catch (e) {
    return { available: false, reason: `requesting a WebGPU adapter and device failed: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/** Probes the page's WebGL 2 and WebGPU. */
export async function graphicsInfo(): Promise<GraphicsInfo> {
  return { userAgent: navigator.userAgent, webgl2: webglInfo(), webgpu: await webgpuInfo() };
}

/**
 * Makes `api`'s functions callable from the Node side (`PageSession.call`)
 * and tells the harness the page is ready. Call it once, at the end of the
 * entry's top level (after any top-level `await`).
 */
export function expose<A extends PageApi>(api: A): A {
  (globalThis as Record<string, unknown>)[PAGE_GLOBAL] = { ready: true, api, graphics: graphicsInfo };
  return api;
}
