// The libraries that bench/run.mjs times tapeless against on the array cases of
// bench/cases.ts. They are a package of their own (this folder), installed on demand with
// `npm ci`, so that the project's own install and tests do not carry them. A peer that cannot
// be installed, loaded or started is skipped, with the reason in the report.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const FOLDER = fileURLToPath(new URL('.', import.meta.url));

/** Each peer: the package it needs, and its module here, whose `load()` starts it. */
const PEERS = [
  { key: 'tfjs', label: 'TensorFlow.js', packageName: '@tensorflow/tfjs', module: './tfjs.mjs' },
  { key: 'jax', label: 'jax-js', packageName: '@jax-js/jax', module: './jax.mjs' },
];

/**
 * Installs the peers if they are missing (when `install` is set) and loads them. Returns one
 * entry per peer: `{ key, label, packageName, version, precision, tolerance, api, cases }`
 * where `cases[name](...args)` prepares a case (see tfjs.mjs), or `{ key, label,
 * packageName, skipped }` with the reason it was skipped.
 */
export async function loadPeers({ install = true } = {}) {
  const problem = install ? ensureInstalled() : 'left out (--skip-peers)';
  const peers = [];
  for (const peer of PEERS) {
    const { key, label, packageName } = peer;
    if (problem) {
      peers.push({ key, label, packageName, skipped: problem });
      continue;
    }
    try {
      const loaded = await (await import(peer.module)).load();
      peers.push({ key, label, packageName, version: installedVersion(packageName), ...loaded });
    } catch (error) {
      peers.push({ key, label, packageName, skipped: `could not be started: ${error instanceof Error ? error.message : String(error)}` });
    }
  }
  return peers;
}

/** Runs `npm ci` here unless every dependency is installed at its pinned version; returns why it failed, if it did. */
function ensureInstalled() {
  const { dependencies } = JSON.parse(readFileSync(path.join(FOLDER, 'package.json'), 'utf8'));
  const missing = Object.entries(dependencies).filter(([name, version]) => installedVersion(name) !== version);
  if (missing.length === 0) return undefined;
  console.log(`installing the peers of the array cases (${missing.map(([name, version]) => `${name}@${version}`).join(', ')}) into bench/peers with npm ci...`);
  // No package here needs an install script (all are plain JavaScript and WebAssembly).
  const npm = spawnSync('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], {
    cwd: FOLDER,
    encoding: 'utf8',
    shell: process.platform === 'win32',
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  if (npm.error) return `not installed: npm could not be run (${npm.error.message})`;
  if (npm.status !== 0) {
    process.stderr.write(npm.stderr);
    return `not installed: npm ci failed (${npmError(npm.stderr) || `exit code ${npm.status}`})`;
  }
  const stillMissing = missing.filter(([name, version]) => installedVersion(name) !== version);
  return stillMissing.length === 0 ? undefined : `not installed: npm ci did not install ${stillMissing.map(([name]) => name).join(', ')}`;
}

/** npm's error code and first message line, such as `ECONNREFUSED: FetchError: request to … failed`. */
function npmError(stderr) {
  const lines = stderr.split('\n').flatMap((line) => (line.startsWith('npm error ') ? [line.slice('npm error '.length)] : []));
  const code = lines.find((line) => line.startsWith('code '))?.slice('code '.length);
  const message = lines.find((line) => line.trim() !== '' && !/^(code|syscall|errno|path|\s)/.test(line));
  return [code, message].filter(Boolean).join(': ');
}

function installedVersion(packageName) {
  const manifest = path.join(FOLDER, 'node_modules', packageName, 'package.json');
  return existsSync(manifest) ? JSON.parse(readFileSync(manifest, 'utf8')).version : undefined;
}
