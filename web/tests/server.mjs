// Shared by the browser tests: their command-line options, and an `orchard server` started on
// port 0, resolved with its port once its readiness line is printed.
import { spawn } from 'node:child_process';

/** The value after `--name` on the command line, or `fallback`. */
export function cliArg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

/** Starts `orchard args...` (a server command) and waits (20 s at most) for "listening on". */
export async function startOrchardServer(orchard, args, options) {
  const server = spawn(orchard, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  const port = await new Promise((resolvePort, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no readiness line from orchard server: ${out}`)), 20_000);
    server.stdout.on('data', (d) => {
      out += d;
      const m = /listening on https?:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) { clearTimeout(timer); resolvePort(Number(m[1])); }
    });
    server.stderr.on('data', (d) => { out += d; });
    server.on('exit', (code) => { clearTimeout(timer); reject(new Error(`orchard server exited (${code}): ${out.slice(-2000)}`)); });
  });
  return { server, port };
}
