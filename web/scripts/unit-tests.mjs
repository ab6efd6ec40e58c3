// Runs the unit tests (tests/unit/*.test.ts): each is bundled with esbuild into a temporary
// folder and the results run with node's built-in test runner. Exit status is the runner's.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const testDir = join(root, 'tests/unit');
const files = readdirSync(testDir).filter((f) => f.endsWith('.test.ts')).sort();
const out = mkdtempSync(join(tmpdir(), 'orchard-web-unit-'));
try {
  await build({
    entryPoints: files.map((f) => join(testDir, f)),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node18',
    outdir: out,
    outExtension: { '.js': '.mjs' },
    external: ['node:*'],
    logLevel: 'warning',
  });
  const compiled = files.map((f) => join(out, f.replace(/\.ts$/, '.mjs')));
  const r = spawnSync(process.execPath, ['--test', ...compiled], { stdio: 'inherit' });
  process.exitCode = r.status ?? 1;
} finally {
  rmSync(out, { recursive: true, force: true });
}
