// The transformer's diagnostics, read from its source: every `fail(node, Code.X, message)` and
// `toDiagnostic(ts, node, Code.X, message)`, with the message as a pattern (the parts computed
// at compile time, such as names, become wildcards).
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { ROOT } from './compile.js';

export interface CatalogueEntry {
  readonly code: string;
  /** The message with each computed part written `…`, as the README lists it. */
  readonly text: string;
  /** Matches the message as reported (after `tapeless: `). */
  readonly pattern: RegExp;
  /** Where it is raised: `file:line`. */
  readonly site: string;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Every diagnostic the transformer can report, one entry per distinct message. */
export function catalogue(): CatalogueEntry[] {
  const dir = path.join(ROOT, 'transformer');
  const entries = new Map<string, CatalogueEntry>();
  for (const name of (readdirSync(dir, { recursive: true }) as string[]).filter((n) => n.endsWith('.ts')).sort()) {
    const file = ts.createSourceFile(name, readFileSync(path.join(dir, name), 'utf8'), ts.ScriptTarget.ES2022, true);
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && ['fail', 'toDiagnostic'].includes(node.expression.text)) {
        const args = node.arguments;
        const [codeArg, message] = node.expression.text === 'fail' ? [args[1], args[2]] : [args[2], args[3]];
        if (codeArg && message && ts.isPropertyAccessExpression(codeArg)) {
          const parts: string[] = [];
          if (ts.isStringLiteral(message) || ts.isNoSubstitutionTemplateLiteral(message)) parts.push(message.text);
          else if (ts.isTemplateExpression(message)) {
            parts.push(message.head.text);
            for (const span of message.templateSpans) parts.push(span.literal.text);
          }
          if (parts.length > 0) {
            const text = parts.join('…');
            const site = `transformer/${name.replace(/\\/g, '/')}:${file.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
            if (!entries.has(text)) entries.set(text, { code: codeArg.name.text, text, pattern: new RegExp(`^${parts.map(escape).join('.*?')}$`, 's'), site });
          }
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  return [...entries.values()];
}
