#!/usr/bin/env node
// Compiles a package's WebAssembly text with wabt's wat2wasm (the `wabt` npm
// package) and writes a TypeScript module that carries the binary as base64,
// so that the package loads it without reading files, in Node and in
// browsers. Every package of the repository with WebAssembly kernels builds
// them with this script.
//
// Before compiling, the text is expanded (see the .wat files):
//
// - Each function named $NAME_full is followed by a copy named $NAME_plain
//   in which every (local.get $flags) reads (i32.const 0): the same loop with
//   all of its optional steps folded away.
// - Each function named $NAME_fN is a template for both element types: it is
//   replaced by $NAME_f32 and $NAME_f64, with the tokens of TYPE_TOKENS
//   below spelled for float32 and for float64.
//
// With --shared the module is built a second time importing a shared memory
// (for worker threads); only the memory import differs.
//
//   node scripts/build-wasm.mjs [--check]     core: wasm/adamw.wat → src/simd/adamw-wasm.ts
//   node ../core/scripts/build-wasm.mjs --wat wasm/x.wat --out src/x-wasm.ts --name X --title "…" [--shared] [--per-type] [--check]
//
// With --wat the paths are relative to the working directory, which is the
// package's own (as `pnpm run` sets it). --check exits 1 when the output is
// not up to date.
import { readFileSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import wabt from 'wabt';

const scriptPath = fileURLToPath(import.meta.url);
const coreRoot = fileURLToPath(new URL('..', import.meta.url));

const MEMORY_IMPORT = '(import "env" "memory" (memory 1))';
const SHARED_MEMORY_IMPORT = '(import "env" "memory" (memory 1 65536 shared))';

/**
 * How each token of a $NAME_fN template is spelled per element type. Longer
 * tokens first: `fNxL` contains `fN`. Besides these, `ELEM_BYTES*n` (n a
 * whole number) is the size of n elements in bytes, for load offsets.
 */
export const TYPE_TOKENS = [
  ['fNxL', 'f32x4', 'f64x2'],
  ['loadN_splat', 'load32_splat', 'load64_splat'],
  ['fN', 'f32', 'f64'],
  ['ELEM_SHIFT', '2', '3'],
  ['ELEM_BYTES', '4', '8'],
  ['LANES', '4', '2'],
  ['PANEL_COLS', '8', '4'],
];

async function compile(tools, name, watText, shared) {
  const features = { simd: true, threads: shared, relaxed_simd: true };
  const module = tools.parseWat(name, watText, features);
  try {
    module.validate(features);
    return module.toBinary({}).buffer;
  } finally {
    module.destroy();
  }
}

/** The end (exclusive) of the parenthesised form that opens at `start`, skipping `;;` comments. */
function formEnd(text, start) {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === ';' && text[i + 1] === ';') {
      i = text.indexOf('\n', i);
      if (i < 0) break;
    } else if (c === '(') {
      depth++;
    } else if (c === ')' && --depth === 0) {
      return i + 1;
    }
  }
  throw new Error(`unbalanced parentheses in the form at character ${start}`);
}

/**
 * Replaces each function form whose name matches `pattern` (a global RegExp
 * whose group 1 is the name's stem) with `rewrite(form, stem)`.
 */
function rewriteFunctions(watText, pattern, rewrite) {
  let out = '';
  let from = 0;
  for (let match; (match = pattern.exec(watText)) !== null;) {
    const end = formEnd(watText, match.index);
    out += watText.slice(from, match.index) + rewrite(watText.slice(match.index, end), match[1]);
    from = end;
    pattern.lastIndex = end;
  }
  return out + watText.slice(from);
}

/**
 * Adds, after each function named $NAME_full, a copy named $NAME_plain in
 * which every (local.get $flags) reads (i32.const 0): the same loop with all
 * of its optional steps folded away (see the top of wasm/adamw.wat).
 */
export function expandPlainVariants(watText) {
  return rewriteFunctions(watText, /\(func \$(\w+)_full\b/g, (full, stem) => {
    const plain = full.replace(`$${stem}_full`, `$${stem}_plain`).replaceAll('(local.get $flags)', '(i32.const 0)');
    return `${full}\n\n  ${plain}`;
  });
}

/**
 * Replaces each function named $NAME_fN with $NAME_f32 and $NAME_f64 (or
 * with the one of `types`): the same text with the tokens of
 * {@link TYPE_TOKENS} spelled for each type. Functions written by hand for
 * one type ($NAME_f32, $NAME_f64) are left out of a build for the other.
 */
export function expandTypeVariants(watText, types = ['f32', 'f64']) {
  let text = watText;
  for (const other of ['f32', 'f64'].filter((t) => !types.includes(t))) {
    text = rewriteFunctions(text, new RegExp(`\\(func \\$(\\w+)_${other}\\b(?!_)`, 'g'), () => '');
  }
  return rewriteFunctions(text, /\(func \$(\w+)_fN\b/g, (template) =>
    types
      .map((type) => {
        const k = type === 'f32' ? 1 : 2;
        const bytes = type === 'f32' ? 4 : 8;
        const sized = template.replace(/ELEM_BYTES\*(\d+)/g, (_, n) => String(bytes * Number(n)));
        return TYPE_TOKENS.reduce((text, spellings) => text.replaceAll(spellings[0], spellings[k]), sized);
      })
      .join('\n\n  '),
  );
}

const shuffleHigh = (x) => `(i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 ${x} ${x})`;
const promote = (x) => `(f64x2.promote_low_f32x4 ${x})`;

/**
 * Spells each (FUSED_MADD a b c) of the text, RN32(a·b + c) in each float32
 * lane with one rounding, and FUSED_MADD_LOCALS and FUSED_MADD_INIT, the
 * locals it needs and the code that sets them before the loop:
 *
 * - `relaxed`: f32x4.relaxed_madd, which the engine runs as one hardware FMA
 *   where the processor has one (the module is used only where it does).
 * - `emulated`: the product is exact in float64 and the float64 sum is
 *   rounded to float32, which is right unless that sum lies exactly halfway
 *   between two float32 numbers (its low 29 bits read 0x10000000) or the
 *   result is subnormal or the smallest normal (where float32 keeps fewer
 *   bits); any lane of either kind sends the vector through
 *   $fused_madd_exact, which never misrounds.
 */
export function expandFusedMultiplyAdd(watText, mode) {
  const emulated = mode !== 'relaxed';
  // The halfway test's constants, read into locals once per call.
  const constants = [
    ['fmLow29', 'i32x4 0x1fffffff 0x1fffffff 0x1fffffff 0x1fffffff'],
    ['fmHalfway', 'i32x4 0x10000000 0x10000000 0x10000000 0x10000000'],
    ['fmAbs', 'i32x4 0x7fffffff 0x7fffffff 0x7fffffff 0x7fffffff'],
    ['fmShift', 'i32x4 0x7f7fffff 0x7f7fffff 0x7f7fffff 0x7f7fffff'],
  ];
  const names = ['fmA', 'fmB', 'fmC', 'fmLo', 'fmHi', 'fmR', ...constants.map(([name]) => name)];
  // The relaxed build never takes the emulation's exact path: leave it out.
  let text = (emulated ? watText : rewriteFunctions(watText, /\(func \$(fused_madd_exact|odd_sum)\b/g, () => ''))
    .replaceAll('FUSED_MADD_LOCALS', emulated ? names.map((name) => `(local $${name} v128)`).join(' ') : '')
    .replaceAll('FUSED_MADD_INIT', emulated ? constants.map(([name, value]) => `(local.set $${name} (v128.const ${value}))`).join(' ') : '');
  for (let at = text.indexOf('(FUSED_MADD '); at >= 0; at = text.indexOf('(FUSED_MADD ', at)) {
    if (text.slice(text.lastIndexOf('\n', at) + 1, at).includes(';;')) {
      at += 1; // in a comment
      continue;
    }
    const end = formEnd(text, at);
    const operands = [];
    for (let i = at + '(FUSED_MADD '.length; i < end - 1; i++) {
      if (text[i] === '(') {
        const close = formEnd(text, i);
        operands.push(text.slice(i, close));
        i = close - 1;
      } else if (!/\s/.test(text[i])) {
        throw new Error(`FUSED_MADD takes three parenthesised operands, at character ${at}`);
      }
    }
    if (operands.length !== 3) throw new Error(`FUSED_MADD takes three operands, got ${operands.length} at character ${at}`);
    const [a, b, c] = operands;
    const get = (name) => `(local.get $${name})`;
    const spelled = !emulated
      ? `(f32x4.relaxed_madd ${a} ${b} ${c})`
      : `(block (result v128)
          (local.set $fmA ${a}) (local.set $fmB ${b}) (local.set $fmC ${c})
          (local.set $fmLo (f64x2.add (f64x2.mul ${promote(get('fmA'))} ${promote(get('fmB'))}) ${promote(get('fmC'))}))
          (local.set $fmHi (f64x2.add (f64x2.mul ${promote(shuffleHigh(get('fmA')))} ${promote(shuffleHigh(get('fmB')))}) ${promote(shuffleHigh(get('fmC')))}))
          (local.set $fmR (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (f32x4.demote_f64x2_zero ${get('fmLo')}) (f32x4.demote_f64x2_zero ${get('fmHi')})))
          (if (v128.any_true (v128.or
                ;; Halfway: the low 29 bits of each float64 sum (in the low words of its lanes) are 0x10000000.
                (i32x4.eq (v128.and (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 ${get('fmLo')} ${get('fmHi')}) ${get('fmLow29')}) ${get('fmHalfway')})
                ;; 0 < |r| ≤ 2^-126, from r's bits u: u + 0x7f7fffff exceeds 0x7f7fffff as a signed number only for 1 ≤ u ≤ 0x00800000.
                (i32x4.gt_s (i32x4.add (v128.and ${get('fmR')} ${get('fmAbs')}) ${get('fmShift')}) ${get('fmShift')})))
            (then (local.set $fmR (call $fused_madd_exact ${get('fmA')} ${get('fmB')} ${get('fmC')}))))
          ${get('fmR')})`;
    text = text.slice(0, at) + spelled + text.slice(end);
    at += spelled.length;
  }
  return text;
}

function base64Lines(bytes) {
  const lines =
    Buffer.from(bytes)
      .toString('base64')
      .match(/.{1,100}/g) ?? [];
  return lines.map((l, i) => `  '${l}'${i === lines.length - 1 ? ';' : ' +'}`);
}

/**
 * The generated TypeScript module for one WebAssembly text.
 *
 * @param {object} build
 * @param {string} build.watText the WebAssembly text
 * @param {string} build.watName its path in the package, for messages and comments
 * @param {string} build.name prefix of the exported constants (`NAME_WASM_BASE64`, `NAME_SHARED_WASM_BASE64`)
 * @param {string} build.title what the module is, for the doc comments ("AdamW")
 * @param {boolean} build.shared also build it importing a shared memory
 * @param {boolean} [build.perType] one module per element type (`NAME_F32_…`, `NAME_F64_…`), each with
 *   its own copy of the $NAME_fN templates: smaller modules, which browsers compile synchronously on
 *   the main thread only up to 4 KiB
 * @param {boolean} [build.fused] the text uses (FUSED_MADD a b c): build it once emulating the fused
 *   multiply-add (`NAME_…`) and once with relaxed SIMD's (`NAME_FMA_…`), see {@link expandFusedMultiplyAdd}
 * @param {string} build.command how to rebuild it, for the header
 * @param {string} build.script this script's path as the header names it
 */
export async function generateWasmModule({ watText, watName, name, title, shared, perType = false, fused = false, command, script }) {
  if (!watText.includes(MEMORY_IMPORT)) throw new Error(`${watName} must import its memory as ${MEMORY_IMPORT}`);
  const tools = await wabt();
  const file = watName.split('/').pop();
  const lines = [`// Generated by ${script} from ${watName}. Do not edit:`, `// change the .wat and run \`${command}\`.`, ''];
  const variants = perType
    ? [
        { suffix: '_F32', types: ['f32'], what: `${title} WebAssembly module for float32 (${watName})` },
        { suffix: '_F64', types: ['f64'], what: `${title} WebAssembly module for float64 (${watName})` },
      ]
    : [{ suffix: '', types: ['f32', 'f64'], what: `${title} WebAssembly module (${watName})` }];
  if (fused) {
    // One module with the emulated fused multiply-add, which every engine
    // with SIMD runs, and one with relaxed SIMD's, for engines that have it.
    variants.splice(
      0,
      variants.length,
      ...variants.flatMap((v) => [
        { ...v, mode: 'emulated' },
        { ...v, suffix: `${v.suffix}_FMA`, mode: 'relaxed', what: `${v.what.replace(' module', ' module with relaxed SIMD')}` },
      ]),
    );
  } else if (watText.includes('FUSED_MADD')) {
    throw new Error(`${watName} uses FUSED_MADD: build it with fused: true`);
  }
  for (const { suffix, types, what, mode } of variants) {
    const typed = expandTypeVariants(expandPlainVariants(watText), types);
    const expanded = mode === undefined ? typed : expandFusedMultiplyAdd(typed, mode);
    const plain = await compile(tools, file, expanded, false);
    lines.push(
      `/** The compiled ${what} importing a plain memory as env.memory, base64. */`,
      `export const ${name}${suffix}_WASM_BASE64 =`,
      ...base64Lines(plain),
      '',
    );
    if (shared) {
      const sharedBinary = await compile(tools, file, expanded.replace(MEMORY_IMPORT, SHARED_MEMORY_IMPORT), true);
      lines.push(
        '/**',
        ' * The same module importing a shared memory (at most 65536 pages, 4 GiB) as',
        ' * env.memory, base64: worker threads run it on one memory.',
        ' */',
        `export const ${name}${suffix}_SHARED_WASM_BASE64 =`,
        ...base64Lines(sharedBinary),
        '',
      );
    }
  }
  return lines.join('\n');
}

/** The generated module of core's AdamW kernel (wasm/adamw.wat). */
export function generateAdamWWasmModule(watText) {
  return generateWasmModule({
    watText,
    watName: 'wasm/adamw.wat',
    name: 'ADAMW',
    title: 'AdamW',
    shared: true,
    fused: true,
    command: 'pnpm --filter @adamw/core wasm:build',
    script: 'scripts/build-wasm.mjs',
  });
}

async function main() {
  const { values } = parseArgs({
    options: {
      check: { type: 'boolean', default: false },
      wat: { type: 'string' },
      out: { type: 'string' },
      name: { type: 'string' },
      title: { type: 'string' },
      shared: { type: 'boolean', default: false },
      'per-type': { type: 'boolean', default: false },
    },
  });
  let packageRoot = coreRoot;
  let watPath;
  let outPath;
  let generate;
  if (values.wat === undefined) {
    watPath = `${coreRoot}wasm/adamw.wat`;
    outPath = `${coreRoot}src/simd/adamw-wasm.ts`;
    generate = generateAdamWWasmModule;
  } else {
    if (values.out === undefined || values.name === undefined || values.title === undefined) {
      throw new Error('--wat needs --out, --name and --title');
    }
    packageRoot = process.cwd();
    watPath = resolve(packageRoot, values.wat);
    outPath = resolve(packageRoot, values.out);
    const { name: packageName } = JSON.parse(readFileSync(resolve(packageRoot, 'package.json'), 'utf8'));
    generate = (watText) =>
      generateWasmModule({
        watText,
        watName: relative(packageRoot, watPath),
        name: values.name,
        title: values.title,
        shared: values.shared,
        perType: values['per-type'],
        command: `pnpm --filter ${packageName} wasm:build`,
        script: relative(packageRoot, scriptPath),
      });
  }
  const generated = await generate(readFileSync(watPath, 'utf8'));
  const outName = relative(packageRoot, outPath);
  if (values.check) {
    let current = '';
    try {
      current = readFileSync(outPath, 'utf8');
    } catch {
      // a missing file is simply out of date
    }
    if (current !== generated) {
      console.error(`${outName} is out of date with ${relative(packageRoot, watPath)}; run the package's wasm:build`);
      process.exit(1);
    }
    console.log(`${outName} is up to date`);
  } else {
    writeFileSync(outPath, generated);
    console.log(`wrote ${outName} (${generated.length} characters)`);
  }
}

const isMain = process.argv[1] !== undefined && scriptPath === resolve(process.argv[1]);
if (isMain) await main();
