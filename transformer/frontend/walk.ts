import type * as ts from 'typescript';

/**
 * Visits `root` and the nodes under it, parents before children and children in source
 * order, with a stack of its own rather than recursion: a sum of thousands of terms is a
 * tree thousands of levels deep. `visit` returns 'skip' to leave a node's children out, or
 * 'stop' to end the walk; the result says whether it was stopped.
 */
export function walk(tsApi: typeof ts, root: ts.Node, visit: (node: ts.Node) => 'skip' | 'stop' | void): boolean {
  const stack: ts.Node[] = [root];
  const children: ts.Node[] = [];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const next = visit(node);
    if (next === 'stop') return true;
    if (next === 'skip') continue;
    children.length = 0;
    tsApi.forEachChild(node, (child) => void children.push(child));
    for (let k = children.length - 1; k >= 0; k--) stack.push(children[k]);
  }
  return false;
}
