/**
 * Architecture rules for the modular monolith, enforced by `npm run lint` (depcruise over src and config).
 * test/architecture/dependency-rules.test.ts proves each rule fires on the violating fixture in
 * test/architecture/fixtures/violations and that src has no violation.
 *
 * Paths are relative to the directory depcruise runs in (the repository root, or the fixture's root in the test),
 * so module paths are anchored at `^src/`; node_modules paths are not anchored (the fixture resolves packages from
 * the repository's node_modules, several folders up).
 */
const FRAMEWORKS = ['@nestjs', '@mikro-orm', '@fastify', 'bullmq', 'ioredis', 'fastify', 'pg'];
const frameworkAlternatives = FRAMEWORKS.map((p) => p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|');

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'module-only-via-contracts',
      comment:
        'A module may use another module only through that module\'s contracts/ folder (integration events, public ports, ' +
        'DI tokens). Everything else of a module is internal.',
      severity: 'error',
      from: { path: '^src/modules/([^/]+)/' },
      to: {
        path: '^src/modules/[^/]+/',
        pathNot: ['^src/modules/$1/', '^src/modules/[^/]+/contracts/'],
      },
    },
    {
      name: 'shared-kernel-imports-no-module',
      comment: 'The shared kernel is the vocabulary every module shares: it depends on no module and no infrastructure.',
      severity: 'error',
      from: { path: '^src/shared-kernel/' },
      to: { path: '^src/(modules|infrastructure)/' },
    },
    {
      name: 'domain-imports-no-framework',
      comment: `A domain/ folder is plain TypeScript: no ${FRAMEWORKS.join(', ')}.`,
      severity: 'error',
      from: { path: '(^|/)domain/' },
      to: {
        // resolved (…/node_modules/@nestjs/common/…) or, when not installed, the bare specifier (@nestjs/common)
        path: [`(^|/)node_modules/(${frameworkAlternatives})/`, `^(${frameworkAlternatives})(/|$)`],
      },
    },
    {
      name: 'domain-imports-no-infrastructure',
      comment: 'A domain/ folder imports no infrastructure (neither src/infrastructure nor a module\'s infrastructure/).',
      severity: 'error',
      from: { path: '(^|/)domain/' },
      to: { path: '(^|/)infrastructure/', pathNot: '(^|/)node_modules/' },
    },
    {
      name: 'no-circular',
      comment: 'No circular dependencies between files.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-unresolvable',
      comment: 'Every relative import must resolve to a file.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true, path: '^\\.' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^dist/' },
    // type-only imports count too: `import type` from another module's internals is still coupling
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      extensions: ['.ts', '.js', '.json'],
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
    moduleSystems: ['cjs', 'es6'],
  },
};
