// The libraries that bench/run.mjs times tapeless against on the cases of bench/cases.ts. They are a package of their own (this folder), installed on demand with
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
 * Loads the peers (installed by `installPeers`). Returns one entry per peer: `{ key, label,
 * packageName, version, precision, tolerance, api, cases }`, where `cases[name](...args)`
 * prepares the case of that name, or of that series (see tfjs.mjs), or `{ key, label,
 * packageName, skipped }` with the reason it was skipped.
 */
export async function loadPeers({ skip = false } = {}) {
  const problem = skip ? 'left out (--skip-peers)' : missingPeers();
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

/** Why the peers cannot be loaded, if they are not all installed at their pinned versions. */
function missingPeers() {
  const missing = pinnedVersions().filter(([name, version]) => installedVersion(name) !== version);
  return missing.length === 0 ? undefined : `not installed: ${missing.map(([name]) => name).join(', ')}`;
}

function pinnedVersions() {
  return Object.entries(JSON.parse(readFileSync(path.join(FOLDER, 'package.json'), 'utf8')).dependencies);
}

/** Runs `npm ci` here unless every dependency is installed at its pinned version; returns why it failed, if it did. */
export function installPeers() {
  if (!missingPeers()) return undefined;
  const missing = pinnedVersions().filter(([name, version]) => installedVersion(name) !== version);
  console.log(`installing the peers of the benchmark (${missing.map(([name, version]) => `${name}@${version}`).join(', ')}) into bench/peers with npm ci...`);
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

/**
 * The layout of the GMM's precision factors (bench/gmm.ts) for the peers, which build each
 * component's factor Q by a product rather than by indexing: a matrix of s rows and d·d
 * columns, s = d(d + 1)/2, of zeros and ones, such that a row of a component's
 * [exp(log-diagonal) …, below-diagonal entries …] times it is Q, row-major. Entry l of the
 * below-diagonal part is at row j, column i for the pairs i < j, i outer, j inner.
 */
export function gmmFactorLayout(d) {
  const size = (d * (d + 1)) / 2;
  const layout = new Float64Array(size * d * d);
  for (let j = 0; j < d; j++) layout[j * d * d + j * d + j] = 1;
  let l = d;
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) layout[l++ * d * d + j * d + i] = 1;
  }
  return layout;
}
