import { createHash } from 'crypto';
import type * as ts from 'typescript';
import { filesUsingTapeless } from '../driver/check';
import { derivedFromOthers } from '../driver/derived-from';

// TypeScript's builder (tsc -w, --incremental and -b, @rollup/plugin-typescript's watch
// program) re-emits a file when its version (a hash of its text) changes, or when the
// declarations of a file it imports change. Editing the body of `f` in model.ts changes
// neither for cross.ts, whose `grad(f)` was generated from that body, so the builder would
// keep the old gradient. Here the version of a file that uses tapeless also covers the
// files its generated code is derived from.

/** A source file's version: internal to TypeScript, set by hosts whose builders compare them. */
type Versioned = ts.SourceFile & { version?: string };

/** Each file's own version, as its host gave it, before tapeless extended it. */
const ownVersions = new WeakMap<ts.SourceFile, string>();

function ownVersion(file: Versioned): string | undefined {
  return ownVersions.get(file) ?? file.version;
}

function extended(own: string, sources: readonly { name: string; version: string }[]): string {
  if (sources.length === 0) return own;
  const hash = createHash('sha256');
  for (const { name, version } of sources) hash.update(`${name}\0${version}\0`);
  return `${own}+${hash.digest('hex')}`;
}

/**
 * Extends the versions of a new program's files before a builder reads them (ts-patch runs
 * program transformers right after creating the program): exact, in every mode.
 */
export function versionByDerivation(tsApi: typeof ts, program: ts.Program): void {
  for (const file of filesUsingTapeless(program)) {
    const own = ownVersion(file);
    // Versions are set by hosts whose builders read them; other programs have none.
    if (own === undefined) return;
    ownVersions.set(file, own);
    const sources = derivedFromOthers(tsApi, program, file);
    (file as Versioned).version = extended(
      own,
      sources.map((source) => ({ name: source.fileName, version: ownVersion(source) ?? '' })),
    );
  }
}

/** The files each followed file is derived from, by name (see followDerivation). */
const followed = new WeakMap<ts.SourceFile, { sources: string[] }>();

/**
 * For a host that gives tapeless no hook before its builder reads versions
 * (@rollup/plugin-typescript): once `file` is transformed, its version is read, whenever
 * the builder asks, from the current text of the files its code is derived from. The
 * builder of a later program, which reuses this SourceFile while its own text is
 * unchanged, then re-emits it when one of them changed. The first rebuild re-emits it
 * once more than needed (the first builder saw the plain version). Builds that start
 * from a previous process's .tsbuildinfo are not covered.
 */
export function followDerivation(tsApi: typeof ts, file: ts.SourceFile, sources: readonly ts.SourceFile[]): void {
  const own = ownVersion(file);
  if (own === undefined) return;
  const names = sources.filter((source) => source !== file).map((source) => source.fileName);
  const known = followed.get(file);
  if (known) {
    known.sources = names;
    return;
  }
  const state = { sources: names };
  followed.set(file, state);
  ownVersions.set(file, own);
  Object.defineProperty(file, 'version', {
    configurable: true,
    enumerable: true,
    get: () =>
      extended(
        ownVersions.get(file)!,
        state.sources.map((name) => ({ name, version: tsApi.sys.readFile(name) ?? '' })),
      ),
    set: (version: string) => ownVersions.set(file, version),
  });
}
