// Packs the package as it is published: `npm run pack` (then `npm publish tapeless-<version>.tgz`).
// The tarball gets a package.json without the development scripts and dependencies (a
// `prepare` there would name files the tarball does not have, and npm 11 warns about it on
// install), so it is packed from a staging directory holding exactly the files npm would pack.
//   --no-build          pack the dist/ there is (the tests do, while other tests read it)
//   --destination DIR   where the tarball goes (default: the current directory)
// Prints the tarball's path.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(fileURLToPath(import.meta.url), '../..');
const args = process.argv.slice(2);
const destination = path.resolve(args.includes('--destination') ? args[args.indexOf('--destination') + 1] : '.');
const npm = (npmArgs, cwd) => execFileSync('npm', npmArgs, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });

if (!args.includes('--no-build')) execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
const [{ files }] = JSON.parse(npm(['pack', '--dry-run', '--json', '--ignore-scripts'], root));
const staging = mkdtempSync(path.join(os.tmpdir(), 'tapeless-pack-'));
try {
  for (const { path: file } of files) {
    if (file === 'package.json') continue;
    mkdirSync(path.dirname(path.join(staging, file)), { recursive: true });
    copyFileSync(path.join(root, file), path.join(staging, file));
    chmodSync(path.join(staging, file), statSync(path.join(root, file)).mode);
  }
  const { scripts, devDependencies, ...manifest } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  writeFileSync(path.join(staging, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  mkdirSync(destination, { recursive: true });
  const [{ filename }] = JSON.parse(npm(['pack', '--json', '--pack-destination', destination], staging));
  process.stdout.write(`${path.join(destination, filename)}\n`);
} finally {
  rmSync(staging, { recursive: true, force: true });
}
