// Starts the real `switchboard` binary for one test file: demo data, a fresh data
// directory, HTTP and SMTP on free loopback ports. Its output goes to a log file under
// e2e/out/ and is printed when startup fails, so a broken server explains itself.
//
// This module must not know anything about pages or selectors; it only runs the process.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The e2e/ directory (this file lives in e2e/lib/). */
export const E2E_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Artifacts (logs, screenshots); gitignored. */
export const OUT_DIR = path.join(E2E_DIR, 'out');

const STARTUP_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 5_000;

/** Every server started by this process, so a crash of the test runner kills them too. */
const running = new Set();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Path of the binary under test: `SWITCHBOARD_BIN`, else the debug build of the workspace. */
export function serverBinary() {
  const fromEnv = process.env.SWITCHBOARD_BIN;
  return fromEnv ? path.resolve(fromEnv) : path.resolve(E2E_DIR, '../target/debug/switchboard');
}

/** A port that was free a moment ago: bind port 0, read it, release it. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts `switchboard serve --demo` and waits until `GET /login` answers 200.
 *
 * @param {string} label names the log file (`e2e/out/server-<label>.log`)
 * @param {{args?: string[]}} options `args`: more `serve` flags (e.g. `--relay URL`)
 * @returns {Promise<{url: string, logFile: string, dataDir: string, stop: () => Promise<void>}>}
 */
export async function startServer(label = 'e2e', { args: extraArgs = [] } = {}) {
  const bin = serverBinary();
  if (!fs.existsSync(bin)) {
    throw new Error(
      `server binary not found at ${bin}; build it with \`cargo build -p switchboard-server\` ` +
        'or point SWITCHBOARD_BIN at it',
    );
  }
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-e2e-data-'));
  const httpPort = await freePort();
  let smtpPort = await freePort();
  while (smtpPort === httpPort) smtpPort = await freePort();

  const logFile = path.join(OUT_DIR, `server-${label}.log`);
  const log = fs.openSync(logFile, 'w');
  const args = [
    'serve',
    '--demo',
    '--data-dir', dataDir,
    '--http', `127.0.0.1:${httpPort}`,
    '--smtp', `127.0.0.1:${smtpPort}`,
    ...extraArgs,
  ];
  fs.writeSync(log, `$ ${bin} ${args.join(' ')}\n`);
  const child = spawn(bin, args, {
    cwd: dataDir,
    stdio: ['ignore', log, log],
    env: { RUST_LOG: 'info', ...process.env },
  });
  fs.closeSync(log); // the child holds its own descriptor
  running.add(child);

  let exited = null;
  const exitPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      running.delete(child);
      resolve(exited);
    });
    child.on('error', (err) => {
      exited = { error: err };
      running.delete(child);
      resolve(exited);
    });
  });

  const url = `http://127.0.0.1:${httpPort}`;

  async function stop() {
    if (exited === null) {
      child.kill('SIGTERM');
      const done = await Promise.race([exitPromise, sleep(STOP_TIMEOUT_MS).then(() => null)]);
      if (done === null) {
        child.kill('SIGKILL');
        await exitPromise;
      }
    }
    if (!process.env.E2E_KEEP_DATA) fs.rmSync(dataDir, { recursive: true, force: true });
  }

  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  let lastProblem = 'no answer yet';
  while (Date.now() < deadline) {
    if (exited !== null) break;
    try {
      const res = await fetch(`${url}/login`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return { url, logFile, dataDir, stop };
      lastProblem = `GET /login answered ${res.status}`;
    } catch (err) {
      lastProblem = `GET /login failed: ${err.cause?.code ?? err.message}`;
    }
    await sleep(200);
  }

  const why = exited
    ? `the server exited early (${JSON.stringify(exited, (k, v) => (v instanceof Error ? v.message : v))})`
    : `GET /login did not answer 200 within ${STARTUP_TIMEOUT_MS / 1000} s (${lastProblem})`;
  await stop();
  const output = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '(no log)';
  console.error(`---- ${logFile} ----\n${output}\n---- end of server log ----`);
  throw new Error(`switchboard did not start: ${why}; log in ${logFile}`);
}
