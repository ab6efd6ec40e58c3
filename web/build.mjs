// Builds the UI into dist/: index.html plus content-hashed assets under dist/static-files/, each
// with a gzip (level 9) sibling for the server to send as is. index.html refers to its assets
// relatively, so the UI works under a path prefix too; it has no inline script or style.
//   node build.mjs            production build (minified)
//   node build.mjs --dev      unminified, with inline source maps (for debugging only)
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync, constants } from 'node:zlib';

const root = dirname(fileURLToPath(import.meta.url));
const dist = join(root, 'dist');
const assets = join(dist, 'static-files');
const dev = process.argv.includes('--dev');

const result = await build({
  entryPoints: [join(root, 'src/main.tsx')],
  bundle: true,
  minify: !dev,
  sourcemap: dev ? 'inline' : false,
  format: 'iife',
  target: 'es2020',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outdir: assets,
  entryNames: 'app',
  write: false,
  legalComments: 'none',
  logLevel: 'warning',
});

rmSync(dist, { recursive: true, force: true });
mkdirSync(assets, { recursive: true });

const written = [];
function emit(path, contents) {
  writeFileSync(path, contents);
  writeFileSync(path + '.gz', gzipSync(contents, { level: constants.Z_BEST_COMPRESSION }));
  written.push(path);
}

// Content-hashed names: the file name changes whenever its bytes do, so the server may cache
// static-files/ forever.
const names = {};
for (const file of result.outputFiles) {
  const ext = extname(file.path);
  const hash = createHash('sha256').update(file.contents).digest('hex').slice(0, 8);
  const name = `${basename(file.path, ext)}-${hash}${ext}`;
  names[ext] = name;
  emit(join(assets, name), file.contents);
}
if (!names['.js'] || !names['.css']) throw new Error('the build made no .js or no .css');

const template = readFileSync(join(root, 'src/index.html'), 'utf8');
const html = template
  .replace('%APP_CSS%', `static-files/${names['.css']}`)
  .replace('%APP_JS%', `static-files/${names['.js']}`);
emit(join(dist, 'index.html'), Buffer.from(html));

let total = 0;
for (const path of written) {
  const raw = readFileSync(path).length;
  const gz = readFileSync(path + '.gz').length;
  total += gz;
  console.log(`${path.slice(root.length + 1).padEnd(40)} ${String(raw).padStart(8)} B  ${String(gz).padStart(7)} B gzipped`);
}
console.log(`total gzipped: ${(total / 1024).toFixed(1)} kB`);
