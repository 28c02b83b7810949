// Which rejections are expected: the constructs README marks ❌ that the user-program
// generator writes (because users do). A rejection whose message is not in this table is a
// failure: the generator writes only what users write, and README promises the rest (✅).
// Each entry quotes where README says so.
export const UNSUPPORTED: readonly { readonly message: RegExp; readonly readme: string }[] = [
  {
    message: /^a loop that reassigns the array or object variable/,
    readme: 'Errors, 91001: "a loop that reassigns an array or object variable" (state reassigned in loops, issue 12 item 14)',
  },
  {
    message: /^\.(slice|from)\(\) is not supported/,
    readme: 'What can be differentiated: "`filter`, `slice` and the other array methods, `push` on arrays not created empty, static methods, getters | ❌"',
  },
  {
    message: /^static methods such as/,
    readme: 'What can be differentiated: "… static methods, getters | ❌ not yet"',
  },
];

/** The README entry that marks the construct of `message` ❌, if any. */
export function unsupported(message: string): string | undefined {
  const text = message.replace(/^tapeless: /, '');
  return UNSUPPORTED.find((u) => u.message.test(text))?.readme;
}
