import * as path from 'path';
import { pathToFileURL } from 'url';

/**
 * `node --import tapeless/register app.ts`: runs TypeScript directly, as tsx or Node's type
 * stripping do, with the files that call tapeless compiled through the transformer (see
 * register-hooks.ts, which runs in Node's module-hooks thread). Stack traces are mapped back
 * to the TypeScript sources. Needs Node 20.6 or later (`module.register`).
 */
const { register } = require('module') as { register?: (specifier: string, parentURL?: string) => void };
if (typeof register !== 'function') throw new Error(`tapeless/register needs Node 20.6 or later (module.register); this is Node ${process.versions.node}.`);
register(pathToFileURL(path.join(__dirname, 'register-hooks.js')).href);
process.setSourceMapsEnabled(true);
