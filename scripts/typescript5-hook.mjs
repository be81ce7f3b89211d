// A module resolution hook for the documentation tools: TypeDoc needs the TypeScript 5 compiler
// API, which the project's compiler (TypeScript 7, a native binary) does not offer. The project
// installs TypeScript 5 under the alias `typescript5`; this hook hands it to whoever imports
// `typescript` in this process (TypeDoc), leaving the build's `tsc` untouched.
export async function resolve(specifier, context, nextResolve) {
  if (specifier === 'typescript') return nextResolve('typescript5', context);
  return nextResolve(specifier, context);
}
