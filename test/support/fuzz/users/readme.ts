// Which rejections are expected: the constructs README marks ❌ that the user-program
// generator writes (because users do). A rejection whose message is not in this table is a
// failure: the generator writes only what users write, and README promises the rest (✅).
// Each entry quotes where README (or docs/diagnostics.md, which README points to) says so.
const SHARED_STATES =
  'What can be differentiated: "state reassigned in loops … | ✅ … the state must be an array of a length known at compile time or an object literal the function makes, … that no other variable holds where the function writes entries of arrays"';

export interface Unsupported {
  readonly message: RegExp;
  readonly readme: string;
  /**
   * Expected only for a state the generator wrote in the form README marks ❌ (its names are
   * in `UserProgram.unsupported`), named by the message's first quoted name: the same
   * message for a state README supports is a failure.
   */
  readonly state?: true;
}

export const UNSUPPORTED: readonly Unsupported[] = [
  // `previous = s` with a tuple state, or an object state holding an array, where the program writes entries of arrays.
  {
    message: /^'[\w$]+' holds different arrays or objects on the two sides of this branch, and one of them is also held by another variable or object/,
    readme: SHARED_STATES,
    state: true,
  },
  { message: /^the array or object '[\w$]+' holds as this loop starts is also held by another variable or object/, readme: SHARED_STATES, state: true },
  { message: /^a pass of this loop leaves the array (or object )?of '[\w$]+' also held by another variable or object/, readme: SHARED_STATES, state: true },
  {
    // `state[i] += …` of a tuple state, at an outer loop's counter bounded by an input's length.
    message: /^'[^']+' may be past the end of '[\w$]+' \(\d+ entries where it is made\)/,
    readme:
      'What can be differentiated: "state reassigned in loops … | ✅ … written only below its length (`s[k] += …` where `k < s.length`, … or `if (k < s.length)` first: else a diagnostic at the write"',
  },
  {
    // `const src = c ? xs : ys` with parameters (or module constants): the generator writes it rarely.
    message: /^this expression chooses between arrays or objects, and one of them is not an array or object literal the function makes itself/,
    readme:
      'What can be differentiated: "a variable or `?:` holding different arrays or objects after a branch | ✅ for arrays and object literals the function makes with a length known at compile time … ❌ otherwise (arrays of the caller, lengths known only at run time)"',
  },
];

/**
 * The README entry that marks the construct of `message` ❌, if any; for a state, only where
 * `program` wrote one in a form README marks ❌.
 */
export function unsupported(message: string, program: { readonly unsupported: readonly string[] }): string | undefined {
  const text = message.replace(/^tapeless: /, '');
  const entry = UNSUPPORTED.find((u) => u.message.test(text));
  if (entry?.state && !program.unsupported.includes(/'([\w$]+)'/.exec(text)?.[1] ?? '')) return undefined;
  return entry?.readme;
}
