#!/usr/bin/env node
// Generates the API reference from the TSDoc comments with TypeDoc, into docs/api/ (or checks
// only, with --check: every export documented, no broken links, nothing written).
//
//   node scripts/docs.mjs           → docs/api/index.html
//   node scripts/docs.mjs --check   → fails on an undocumented export (used by `npm test`)
//
// The check also reads the built package (run `npm run build` first): every name a public entry
// exports at run time must appear in README.md, as `Name`, so a reader finds it there.
import { readFileSync } from 'node:fs';
import { register } from 'node:module';

register('./typescript5-hook.mjs', import.meta.url);
const { Application, LogLevel } = await import('typedoc');

const check = process.argv.includes('--check');
const app = await Application.bootstrap({
  entryPoints: [
    'src/index.ts',
    'src/threading/index.ts',
    'src/queue/index.ts',
    'src/futures/index.ts',
    'src/multiprocessing/index.ts',
    'src/redis/index.ts',
  ],
  tsconfig: 'tsconfig.build.json',
  name: 'skein',
  readme: 'none',
  out: 'docs/api',
  excludeInternal: true,
  excludePrivate: true,
  excludeProtected: true,
  // Every exported name and member must say what it is; a missing comment fails the check.
  validation: { notExported: false, invalidLink: true, notDocumented: true, unusedMergeModuleWith: true },
  requiredToBeDocumented: [
    'Enum',
    'EnumMember',
    'Variable',
    'Function',
    'Class',
    'Interface',
    'Property',
    'Method',
    'Accessor',
    'TypeAlias',
  ],
  treatWarningsAsErrors: false,
  treatValidationWarningsAsErrors: true,
  logLevel: LogLevel.Warn,
  skipErrorChecking: true,
  // Source links need a git remote; a checkout without one (a tarball, a fresh local clone) would warn.
  disableSources: true,
});
const project = await app.convert();
if (!project) process.exit(1);
app.validate(project);
if (app.logger.hasErrors() || app.logger.hasWarnings()) {
  console.error(`docs: ${app.logger.errorCount} error(s), ${app.logger.warningCount} warning(s)`);
  process.exit(1);
}
if (!check) {
  await app.generateDocs(project, 'docs/api');
  console.log('docs: wrote docs/api/index.html');
} else {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  const missing = [];
  for (const [key, target] of Object.entries(pkg.exports)) {
    if (key === './package.json') continue;
    const names = Object.keys(await import(new URL(`../${target.default}`, import.meta.url).href));
    for (const name of names) if (!readme.includes(`\`${name}\``)) missing.push(`${key}: ${name}`);
  }
  if (missing.length) {
    console.error(`docs: README.md does not mention these runtime exports:\n  ${missing.join('\n  ')}`);
    process.exit(1);
  }
  console.log('docs: every export is documented, and every runtime export is in README.md');
}
