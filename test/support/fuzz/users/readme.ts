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
    // `const src = c ? xs : ys` with parameters (or module constants): the generator writes it rarely.
    message: /^this expression chooses between arrays or objects, and one of them is not an array or object literal the function makes itself/,
    readme: 'What can be differentiated: "a variable or `?:` holding different arrays or objects after a branch | ✅ for arrays and object literals the function makes … ❌ otherwise (arrays of the caller, …)"',
  },
  {
    message: /^spread arguments are supported in Math\.max and Math\.min only/,
    readme: 'Errors, 91001: "spread arguments other than in `Math.max`/`Math.min`" (Math.hypot(...xs))',
  },
  {
    // slice (the generator writes `xs.slice()`) is rejected with the message of calls in general.
    message: /^(\.slice\(\) is not supported|cannot differentiate the call to '[\w.]+\.slice')/,
    readme: 'What can be differentiated: "`filter`, `slice` and the other array methods, `push` on arrays not created empty, static methods, getters | ❌"',
  },
  {
    message: /^(static methods such as|cannot differentiate the call to 'Array\.from')/,
    readme: 'What can be differentiated: "… static methods, getters | ❌ not yet" (Array.from)',
  },
];

/** The README entry that marks the construct of `message` ❌, if any. */
export function unsupported(message: string): string | undefined {
  const text = message.replace(/^tapeless: /, '');
  return UNSUPPORTED.find((u) => u.message.test(text))?.readme;
}
